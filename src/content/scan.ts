// The post files of a content folder: which there are, and their sizes and mtimes, and which files and
// folders were skipped and why. Light on purpose (no parsing, no Markdown): a rebuild where nothing
// changed is only this. I/O.
import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { compareStrings } from './compare.js';
import { contentErrorFrom, ContentError, toErrorRecord } from '../errors.js';

export interface ScannedFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/** A file or folder of the content folder that is not read, and why (reported as a warning). */
export interface SkippedFile {
  /** `/`-separated path relative to the content folder. */
  file: string;
  /** Words after "skipped: ", e.g. "a dangling link". */
  reason: string;
}

export interface Scan {
  files: ScannedFile[];
  /** Sorted by file. */
  skipped: SkippedFile[];
  /** Changes whenever any post file is added, removed, resized or touched, or a skipped one changes. */
  fingerprint: string;
}

export interface Listing {
  /** Post files to read, sorted. */
  files: string[];
  /** Sorted by file. */
  skipped: SkippedFile[];
}

const POST_FILE = /\.(md|markdown)$/i;

/**
 * Largest post file read. A written post is a few KB (the longest long-reads stay under 1 MB); a file
 * past this is a dump, a log or a mistaken link, and reading it whole (then rendering its Markdown) would
 * hold the build and its memory for nothing. It is reported as skipped instead.
 */
export const MAX_POST_BYTES = 10 * 1024 * 1024;

/** Post files under `dir`, recursively, as sorted `/`-separated relative paths (see listContent for what is skipped). */
export async function listPostFiles(dir: string): Promise<string[]> {
  return (await listContent(dir)).files;
}

/**
 * The post files under `dir`, and what was skipped there. Links to files are followed (a linked post is a
 * post, wherever its file is); links to folders never are (a link back to the folder or a parent would
 * list every post again and again, or forever), so no walk can loop.
 */
export async function listContent(dir: string): Promise<Listing> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    throw new ContentError({ file: dir, message: 'cannot read the content folder', hint: 'check --content or paths.content', cause });
  }
  walk(dir, '', entries, files, skipped);
  return { files: files.sort(), skipped: skipped.sort(byFile) };
}

/**
 * Folder by folder, with file types (readdir's d_type says what each entry is: no stat per entry), never
 * entering dot-folders or node_modules. Four times faster than readdir's own `recursive` option, which
 * stats every entry, and what a rebuild where nothing changed spends most of its time on. Only links
 * are stat-ed, to see what they point to. Synchronous, like the stat of every post that follows:
 * awaiting the thread pool folder by folder only added waiting.
 */
function walk(dir: string, prefix: string, entries: readonly Dirent[], files: string[], skipped: SkippedFile[]): void {
  for (const entry of entries) {
    const { name } = entry;
    if (name.startsWith('.') || name === 'node_modules') continue;
    if (entry.isDirectory()) {
      const folder = path.join(dir, name);
      let inside: Dirent[];
      try {
        inside = readdirSync(folder, { withFileTypes: true });
      } catch (err) {
        // One unreadable folder does not stop the build: the rest is still listed.
        skipped.push({ file: prefix + name, reason: `the folder cannot be read (${systemWords(err)})` });
        continue;
      }
      walk(folder, `${prefix}${name}/`, inside, files, skipped);
    } else if (entry.isSymbolicLink()) {
      const isPost = POST_FILE.test(name);
      let target: Stats;
      try {
        target = statSync(path.join(dir, name));
      } catch (err) {
        // What a broken link pointed to is unknown: only one named like a post is worth a word.
        if (isPost) skipped.push({ file: prefix + name, reason: brokenLinkReason(err) });
        continue;
      }
      if (target.isDirectory()) skipped.push({ file: prefix + name, reason: 'a symlink to a folder (folders are not followed through links)' });
      else if (isPost) {
        if (target.isFile()) files.push(prefix + name);
        else skipped.push({ file: prefix + name, reason: `not a regular file (a link to ${kindOf(target)})` });
      }
    } else if (POST_FILE.test(name)) {
      if (entry.isFile()) files.push(prefix + name);
      else skipped.push({ file: prefix + name, reason: `not a regular file (${kindOf(entry)})` });
    }
  }
}

/** List and stat every post file: the whole cost of a rebuild where nothing changed. */
export async function scanPostFiles(dir: string): Promise<Scan> {
  const listing = await listContent(dir);
  const files: ScannedFile[] = [];
  const skipped = [...listing.skipped];
  for (const name of listing.files) {
    const scanned = statPostFile(dir, name);
    if (scanned.size > MAX_POST_BYTES) skipped.push({ file: name, reason: tooBigReason(scanned.size) });
    else files.push(scanned);
  }
  return scanOf(files, skipped.sort(byFile));
}

/**
 * One post file's size and mtime. A file that cannot be stat-ed (gone since it was listed) keeps its
 * place with size -1: the loader then tries to read it and reports it by name.
 */
export function statPostFile(dir: string, file: string): ScannedFile {
  try {
    const stat = statSync(path.join(dir, file));
    return { file, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return { file, size: -1, mtimeMs: -1 };
  }
}

/** A scan of the given files (their fingerprint covers just them, and the skipped ones given). */
export function scanOf(files: ScannedFile[], skipped: SkippedFile[] = []): Scan {
  // One string, hashed once: half the time of an update() per file in a process that has just started.
  let lines = '';
  for (const { file, size, mtimeMs } of files) lines += `${file}\t${size}\t${mtimeMs}\n`;
  // A link made dangling, or mended, changes the report: so it changes the fingerprint too.
  for (const { file, reason } of skipped) lines += `${file}\tskipped\t${reason}\n`;
  return { files, skipped, fingerprint: createHash('sha1').update(lines).digest('hex') };
}

/** Why a file that was opened is not read as a post, or undefined when it is one (a regular file within the limit). */
export function refusalOf(
  stat: Pick<Stats, 'size' | 'isFile' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isDirectory'>,
): string | undefined {
  if (!stat.isFile()) return `not a regular file (${kindOf(stat)})`;
  if (stat.size > MAX_POST_BYTES) return tooBigReason(stat.size);
  return undefined;
}

export const tooBigReason = (size: number) => `${megabytes(size)} MB, over the ${megabytes(MAX_POST_BYTES)} MB limit for a post file`;
// Rounded up: a file one byte over the limit must not read as being at it.
const megabytes = (bytes: number) => Math.ceil((bytes / (1024 * 1024)) * 10) / 10;

/** The warning a skipped file or folder is reported as, named the way the user knows it. */
export function skippedWarning(skipped: SkippedFile, displayDir: string): ContentError {
  return new ContentError({ file: path.join(displayDir, ...skipped.file.split('/')), message: `skipped: ${skipped.reason}` });
}

export const byFile = (a: { file: string }, b: { file: string }) => compareStrings(a.file, b.file);

type Kind = Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isDirectory'>;

function kindOf(entry: Kind): string {
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  if (entry.isDirectory()) return 'a folder';
  return 'an unknown kind of file';
}

function brokenLinkReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'a dangling link';
  if (code === 'ELOOP') return 'a link that loops';
  return `a link that cannot be followed (${systemWords(err)})`;
}

function systemWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  return e.code ?? String(err);
}

/** Messages name the file as the user knows it: content folder included. */
export function inContentDir(error: ContentError, dir: string): ContentError {
  return contentErrorFrom({ ...toErrorRecord(error), file: error.file === undefined ? dir : path.join(dir, error.file) }, error.cause);
}
