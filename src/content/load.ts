// Read every post file under the content folder and parse them all (I/O at the edge of the pipeline).
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ContentError } from '../errors.js';
import { parsePost } from './parse.js';
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

export async function loadPosts(dir: string, options: LoadOptions): Promise<LoadedPosts> {
  const files = await listPostFiles(dir);
  const shownDir = options.displayDir ?? dir;
  const posts: Post[] = [];
  const errors: ContentError[] = [];
  // Plain synchronous reads, a batch at a time: for thousands of small files they cost a fraction of
  // fs/promises' open/fstat/read/close round trips; yielding between batches keeps a server that shares
  // the process (broadsheet start) answering while a large archive is read.
  const sources: Array<{ ok: true; text: string } | { ok: false; cause: unknown }> = [];
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && i % READ_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    try {
      sources.push({ ok: true, text: readFileSync(path.join(dir, files[i]!), 'utf8') });
    } catch (cause) {
      sources.push({ ok: false, cause });
    }
  }
  files.forEach((file, i) => {
    const source = sources[i]!;
    if (!source.ok) {
      errors.push(new ContentError({ file: path.join(shownDir, file), message: 'cannot be read', cause: source.cause }));
      return;
    }
    const result = parsePost(file, source.text, { timezone: options.timezone });
    if (result.ok) posts.push(result.post);
    else errors.push(...result.errors.map((e) => inContentDir(e, shownDir)));
  });
  return { posts, errors, files: files.length };
}

/** Messages name the file as the user knows it: content folder included. */
export function inContentDir(error: ContentError, dir: string): ContentError {
  return new ContentError({
    file: error.file === undefined ? dir : path.join(dir, error.file),
    ...(error.field === undefined ? {} : { field: error.field }),
    message: error.message,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error.cause,
  });
}

const READ_BATCH = 500;
