// A post's body → the post as feeds and digests take it; one file's text → its head and post in one
// step. Pure: no disk, no clock. The loader (heads) and the body reader go through these functions.
import type { ContentError } from '../errors.js';
import { contentHash } from './cache-entry.js';
import { countWords, readingMinutes } from './excerpt.js';
import { bodyOfSource, parseHead, type ReadOptions } from './front-matter.js';
import { articleOf } from './furniture.js';
import type { Post, PostHead } from './schema.js';

export type ParseOptions = ReadOptions;

export type ParseResult = { ok: true; head: PostHead; post: Post; warnings: ContentError[] } | { ok: false; errors: ContentError[] };

/** Parse one post file whole. `file` is its path relative to the content folder, used in messages and slugs. */
export function parsePost(file: string, source: string | Uint8Array, options: ParseOptions): ParseResult {
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  const parsed = parseHead(file, bytes, contentHash(bytes), options);
  if (!parsed.ok) return parsed;
  const text = typeof source === 'string' ? source : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return { ok: true, head: parsed.head, post: withBody(parsed.head, bodyOfSource(text)), warnings: parsed.warnings };
}

/**
 * The post of a head and its body (cleaned, see bodyOfSource), with what is derived from the body: the
 * article alone, when the head found page furniture around it.
 */
export function withBody(head: PostHead, cleaned: string): Post {
  const body = head.article === undefined ? cleaned : articleOf(cleaned, head.article);
  const wordCount = countWords(body);
  return {
    file: head.file,
    slug: head.slug,
    title: head.title,
    date: head.date,
    updated: head.updated,
    // The head's: chosen from the same bytes (the body is the head's by content hash).
    excerpt: head.excerpt,
    coverImage: head.coverImage,
    author: head.author,
    writer: head.writer,
    imageCredit: head.imageCredit,
    dateZone: head.dateZone,
    tags: head.tags,
    category: head.category,
    source: head.source,
    draft: head.draft,
    body,
    wordCount,
    readingMinutes: readingMinutes(wordCount),
  };
}

export { bodyOfSource };
