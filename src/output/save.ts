// Write output files atomically, leaving unchanged files (and their mtimes) alone. I/O.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import writeFileAtomic from 'write-file-atomic';
import type { OutputFile } from '../feeds/build.js';
import { makeFolder } from './mkdir.js';

export interface SaveReport {
  written: string[];
  unchanged: string[];
}

/**
 * Each file is written to a temporary name and renamed into place, so a reader never sees half a
 * feed; a file whose bytes are already on disk is not rewritten, so servers keep their ETag.
 */
/** What a feed reader or browser downloads: kept beside each file compressed, so no request compresses it. */
const COMPRESSIBLE = /\.(xml|json|html|opml|xsl)$/;
const gzipped = promisify(gzip);
const brotlied = promisify(brotliCompress);

export async function saveFiles(outDir: string, files: readonly OutputFile[], options: { precompress?: boolean } = {}): Promise<SaveReport> {
  const written = new Set<string>();
  // Each folder made once per save, however many files go into it (every feed of a category shares one).
  const folders = new Map<string, Promise<void>>();
  const folderOf = (dir: string) => {
    let made = folders.get(dir);
    if (made === undefined) folders.set(dir, (made = makeFolder(dir)));
    return made;
  };
  // Several files at a time: each atomic write waits on its own fsync, and those overlap well.
  let next = 0;
  const saveNext = async (): Promise<void> => {
    for (let file = files[next++]; file !== undefined; file = files[next++]) {
      const target = path.join(outDir, ...file.path.split('/'));
      const current = await readFile(target, 'utf8').catch(() => undefined);
      const changed = current !== file.body;
      if (changed) {
        await folderOf(path.dirname(target));
        await writeFileAtomic(target, file.body, { encoding: 'utf8', mode: 0o644 });
        written.add(file.path);
      }
      if (options.precompress && COMPRESSIBLE.test(file.path)) await saveCompressed(target, file.body, changed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, saveNext));
  // Reported in the order given, whatever order the writes finished in.
  return { written: files.filter((f) => written.has(f.path)).map((f) => f.path), unchanged: files.filter((f) => !written.has(f.path)).map((f) => f.path) };
}

const CONCURRENCY = 8;

/**
 * target.gz and target.br beside the file, for the server to send to clients that accept them
 * (compressing per request cut /atom.xml from 2,771 to 582 requests a second): written when the file
 * changed, or when one is missing. zlib runs on the thread pool, beside the build.
 */
async function saveCompressed(target: string, body: string, changed: boolean): Promise<void> {
  const missing = async (file: string) =>
    access(file).then(
      () => false,
      () => true,
    );
  const bytes = Buffer.from(body, 'utf8');
  await Promise.all([
    (changed || (await missing(`${target}.gz`))) && writeFileAtomic(`${target}.gz`, await gzipped(bytes, { level: 9 }), { mode: 0o644 }),
    (changed || (await missing(`${target}.br`))) &&
      writeFileAtomic(
        `${target}.br`,
        await brotlied(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        { mode: 0o644 },
      ),
  ]);
}
