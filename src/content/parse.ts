// One file's text → a validated Post, or every problem found in it. Pure: no disk, no clock.
import type { ContentError } from '../errors.js';
import { cleanBody } from './clean.js';
import { chooseExcerpt, countWords, readingMinutes } from './excerpt.js';
import { frontMatterEnd, normalizeNewlines, parseFrontMatter } from './front-matter.js';
import { stripControlChars, type Post } from './schema.js';

export interface ParseOptions {
  /** IANA timezone for dates written without an offset. */
  timezone: string;
}

export type ParseResult = { ok: true; post: Post } | { ok: false; errors: ContentError[] };

/** Parse one post. `file` is its path relative to the content folder, used in messages and slugs. */
export function parsePost(file: string, source: string, options: ParseOptions): ParseResult {
  const parsed = parseFrontMatter(file, source, options);
  if (!parsed.ok) return parsed;
  const { fields: f, body: content } = parsed;
  const post: Post = {
    file, slug: f.slug, title: f.title, date: f.date, updated: f.updated, excerpt: '', coverImage: f.coverImage, author: f.author,
    tags: f.tags, category: f.category, source: f.source, draft: f.draft, body: '', wordCount: 0, readingMinutes: 0,
  };
  // The body-derived fields are worked out on first use: a build reads every post but renders and
  // summarises only those that appear in a feed or a digest (most of a 50,000-post archive never does).
  lazy(post, 'body', () => cleanBody(stripControlChars(content)));
  lazy(post, 'wordCount', () => countWords(post.body));
  lazy(post, 'readingMinutes', () => readingMinutes(post.wordCount));
  lazy(post, 'excerpt', () => chooseExcerpt(f.frontMatterExcerpt, post.body, f.title));
  return { ok: true, post };
}

/**
 * Define `key` as computed once on first read, then an ordinary (enumerable, writable) value. The value
 * lands on the object read from, so a copy made with withChanges() keeps the laziness.
 */
export function lazy<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get(this: T) {
      const value = compute();
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
      return value;
    },
    set(this: T, value: T[K]) {
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** A copy of a post with some fields changed, that neither evaluates nor drops lazily derived fields. */
export function withChanges(post: Post, changes: Partial<Post>): Post {
  const copy = Object.create(Object.getPrototypeOf(post), Object.getOwnPropertyDescriptors(post)) as Post;
  return Object.assign(copy, changes);
}

/** The cleaned Markdown body of a post file's text. */
export function bodyOfSource(source: string): string {
  const text = normalizeNewlines(source);
  return cleanBody(stripControlChars(text.slice(frontMatterEnd(text))));
}
