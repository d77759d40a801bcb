// Read every post file under the content folder and parse them all (I/O at the edge of the pipeline).
import { readdir, readFile } from 'node:fs/promises';
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
  // Reads run a few dozen at a time (one at a time leaves the disk idle; all at once exhausts handles);
  // results are taken in file order, so reports and posts never depend on timing.
  const sources = await mapLimit(files, READ_CONCURRENCY, (file) =>
    readFile(path.join(dir, file), 'utf8').then(
      (text) => ({ ok: true as const, text }),
      (cause: unknown) => ({ ok: false as const, cause }),
    ),
  );
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

const READ_CONCURRENCY = 32;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
