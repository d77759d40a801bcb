// Issue 16, done when: the seed post's feed content is exactly its four article paragraphs, with Lucas
// Ropek as its writer, 14:11 PST as its time and the credit on its cover; and the same for the repo's own
// sample in the seed's style. A real build (the CLI entry, in process) on a temp site, its feeds read with
// a feed-reader library, its post page and its digest preview read as a reader gets them.
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import * as cheerio from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { SAMPLE_CONTENT, sharedTempSite, type TempSite } from '../helpers/site.js';

const SEED = '/work/shared/seed/000_3f00ea5a46aaec6b.txt';
const SITE_URL = 'https://news.example.com/';
const NOW = new Date('2026-11-29T12:00:00Z');
const SEED_URL = `${SITE_URL}posts/finance/000-3f00ea5a46aaec6b/`;

const run = (site: TempSite, ...args: string[]) => runMain(args, { cwd: site.root, now: NOW });

/** The paragraphs of an HTML body, as text. */
const paragraphsOf = (html: string) => {
  const $ = cheerio.load(html);
  return $('p')
    .toArray()
    .map((p) => $(p).text().trim());
};

let site: TempSite;
let built: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  site = await sharedTempSite('clean-bodies', {
    copy: SAMPLE_CONTENT,
    config: { site: { title: 'Clean Desk', url: SITE_URL, timezone: 'Europe/Paris' }, feeds: { postPath: '/posts/:category/:slug/' } },
  });
  await copyFile(SEED, path.join(site.content, '000_3f00ea5a46aaec6b.md'));
  built = await run(site, 'build');
  return () => site.remove();
}, 60_000);

