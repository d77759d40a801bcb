// A post's own page (OUT/posts/<slug>/index.html): the post as the feeds carry it, with the metadata
// people and platforms read (canonical link, OpenGraph, Twitter card, JSON-LD Article), its neighbours
// in its category, the subscribe form and the feeds. From templates/pages/post.html.liquid. Pure, once loaded.
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { Post } from '../content/schema.js';
import { FEED_FILES, type FeedEntry } from '../feeds/model.js';
import type { PageNeighbour } from '../output/post-pages.js';
import { hostOf, postUrl, siteUrl } from '../shared/urls.js';
import { render, TYPES, type Pages } from './pages.js';

export type PostPageSettings = Pick<Config, 'site' | 'feeds'>;

export interface PostPageInput {
  post: Post;
  /** The post's feed entry: its URL, cover and the sanitized body every feed carries. */
  entry: FeedEntry;
  previous: PageNeighbour | undefined;
  next: PageNeighbour | undefined;
}

/** The page's HTML. The template gets every value as text, escaped on output, but the body and the JSON-LD. */
export function renderPostPage(pages: Pages, input: PostPageInput, config: PostPageSettings): string {
  return render(pages, 'post', postPageView(input, config));
}

export function postPageView({ post, entry, previous, next }: PostPageInput, config: PostPageSettings) {
  const { site } = config;
  const url = entry.url;
  const categoryDir = `/categories/${encodeURIComponent(post.category.slug)}/`;
  const feedsOf = (title: string, dir: string) =>
    (['rss', 'atom', 'json'] as const).map((kind) => ({
      type: TYPES[kind],
      title: `${title} (${kind === 'json' ? 'JSON Feed' : kind === 'rss' ? 'RSS' : 'Atom'})`,
      url: siteUrl(site.url, `${dir}${FEED_FILES[kind]}`),
    }));
  const categoryTitle = `${site.title}: ${post.category.name}`;
  const modified = entry.updated;
  const local = (date: Date) => DateTime.fromJSDate(date, { zone: site.timezone }).setLocale(site.language);
  const neighbour = (n: PageNeighbour | undefined) => (n === undefined ? null : { title: n.title, url: postUrl(n, site.url, config.feeds.postPath) });
  return {
    site: { title: site.title, description: site.description, language: site.language, url: site.url },
    title: `${post.title} · ${site.title}`,
    discovery: [...feedsOf(site.title, '/'), ...feedsOf(categoryTitle, categoryDir)],
    post: {
      title: post.title,
      url,
      excerpt: post.excerpt,
      author: entry.author,
      curator: entry.curator ?? null,
      published: { iso: post.date.toISOString(), text: publishedText(post, site) },
      updated: modified > post.date ? { iso: modified.toISOString(), text: local(modified).toLocaleString(DateTime.DATE_FULL) } : null,
      category: { name: post.category.name, url: siteUrl(site.url, categoryDir) },
      tags: post.tags,
      cover: entry.image?.url ?? null,
      coverCredit: entry.imageCredit ?? null,
      html: entry.html,
      source: post.source === undefined ? null : { url: post.source, host: hostOf(post.source) },
      readingMinutes: post.readingMinutes,
    },
    previous: neighbour(previous),
    next: neighbour(next),
    meta: {
      canonical: url,
      description: post.excerpt,
      image: entry.image?.url ?? null,
      twitterCard: entry.image === undefined ? 'summary' : 'summary_large_image',
      published: post.date.toISOString(),
      modified: modified.toISOString(),
    },
    jsonLd: jsonForScript(articleLd(post, entry, config)),
    links: { home: siteUrl(site.url, '/'), subscribe: siteUrl(site.url, '/subscribe'), opml: siteUrl(site.url, '/feeds.opml') },
  };
}

/**
 * When the post was published, as a reader reads it: the day in the site timezone; with the time in the
 * zone the source wrote it in, when the exact time came from the scraped page ("January 29, 2026 at 2:11 PM PST").
 */
function publishedText(post: Pick<Post, 'date' | 'dateZone'>, site: PostPageSettings['site']): string {
  if (post.dateZone === undefined) return DateTime.fromJSDate(post.date, { zone: site.timezone }).setLocale(site.language).toLocaleString(DateTime.DATE_FULL);
  const there = DateTime.fromJSDate(post.date, { zone: post.dateZone.zone }).setLocale(site.language);
  const label = post.dateZone.label !== undefined && /^[A-Z]{2,5}$/.test(post.dateZone.label) ? post.dateZone.label : there.offsetNameShort;
  return `${there.toLocaleString({ dateStyle: 'long', timeStyle: 'short' })} ${label}`;
}

/** schema.org Article: what search engines and link previews read. */
function articleLd(post: Post, entry: FeedEntry, { site }: PostPageSettings) {
  return {
    '@context': 'https://schema.org',
    '@type': 'Article',
    headline: post.title,
    description: post.excerpt,
    url: entry.url,
    mainEntityOfPage: entry.url,
    datePublished: post.date.toISOString(),
    dateModified: entry.updated.toISOString(),
    author: { '@type': 'Person', name: entry.author },
    ...(entry.image === undefined
      ? {}
      : { image: [entry.imageCredit === undefined ? entry.image.url : { '@type': 'ImageObject', url: entry.image.url, creditText: entry.imageCredit }] }),
    publisher: {
      '@type': 'Organization',
      name: site.title,
      url: site.url,
      ...(site.image === undefined ? {} : { logo: { '@type': 'ImageObject', url: site.image } }),
    },
    articleSection: post.category.name,
    ...(post.tags.length > 0 ? { keywords: post.tags.join(', ') } : {}),
    ...(post.source === undefined ? {} : { isBasedOn: post.source }),
    inLanguage: site.language,
  };
}

/**
 * JSON safe inside <script>: no "</script>", "<!--" or "]]>" can end or change the element, since
 * every <, > and & is a \u escape (and U+2028/U+2029, which old parsers took for line ends).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
