// Absolute URLs of posts, pages and output files under the configured site URL. Pure.

/** Join a path onto the site URL, keeping any sub-path the site lives under. */
export function siteUrl(base: string, path: string): string {
  return new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)).toString();
}

/** A post's page: `pattern` (feeds.postPath) with `:slug` and `:category` filled in, under the site URL. */
export function postUrl(post: { slug: string; category: { slug: string } }, base: string, pattern: string): string {
  const path = pattern.replaceAll(':slug', encodeURIComponent(post.slug)).replaceAll(':category', encodeURIComponent(post.category.slug));
  return siteUrl(base, path);
}

/** A URL's host as readers name a site ("techcrunch.com"): no "www."; the URL itself when it is not one. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}
