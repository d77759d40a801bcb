// The bodies of the posts some output shows: the step between loading heads (every post) and rendering
// (pure). Each body comes from the same bytes as its head, checked by content hash. I/O.
import path from 'node:path';
import { ContentError } from '../errors.js';
import { contentHash } from './cache-entry.js';
import { bodyOfSource, parsePost, withBody } from './parse.js';
import { readPostFile } from './read-entries.js';
import type { Post, PostHead } from './schema.js';
import type { ReadOptions } from './front-matter.js';

/** A shown post read whole, and the head of the file version its body came from. */
export interface ReadPost {
  /** The given head, or the head of the file as it is now when it changed since (same slug and category). */
  head: PostHead;
  post: Post;
}

/** Files per turn of the event loop: a server in the same process keeps answering. */
const CHUNK = 250;

/**
 * Each head's post, body included, in the heads' order. A file whose bytes no longer hash to its
 * head's (edited since it was loaded) is parsed again whole, so a post never mixes two versions of its
 * file; it keeps the slug and category publishing gave it (decided over every post), and the next
 * build, seeing the file changed, decides them again. A file that cannot be read now, or is no longer
 * a valid post, fails the build, which can only be run again.
 */
export async function readBodies(dir: string, heads: readonly PostHead[], options: ReadOptions & { displayDir: string }): Promise<ReadPost[]> {
  const read: ReadPost[] = [];
  for (const [i, head] of heads.entries()) {
    if (i > 0 && i % CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
    read.push(readBody(dir, head, options));
  }
  return read;
}

function readBody(dir: string, head: PostHead, options: ReadOptions & { displayDir: string }): ReadPost {
  const shown = path.join(options.displayDir, ...head.file.split('/'));
  let bytes: Buffer;
  try {
    // Read as the loader reads (the file may have become a FIFO since, which a plain read would wait on).
    bytes = readPostFile(path.join(dir, ...head.file.split('/')));
  } catch (cause) {
    const reason = cause instanceof ContentError ? `: ${cause.message}` : '';
    throw new ContentError({ file: shown, message: `cannot be read any more${reason}`, hint: 'build again', cause });
  }
  if (contentHash(bytes) === head.hash) return { head, post: withBody(head, bodyOfSource(bytes.toString('utf8'))) };
  const again = parsePost(head.file, bytes, options);
  if (!again.ok) {
    throw new ContentError({ file: shown, message: 'changed during the build and is not a valid post now', hint: 'build again', cause: again.errors[0] });
  }
  const changed: PostHead = { ...again.head, slug: head.slug, category: head.category };
  return { head: changed, post: { ...again.post, slug: head.slug, category: head.category } };
}

/**
 * A post file read and parsed whole, with the slug and category publishing gave it: for a rebuild that
 * has no head of it at hand (an incremental build's changed posts, and their neighbours).
 */
export function readPostWhole(
  dir: string,
  file: string,
  publishedAs: (head: PostHead) => Pick<PostHead, 'slug' | 'category'>,
  options: ReadOptions & { displayDir: string },
): ReadPost {
  const shown = path.join(options.displayDir, ...file.split('/'));
  let bytes: Buffer;
  try {
    bytes = readPostFile(path.join(dir, ...file.split('/')));
  } catch (cause) {
    const reason = cause instanceof ContentError ? `: ${cause.message}` : '';
    throw new ContentError({ file: shown, message: `cannot be read any more${reason}`, hint: 'build again', cause });
  }
  const parsed = parsePost(file, bytes, options);
  if (!parsed.ok)
    throw new ContentError({ file: shown, message: 'changed during the build and is not a valid post now', hint: 'build again', cause: parsed.errors[0] });
  const published = publishedAs(parsed.head);
  const head: PostHead = { ...parsed.head, slug: published.slug, category: published.category };
  return { head, post: { ...parsed.post, slug: published.slug, category: published.category } };
}
