// Absolute URLs of posts and output files under the configured site URL. Pure.
import type { Post } from '../content/schema.js';

/** Join a path onto the site URL, keeping any sub-path the site lives under. */
export function siteUrl(base: string, path: string): string {
  return new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)).toString();
}

export function postUrl(post: Pick<Post, 'slug' | 'category'>, base: string, pattern: string): string {
  const path = pattern.replaceAll(':slug', encodeURIComponent(post.slug)).replaceAll(':category', encodeURIComponent(post.category.slug));
  return siteUrl(base, path);
}
