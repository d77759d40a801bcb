// HTML pages for people (index, feed renditions, subscribe/unsubscribe/preferences answers, preview),
// rendered from Liquid templates in templates/pages/ with every value HTML-escaped. Pure, once loaded.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { FeedChannel } from '../feeds/model.js';
import type { ListPageView } from './list-pages.js';
import { liquidError } from '../shared/liquid.js';
import { siteUrl } from '../shared/urls.js';

export interface Pages {
  dir: string;
  engine: Liquid;
  /** The XSL stylesheet that makes feeds readable in browsers with XSLT. */
  feedXsl: string;
  /** CSP sources ('sha256-…') of the templates' inline <script> elements: the only scripts pages may run. */
  scriptHashes: string[];
}

export const PAGES_DIR = 'pages';

export async function loadPages(templatesDir: string): Promise<Pages> {
  const dir = path.join(templatesDir, PAGES_DIR);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.html.liquid')).sort();
  const templates: Record<string, string> = {};
  for (const name of names) templates[name] = await readFile(path.join(dir, name), 'utf8');
  // cache: a page template is parsed once per load, not once per page rendered from it (one per channel).
  const engine = new Liquid({ templates, extname: '.html.liquid', outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true, cache: true });
  for (const name of names) {
    try {
      // Parsed (and cached) synchronously, as every page is rendered: an async parse would cache a
      // promise, which a synchronous render cannot use.
      engine.parseFileSync(name.slice(0, -'.html.liquid'.length));
    } catch (cause) {
      throw liquidError(dir, cause);
    }
  }
  const feedXsl = await readFile(path.join(dir, 'feed.xsl'), 'utf8');
  return { dir, engine, feedXsl, scriptHashes: inlineScriptHashes([...Object.values(templates), feedXsl]) };
}

/**
 * The hash of each inline script, so the CSP can allow exactly these and no injected one. A script with
 * Liquid in it renders differently per page and cannot be hashed: it gets none, and the CSP blocks it.
 */
function inlineScriptHashes(sources: readonly string[]): string[] {
  const hashes = new Set<string>();
  for (const source of sources) {
    for (const [, body = ''] of source.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
      if (!/{{|{%/.test(body)) hashes.add(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

type SiteSettings = Pick<Config, 'site'>;

/** A page template rendered. Synchronous: page templates read nothing, and Liquid's async path costs a promise per tag. */
export function render(pages: Pages, name: string, view: Record<string, unknown>): string {
  try {
    return pages.engine.renderFileSync(name, view);
  } catch (cause) {
    throw liquidError(pages.dir, cause);
  }
}

/** The media type of each feed format, for discovery links. */
export const TYPES = { rss: 'application/rss+xml', atom: 'application/atom+xml', json: 'application/feed+json' } as const;

function siteView(config: SiteSettings) {
  return { title: config.site.title, description: config.site.description, language: config.site.language, url: config.site.url };
}

/** A list page (the front page, a category's, or one of their `page/n/` pages): its posts, pagination, subscribe form and feeds. */
export function renderListPage(pages: Pages, template: 'index' | 'category', view: ListPageView, config: SiteSettings): string {
  const { page, pages: count } = view.pagination;
  const heading = template === 'index' ? config.site.title : `${view.heading} · ${config.site.title}`;
  return render(pages, template, {
    site: siteView(config),
    title: count > 1 ? `${heading} (page ${page} of ${count})` : heading,
    discovery: view.channels.flatMap((c) => [
      { type: TYPES.rss, title: `${c.title} (RSS)`, url: c.rss },
      { type: TYPES.atom, title: `${c.title} (Atom)`, url: c.atom },
      { type: TYPES.json, title: `${c.title} (JSON Feed)`, url: c.json },
    ]),
    ...view,
  });
}

/** OUT/404.html: what the server (or any static host) sends for a path that holds nothing. */
export function renderNotFoundPage(pages: Pages, config: SiteSettings): string {
  return render(pages, '404', {
    site: siteView(config),
    title: `Not found · ${config.site.title}`,
    discovery: [],
    links: { home: siteUrl(config.site.url, '/') },
  });
}

/** A feed as a page: what a browser without XSLT is sent for feed.xml / atom.xml. */
export function renderFeedPage(pages: Pages, channel: FeedChannel, feedUrl: string, config: SiteSettings): string {
  return render(pages, 'feed', {
    site: siteView(config),
    title: channel.title,
    discovery: [
      { type: TYPES.rss, title: channel.title, url: channel.urls.rss },
      { type: TYPES.atom, title: channel.title, url: channel.urls.atom },
    ],
    channel: { title: channel.title, description: channel.description },
    feedUrl,
    entries: channel.entries.map((e) => ({
      url: e.url,
      title: e.title,
      author: e.author,
      summary: e.summary,
      date: DateTime.fromJSDate(e.published, { zone: 'UTC' }).setLocale(config.site.language).toLocaleString(DateTime.DATE_MED),
    })),
    links: { home: siteUrl(config.site.url, '/') },
  });
}

export interface MessagePage {
  heading: string;
  message: string;
  form?: { action: string; button: string; fields: Array<{ name: string; value: string }> };
}

export function renderMessagePage(pages: Pages, page: MessagePage, config: SiteSettings): string {
  return render(pages, 'message', {
    site: siteView(config),
    title: `${page.heading} · ${config.site.title}`,
    discovery: [],
    ...page,
    form: page.form ?? null,
    links: { home: siteUrl(config.site.url, '/') },
  });
}

export function renderPreferencesPage(
  pages: Pages,
  view: { email: string; action: string; unsubscribeUrl: string; saved: boolean; categories: Array<{ slug: string; name: string; checked: boolean }> },
  config: SiteSettings,
): string {
  return render(pages, 'preferences', {
    site: siteView(config),
    title: `Your digest · ${config.site.title}`,
    discovery: [],
    ...view,
    links: { unsubscribe: view.unsubscribeUrl },
  });
}

export function renderPreviewPage(
  pages: Pages,
  view: {
    subject: string;
    postCount: number;
    fallback: boolean;
    token: string | null;
    window: { since: string; until: string; label: string };
    links: { self: string; html: string; htmlDark: string; text: string; eml: string };
  },
  config: SiteSettings,
): string {
  return render(pages, 'preview', { site: siteView(config), title: `Preview · ${config.site.title}`, discovery: [], ...view });
}
