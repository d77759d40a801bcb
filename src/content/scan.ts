// The post files of a content folder: which there are, and their sizes and mtimes. Light on purpose
// (no parsing, no Markdown): a rebuild where nothing changed is only this. I/O.
import { createHash } from 'node:crypto';
import { statSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { contentErrorFrom, ContentError, toErrorRecord } from '../errors.js';

export interface ScannedFile {
  file: string;
  size: number;
  mtimeMs: number;
}

export interface Scan {
  files: ScannedFile[];
  /** Changes whenever any post file is added, removed, resized or touched. */
  fingerprint: string;
}

const POST_FILE = /\.(md|markdown)$/i;

/** Post files under `dir`, recursively, as sorted `/`-separated relative paths. Dot-folders are skipped. */
export async function listPostFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    // With file types the listing needs no stat of its own per entry (readdir's d_type says what it is).
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (cause) {
    throw new ContentError({ file: dir, message: 'cannot read the content folder', hint: 'check --content or paths.content', cause });
  }
  const root = path.resolve(dir);
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() || !POST_FILE.test(entry.name)) continue;
    const parent = path.resolve(entry.parentPath);
    const rel = parent === root ? entry.name : `${path.relative(root, parent).split(path.sep).join('/')}/${entry.name}`;
    if (!rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) files.push(rel);
  }
  return files.sort();
}

/** List and stat every post file: the whole cost of a rebuild where nothing changed. */
export async function scanPostFiles(dir: string): Promise<Scan> {
  const names = await listPostFiles(dir);
  return scanOf(names.map((file) => statPostFile(dir, file)));
}

/**
 * One post file's size and mtime. A file that cannot be stat-ed (a dangling link, or gone since it was
 * listed) keeps its place with size -1: the loader then tries to read it and reports it by name.
 */
export function statPostFile(dir: string, file: string): ScannedFile {
  try {
    const stat = statSync(path.join(dir, file));
    return { file, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return { file, size: -1, mtimeMs: -1 };
  }
}

/** A scan of the given files (their fingerprint covers just them). */
export function scanOf(files: ScannedFile[]): Scan {
  const hash = createHash('sha1');
  for (const { file, size, mtimeMs } of files) hash.update(`${file}\t${size}\t${mtimeMs}\n`);
  return { files, fingerprint: hash.digest('hex') };
}

/** Messages name the file as the user knows it: content folder included. */
export function inContentDir(error: ContentError, dir: string): ContentError {
  return contentErrorFrom({ ...toErrorRecord(error), file: error.file === undefined ? dir : path.join(dir, error.file) }, error.cause);
}
