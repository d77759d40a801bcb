// URL slugs for posts, categories and tags. Pure.
import { createHash } from 'node:crypto';
import slugify from '@sindresorhus/slugify';

/**
 * A URL-safe slug. Scripts that cannot be transliterated (CJK, for one) would slugify to nothing,
 * so the fallback is a short stable hash of the text: never empty, never random.
 */
export function toSlug(text: string): string {
  // Category and tag names repeat across thousands of posts: transliteration runs once per name.
  let slug = memo.get(text);
  if (slug === undefined) {
    slug = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(text)
      ? text
      : slugify(text, { decamelize: false }) || `x-${createHash('sha256').update(text).digest('hex').slice(0, 10)}`;
    if (memo.size > 100_000) memo.clear();
    memo.set(text, slug);
  }
  return slug;
}

const memo = new Map<string, string>();

/** A post's default slug: its file name without extension and without a leading date (Jekyll-style). */
export function slugFromFile(file: string): string {
  const base = file
    .split('/')
    .pop()!
    .replace(/\.(md|markdown)$/i, '');
  const withoutDate = base.replace(/^\d{4}-\d{2}-\d{2}[-_]/, '');
  return toSlug(withoutDate || base);
}
