// Read every post file under the content folder and parse them all (I/O at the edge of the pipeline).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { contentErrorFrom, ContentError, toErrorRecord } from '../errors.js';
import { loadPostsCached } from './cache.js';
import type { Post } from './schema.js';

export interface LoadedPosts {
  /** Every valid post, drafts and future posts included; `publishPosts` decides what is published. */
  posts: Post[];
  /** Every invalid post, each problem named by file and field. An invalid post is skipped. */
  errors: ContentError[];
  /** Post files seen. */
  files: number;
}

const POST_FILE = /\.(md|markdown)$/i;

/** Post files under `dir`, recursively, as sorted `/`-separated relative paths. Dot-folders are skipped. */
export async function listPostFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (cause) {
    throw new ContentError({ file: dir, message: 'cannot read the content folder', hint: 'check --content or paths.content', cause });
  }
  return entries
    .map((entry) => entry.split(path.sep).join('/'))
    .filter((rel) => POST_FILE.test(rel) && !rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules'))
    .sort();
}

export interface LoadOptions {
  timezone: string;
  /** How messages name the content folder (as the user wrote it); defaults to `dir`. */
  displayDir?: string;
}

/** Every post under `dir`, read and parsed afresh (no cache): the build's loader, minus the cache. */
export async function loadPosts(dir: string, options: LoadOptions): Promise<LoadedPosts> {
  const { posts, errors, files } = await loadPostsCached(dir, undefined, { timezone: options.timezone, displayDir: options.displayDir ?? dir });
  return { posts, errors, files };
}

/** Messages name the file as the user knows it: content folder included. */
export function inContentDir(error: ContentError, dir: string): ContentError {
  return contentErrorFrom({ ...toErrorRecord(error), file: error.file === undefined ? dir : path.join(dir, error.file) }, error.cause);
}
