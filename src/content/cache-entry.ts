// One post file's bytes → its post-cache entry: content hash plus the post's head (or its problems), in
// plain JSON-ready form, and back. Pure, and light (no Markdown, no sanitizer): a cold build runs it on
// every post file.
import { hash } from 'node:crypto';
import { toErrorRecord, type ContentError, type ErrorRecord } from '../errors.js';
import { parseHead, type ReadOptions } from './front-matter.js';
import type { ArticleSpan, PostHead } from './schema.js';

/** A head as stored: dates as ISO strings, missing values as null; no file or hash (the entry has them). */
export interface StoredHead {
  slug: string;
  title: string;
  date: string;
  updated: string | null;
  frontMatterExcerpt: string | null;
  excerpt: string;
  coverImage: string | null;
  author: string | null;
  writer: string | null;
  imageCredit: string | null;
  dateZone: { zone: string; label: string | null } | null;
  /** Where the article lies in the body (see ArticleSpan). */
  article: ArticleSpan | null;
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
  head?: StoredHead;
  /** The post's problems; `file` only when it is not the post's own file. */
  errors?: ErrorRecord[];
  /** What reading a valid post warned about (its cleanup); `file` as in `errors`. */
  warnings?: ErrorRecord[];
}

/** sha1 of a file's bytes, hex (the one-shot form: a Hash object per file cost more than the hashing). */
export function contentHash(bytes: Uint8Array): string {
  return hash('sha1', bytes, 'hex');
}

/** The entry for a file whose bytes (and their hash) are known. */
export function cacheEntryOf(file: string, bytes: Uint8Array, stat: { size: number; mtimeMs: number }, hash: string, options: ReadOptions): CacheEntry {
  const { size, mtimeMs } = stat;
  const result = parseHead(file, bytes, hash, options);
  const record = (e: ContentError): ErrorRecord => ({ ...toErrorRecord(e), file: e.file !== file ? e.file : undefined });
  if (!result.ok) return { size, mtimeMs, hash, errors: result.errors.map(record) };
  const h = result.head;
  return {
    size,
    mtimeMs,
    hash,
    ...(result.warnings.length > 0 ? { warnings: result.warnings.map(record) } : {}),
    head: {
      slug: h.slug,
      title: h.title,
      date: h.date.toISOString(),
      updated: h.updated?.toISOString() ?? null,
      frontMatterExcerpt: h.frontMatterExcerpt ?? null,
      excerpt: h.excerpt,
      coverImage: h.coverImage ?? null,
      author: h.author ?? null,
      writer: h.writer ?? null,
      imageCredit: h.imageCredit ?? null,
      dateZone: h.dateZone === undefined ? null : { zone: h.dateZone.zone, label: h.dateZone.label ?? null },
      article: h.article ?? null,
      tags: h.tags,
      category: h.category,
      source: h.source ?? null,
      draft: h.draft,
    },
  };
}

/** The head of a cached valid post. */
export function headOf(file: string, hash: string, s: StoredHead): PostHead {
  return {
    file,
    slug: s.slug,
    title: s.title,
    date: new Date(s.date),
    updated: s.updated === null ? undefined : new Date(s.updated),
    frontMatterExcerpt: s.frontMatterExcerpt ?? undefined,
    excerpt: s.excerpt,
    coverImage: s.coverImage ?? undefined,
    author: s.author ?? undefined,
    writer: s.writer ?? undefined,
    imageCredit: s.imageCredit ?? undefined,
    dateZone: s.dateZone === null ? undefined : { zone: s.dateZone.zone, label: s.dateZone.label ?? undefined },
    article: s.article ?? undefined,
    tags: s.tags,
    category: s.category,
    source: s.source ?? undefined,
    draft: s.draft,
    hash,
  };
}

/** Where the loader keeps each post file's entry between builds: the build cache, for one content folder. */
export interface PostCache {
  /** The entries kept for these files, or for every file when `files` is left out. */
  entries(files?: readonly string[]): Map<string, CacheEntry>;
  /** Keep the changed entries and forget the files gone, together. */
  save(changed: ReadonlyArray<readonly [file: string, entry: CacheEntry]>, gone: readonly string[]): void;
}
