// Write output files atomically, leaving unchanged files (and their mtimes) alone. I/O.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
export async function saveFiles(outDir: string, files: readonly OutputFile[]): Promise<SaveReport> {
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
      if (current === file.body) continue;
      await folderOf(path.dirname(target));
      await writeFileAtomic(target, file.body, { encoding: 'utf8', mode: 0o644 });
      written.add(file.path);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, saveNext));
  // Reported in the order given, whatever order the writes finished in.
  return { written: files.filter((f) => written.has(f.path)).map((f) => f.path), unchanged: files.filter((f) => !written.has(f.path)).map((f) => f.path) };
}

const CONCURRENCY = 8;