describe('the seed post, built', () => {
  it('builds without a warning about it', () => {
    expect(built.code).toBe(0);
    expect(built.stderr).not.toContain('000_3f00ea5a46aaec6b');
  });

  it('carries exactly its four article paragraphs in every feed format', async () => {
    const rss = parseRssFeed(await readFile(path.join(site.out, 'feed.xml'), 'utf8'));
    const atom = parseAtomFeed(await readFile(path.join(site.out, 'atom.xml'), 'utf8'));
    const json = parseJsonFeed(await readFile(path.join(site.out, 'feed.json'), 'utf8'));
    const bodies = [
      rss.items?.find((i) => i.link === SEED_URL)?.content?.encoded,
      atom.entries?.find((e) => e.id === SEED_URL)?.content,
      json.items!.find((i) => i.id === SEED_URL)?.content_html,
    ].map((body) => (typeof body === 'string' ? body : (body?.value ?? '')));
    for (const html of bodies) {
      const paragraphs = paragraphsOf(html);
      expect(paragraphs).toHaveLength(4);
      expect(paragraphs[0]).toMatch(/^OpenAI, a company already valued at \$500 billion, has made it known/);
      expect(paragraphs[1]).toMatch(/^Not much is known about the potential deal/);
      expect(paragraphs[2]).toMatch(/^In its pursuit of additional funding/);
      expect(paragraphs[3]).toMatch(/designed to exclusively run Anthropic models\.$/);
      for (const furniture of ['In Brief', 'Posted:', 'Image Credits', 'Lucas Ropek', 'Topics', 'San Francisco, CA', 'Tickets'])
        expect(html).not.toContain(furniture);
    }
  });

  it('names Lucas Ropek as its writer and AIVibe as its curator, in every format', async () => {
    const rss = parseRssFeed(await readFile(path.join(site.out, 'feed.xml'), 'utf8'));
    const item = rss.items?.find((i) => i.link === SEED_URL);
    expect(item?.dc?.creators).toEqual(['Lucas Ropek']);
    expect(item?.dc?.contributors).toEqual(['AIVibe']);
    const atom = parseAtomFeed(await readFile(path.join(site.out, 'atom.xml'), 'utf8'));
    const entry = atom.entries?.find((e) => e.id === SEED_URL);
    expect(entry?.authors).toEqual([{ name: 'Lucas Ropek' }]);
    expect(entry?.contributors).toEqual([{ name: 'AIVibe' }]);
    const json = parseJsonFeed(await readFile(path.join(site.out, 'feed.json'), 'utf8'));
    expect(json.items!.find((i) => i.id === SEED_URL)?.authors).toEqual([{ name: 'Lucas Ropek' }, { name: 'AIVibe' }]);
  });

  it('is dated 14:11 PST on its day (the front matter gave the day only)', async () => {
    const at = new Date('2026-01-29T14:11:00-08:00').getTime();
    const rss = parseRssFeed(await readFile(path.join(site.out, 'feed.xml'), 'utf8'));
    expect(new Date(rss.items!.find((i) => i.link === SEED_URL)!.pubDate!).getTime()).toBe(at);
    const atom = parseAtomFeed(await readFile(path.join(site.out, 'atom.xml'), 'utf8'));
    expect(new Date(atom.entries!.find((e) => e.id === SEED_URL)!.published!).getTime()).toBe(at);
    const json = parseJsonFeed(await readFile(path.join(site.out, 'feed.json'), 'utf8'));
    expect(new Date(json.items!.find((i) => i.id === SEED_URL)!.date_published!).getTime()).toBe(at);
  });

  it('credits its cover image in the feeds that have a place for it', async () => {
    const credit = 'Michael Nagle/Bloomberg / Getty Images';
    const rss = parseRssFeed(await readFile(path.join(site.out, 'feed.xml'), 'utf8'));
    expect(rss.items?.find((i) => i.link === SEED_URL)?.media?.credits).toEqual([{ value: credit }]);
    const atom = parseAtomFeed(await readFile(path.join(site.out, 'atom.xml'), 'utf8'));
    expect(atom.entries?.find((e) => e.id === SEED_URL)?.media?.credits).toEqual([{ value: credit }]);
    const json = JSON.parse(await readFile(path.join(site.out, 'feed.json'), 'utf8')) as {
      items: Array<{ id: string; _broadsheet: { image_credit?: string } }>;
    };
    expect(json.items!.find((i) => i.id === SEED_URL)?._broadsheet.image_credit).toBe(credit);
  });

  it('shows the writer, the time as the source wrote it, and the credit under the cover on its page', async () => {
    const $ = cheerio.load(await readFile(path.join(site.out, 'posts', 'finance', '000-3f00ea5a46aaec6b', 'index.html'), 'utf8'));
    const meta = $('.post-meta');
    expect(meta.text()).toMatch(/^By Lucas Ropek · /);
    expect(meta.find('time').first().text()).toBe('January 29, 2026 at 2:11 PM PST');
    expect(meta.find('time').first().attr('datetime')).toBe('2026-01-29T22:11:00.000Z');
    expect($('figure.cover-figure figcaption').text()).toBe('Image: Michael Nagle/Bloomberg / Getty Images');
    expect($('.source').text()).toBe('Originally published at techcrunch.com, shared here by AIVibe.');
    expect(paragraphsOf($('.post-body').html() ?? '')).toHaveLength(4);
    const ld = JSON.parse($('script[type="application/ld+json"]').text()) as { author: { name: string }; image: unknown[] };
    expect(ld.author.name).toBe('Lucas Ropek');
    expect(ld.image).toEqual([expect.objectContaining({ '@type': 'ImageObject', creditText: 'Michael Nagle/Bloomberg / Getty Images' })]);
  });

  it('gives its digest card "Lucas Ropek · techcrunch.com" and an excerpt from the article', async () => {
    const out = path.join(site.root, 'preview');
    const r = await run(site, 'digest', '--since', '2026-01-26', '--until', '2026-02-01', '--out', out);
    expect(r.code).toBe(0);
    const text = await readFile(path.join(out, 'digest.txt'), 'utf8');
    expect(text).toContain('Amazon is reportedly in talks to invest $50B in OpenAI\nLucas Ropek · techcrunch.com · ');
    expect(text).toContain('OpenAI, a company already valued at $500 billion');
    expect(text).not.toContain('In Brief');
    const html = await readFile(path.join(out, 'digest.html'), 'utf8');
    const $ = cheerio.load(html);
    const muted = $('.muted')
      .toArray()
      .map((m) => $(m).text().trim());
    expect(muted).toContainEqual(expect.stringMatching(/^Lucas Ropek · techcrunch\.com · /));
  });
});

describe("the repo's sample post in the seed's style", () => {
  const SAMPLE_URL = `${SITE_URL}posts/finance/regional-lenders-pause-bnpl-partnerships/`;

  it('is cut to its article, by Dana Whitcombe for NewsBot, at 7:42 AM EST', async () => {
    const json = JSON.parse(await readFile(path.join(site.out, 'feed.json'), 'utf8')) as {
      items: Array<{ id: string; content_html: string; authors: unknown; date_published: string; summary: string }>;
    };
    const item = json.items!.find((i) => i.id === SAMPLE_URL)!;
    expect(item.authors).toEqual([{ name: 'Dana Whitcombe' }, { name: 'NewsBot' }]);
    expect(new Date(item.date_published).toISOString()).toBe('2026-11-23T12:42:00.000Z');
    expect(item.summary).toMatch(/^Three regional banks have quietly paused/);
    expect(item.content_html).not.toMatch(/In Brief|Posted:|Image Credits|Topics/);
  });
});
