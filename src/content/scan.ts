// The post files of a content folder: which there are, and their sizes and mtimes. Light on purpose
// (no parsing, no Markdown): a rebuild where nothing changed is only this. I/O.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
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
  const files: string[] = [];
  try {
    walk(dir, '', files);
  } catch (cause) {
    throw new ContentError({ file: dir, message: 'cannot read the content folder', hint: 'check --content or paths.content', cause });
  }
  return files.sort();
}

/**
 * Folder by folder, with file types (readdir's d_type says what each entry is: no stat per entry), never
 * entering dot-folders or node_modules. Four times faster than readdir's own `recursive` option, which
 * stats every entry, and what a rebuild where nothing changed spends most of its time on. Synchronous,
 * like the stat of every post that follows: awaiting the thread pool folder by folder only added waiting.
 */
function walk(dir: string, prefix: string, files: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const { name } = entry;
    if (name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (name !== 'node_modules') walk(path.join(dir, name), `${prefix}${name}/`, files);
    } else if (POST_FILE.test(name)) files.push(prefix + name);
  }
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
  // One string, hashed once: half the time of an update() per file in a process that has just started.
  let lines = '';
  for (const { file, size, mtimeMs } of files) lines += `${file}\t${size}\t${mtimeMs}\n`;
  return { files, fingerprint: createHash('sha1').update(lines).digest('hex') };
}

/** Messages name the file as the user knows it: content folder included. */
export function inContentDir(error: ContentError, dir: string): ContentError {
  return contentErrorFrom({ ...toErrorRecord(error), file: error.file === undefined ? dir : path.join(dir, error.file) }, error.cause);
}
