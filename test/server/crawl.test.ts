// Every link lands: a crawl of the sample site on the real server, from the front page through every
// same-origin link in its pages, every item of every built feed and every link in a rendered digest.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAtomFeed, parseJsonFeed, parseOpml, parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_URL, startServedSite, type ServedSite } from '../helpers/served-site.js';

let site: ServedSite;
beforeAll(async () => {
  // One post a page: the front page and the Science category go on to more pages.
  site = await startServedSite({ config: { site: { postsPerPage: 1 } } });
});
afterAll(() => site?.close());

/** A link as a path on the test server, or undefined when it points elsewhere. */
function localPath(href: string, from: string): string | undefined {
  const url = new URL(href.replaceAll('&amp;', '&'), from);
  const own = url.href.startsWith(SITE_URL) ? `/${url.href.slice(SITE_URL.length)}` : url.origin === site.base ? url.pathname + url.search : undefined;
  return own?.replace(/#.*$/, '');
}

const linksIn = (html: string) => [...html.matchAll(/\s(?:href|src|action)="([^"]+)"/g)].map((m) => m[1]!);

describe('every link on the sample site', () => {
  it('answers 200: pages from the front page on, every feed item, every digest link', async () => {
    const seen = new Map<string, number>();
    const queue = ['/'];
    const visit = async (p: string) => {
      if (seen.has(p)) return;
      const res = await fetch(site.base + p, { headers: { accept: 'text/html' } });
      seen.set(p, res.status);
      const type = res.headers.get('content-type') ?? '';
      if (res.status === 200 && type.startsWith('text/html')) {
        for (const href of linksIn(await res.text())) {
          const next = localPath(href, site.base + p);
          // The subscribe form posts; it is tested on its own.
          if (next !== undefined && next !== '/subscribe') queue.push(next);
        }
      } else await res.arrayBuffer();
    };
    while (queue.length > 0) await visit(queue.shift()!);

    // Every item of every channel's feeds, as feed readers get them.
    const opml = parseOpml(await readFile(path.join(site.outDir, 'feeds.opml'), 'utf8'));
    const rssUrls = (opml.body?.outlines ?? []).flatMap((o) => [o, ...(o.outlines ?? [])]).flatMap((o) => (o.xmlUrl ? [o.xmlUrl] : []));
    expect(rssUrls.length).toBeGreaterThan(3);
    const itemLinks: string[] = [];
    for (const rssUrl of rssUrls) {
      const file = (name: string) => readFile(path.join(site.outDir, rssUrl.slice(SITE_URL.length).replace(/feed\.xml$/, name)), 'utf8');
      for (const item of parseRssFeed(await file('feed.xml')).items ?? []) itemLinks.push(item.link!, item.guid!.value!);
      for (const entry of parseAtomFeed(await file('atom.xml')).entries ?? []) itemLinks.push(...(entry.links ?? []).flatMap((l) => (l.href ? [l.href] : [])));
      for (const item of parseJsonFeed(JSON.parse(await file('feed.json'))).items ?? []) itemLinks.push(item.url!);
    }
    // Every link in the digest as a subscriber gets it: the preview goes to the sender's address, made a
    // subscriber here so its personal links (preferences, unsubscribe) name someone.
    await site.store.add({ email: 'digest@news.example.com', name: undefined, categories: [], timezone: 'UTC', status: 'active' }, new Date());
    const preview = await site.core.previewInMemory();
    expect(preview?.digest.postCount).toBeGreaterThan(0);
    const digestLinks = linksIn(preview!.html);
    expect(digestLinks.length).toBeGreaterThan(3);
    for (const href of [...itemLinks, ...digestLinks]) {
      const next = localPath(href, SITE_URL);
      if (next !== undefined) await visit(next);
    }

    const failing = [...seen].filter(([, status]) => status !== 200);
    expect(failing).toEqual([]);
    // Not vacuous: the crawl reached every list page and category page, and every post's page.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['/', '/page/2/', '/categories/science/', '/categories/science/page/2/', '/categories/finance/', '/feeds.opml']),
    );
    const posts = [...seen.keys()].filter((p) => /^\/posts\/[^/]+\/$/.test(p));
    expect(posts.sort()).toEqual((await readdir(path.join(site.outDir, 'posts'))).map((slug) => `/posts/${slug}/`).sort());
    expect(posts.length).toBeGreaterThan(3);
  });
});
