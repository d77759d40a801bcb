// One post file's bytes → its post-cache entry: content hash plus validated front matter (or its
// problems), in plain JSON-ready form. Pure, and light (no Markdown, no sanitizer): a cold build runs
// it on every post file.
import { hash } from 'node:crypto';
import { toErrorRecord, type ErrorRecord } from '../errors.js';
import { parseFrontMatter } from './front-matter.js';

export interface SerializedPost {
  slug: string;
  title: string;
  date: string;
  updated: string | null;
  fmExcerpt: string | null;
  coverImage: string | null;
  author: string | null;
  tags: string[];
  category: { name: string; slug: string };
  source: string | null;
  draft: boolean;
}

export interface CacheEntry {
  size: number;
  mtimeMs: number;
  /** sha1 of the file's bytes. */
  hash: string;
  post?: SerializedPost;
  /** The post's problems; `file` only when it is not the post's own file. */
  errors?: ErrorRecord[];
}

/** sha1 of a file's bytes, hex (the one-shot form: a Hash object per file cost more than the hashing). */
export function contentHash(bytes: Uint8Array): string {
  return hash('sha1', bytes, 'hex');
}

/** The entry for a file whose bytes (and their hash) are known. */
export function cacheEntryOf(file: string, bytes: Buffer, stat: { size: number; mtimeMs: number }, hash: string, timezone: string): CacheEntry {
  const { size, mtimeMs } = stat;
  // Only the front matter becomes a string here: the body is decoded later, and only for the posts
  // that reach a feed or a digest (at 50,000 posts, decoding every body doubled peak memory).
  const result = parseFrontMatter(file, frontMatterText(bytes), { timezone });
  if (!result.ok) {
    return { size, mtimeMs, hash, errors: result.errors.map((e) => ({ ...toErrorRecord(e), file: e.file !== file ? e.file : undefined })) };
  }
  const f = result.fields;
  return {
    size, mtimeMs, hash,
    post: {
      slug: f.slug, title: f.title, date: f.date.toISOString(), updated: f.updated?.toISOString() ?? null,
      fmExcerpt: f.frontMatterExcerpt ?? null, coverImage: f.coverImage ?? null, author: f.author ?? null,
      tags: f.tags, category: f.category, source: f.source ?? null, draft: f.draft,
    },
  };
}

/** The file's text up to the end of its front matter (all of it when it has none, for the error). */
function frontMatterText(bytes: Buffer): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.toString('latin1', start, start + 3) !== '---') return bytes.toString('utf8');
  const close = bytes.indexOf('\n---', start + 3);
  if (close < 0) return bytes.toString('utf8');
  const lineEnd = bytes.indexOf('\n', close + 4);
  return bytes.toString('utf8', 0, lineEnd < 0 ? bytes.length : lineEnd + 1);
}
