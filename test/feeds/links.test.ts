// Where feed items and digest cards link (feeds.links), and fragment links inside bodies (issue 15 §1, §3).
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Post } from '../../src/content/schema.js';
import { buildDigest } from '../../src/digest/build.js';
import { buildFeeds, type OutputFile } from '../../src/feeds/build.js';

const DAY = new Date('2026-11-20T08:00:00Z');
const post = (o: Partial<Post> = {}): Post => ({
  file: `${o.slug ?? 'hello'}.md`,
  slug: 'hello',
  title: 'Hello',
  date: DAY,
  updated: undefined,
  excerpt: 'A short excerpt.',
  coverImage: undefined,
  author: 'Ada',
  writer: undefined,
  imageCredit: undefined,
  dateZone: undefined,
  tags: [],
  category: { name: 'News', slug: 'news' },
  source: undefined,
  draft: false,
  body: 'Hello, [to the top](#top).',
  wordCount: 3,
  readingMinutes: 1,
  ...o,
});
const config = (links?: 'page' | 'source') => parseConfig({ site: { url: 'https://news.example.com/' }, feeds: links ? { links } : {} });
const file = (files: readonly OutputFile[], path: string) => files.find((f) => f.path === path)!.body;
const PAGE = 'https://news.example.com/posts/hello/';
const SOURCE = 'https://elsewhere.example.org/2026/hello';

describe('feeds.links', () => {
  it('"page" (the default): every format links to the post page, which is also the id', () => {
    const files = buildFeeds([post({ source: SOURCE })], config());
    const rss = parseRssFeed(file(files, 'feed.xml')).items![0]!;
    expect(rss.link).toBe(PAGE);
    expect(rss.guid).toMatchObject({ value: PAGE, isPermaLink: true });
    const atom = parseAtomFeed(file(files, 'atom.xml')).entries![0]!;
    expect(atom.id).toBe(PAGE);
    expect(atom.links?.find((l) => l.rel === 'alternate')?.href).toBe(PAGE);
    const json = parseJsonFeed(file(files, 'feed.json')).items![0]!;
    expect([json.id, json.url]).toEqual([PAGE, PAGE]);
  });

  it('"source": items of posts with a source link to it, their id stays the page; posts without one link to their page', () => {
    const files = buildFeeds([post({ source: SOURCE }), post({ slug: 'own', file: 'own.md', date: new Date('2026-11-19T08:00:00Z') })], config('source'));
    const rss = parseRssFeed(file(files, 'feed.xml')).items!;
    expect(rss[0]!.link).toBe(SOURCE);
    expect(rss[0]!.guid?.value).toBe(PAGE);
    expect(rss[1]!.link).toBe('https://news.example.com/posts/own/');
    expect(rss[1]!.guid).toMatchObject({ value: 'https://news.example.com/posts/own/', isPermaLink: true });
    const atom = parseAtomFeed(file(files, 'atom.xml')).entries![0]!;
    expect(atom.id).toBe(PAGE);
    expect(atom.links?.find((l) => l.rel === 'alternate')?.href).toBe(SOURCE);
    const json = parseJsonFeed(file(files, 'feed.json')).items![0]!;
    expect([json.id, json.url]).toEqual([PAGE, SOURCE]);
  });

  it('"source": digest cards link to the original article too', () => {
    const window = { since: new Date('2026-11-16T00:00:00Z'), until: new Date('2026-11-23T00:00:00Z') };
    const cards = (links?: 'page' | 'source') => buildDigest([post({ source: SOURCE })], window, config(links)).sections[0]!.posts[0]!.url;
    expect(cards()).toBe(PAGE);
    expect(cards('source')).toBe(SOURCE);
  });
});

describe('fragment links in bodies', () => {
  it('resolve against the post page in every format (content:encoded, Atom content, content_html)', () => {
    const files = buildFeeds([post()], config());
    const absolute = `href="${PAGE}#top"`;
    expect(parseRssFeed(file(files, 'feed.xml')).items![0]!.content?.encoded).toContain(absolute);
    expect(JSON.stringify(parseAtomFeed(file(files, 'atom.xml')).entries![0]!.content)).toContain(`${PAGE}#top`);
    expect(parseJsonFeed(file(files, 'feed.json')).items![0]!.content_html).toContain(absolute);
    for (const f of files) expect(f.body).not.toMatch(/href=(&quot;|\\?")#/);
  });
});
