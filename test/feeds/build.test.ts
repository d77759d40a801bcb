// Feed channels and files from posts: paths, limits, dates, determinism, and each format's contract.
import { parseAtomFeed, parseJsonFeed, parseOpml, parseRssFeed } from 'feedsmith';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Post } from '../../src/content/schema.js';
import { toSlug } from '../../src/content/slug.js';
import { buildChannels, buildFeedFiles, buildFeeds, type FeedSettings, type OutputFile } from '../../src/feeds/build.js';
import { post as basePost } from '../helpers/posts.js';
import { validateAtom } from '../helpers/validate-atom.js';

// The build must never read the clock: "now" is frozen far from every post date, so a leak shows.
const FROZEN_NOW = new Date('2031-01-01T00:00:00Z');
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: FROZEN_NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

const at = (day: string, time = '08:00:00') => new Date(`2026-11-${day}T${time}Z`);
const category = (name: string) => ({ name, slug: toSlug(name) });

const post = (o: Partial<Post> = {}): Post =>
  basePost({
    slug: 'hello',
    title: 'Hello',
    date: at('20'),
    excerpt: 'A short excerpt.',
    author: 'Ada Lovelace',
    category: category('News'),
    body: 'Hello, readers.',
    wordCount: 2,
    ...o,
  });

const settings = (o: { site?: Record<string, unknown>; feeds?: Record<string, unknown> } = {}): FeedSettings =>
  parseConfig({
    site: {
      title: 'Broadsheet',
      url: 'https://news.example.com/',
      description: 'Posts and weekly digests',
      author: { name: 'The Desk' },
      ...o.site,
    },
    feeds: { ...o.feeds },
  });

const UNSPLASH = 'https://images.unsplash.com/photo-1559526324-4b87b5e36e44?w=400&h=200&fit=crop&auto=format';

/** Three posts in two categories, given oldest first on purpose: the build must sort. */
const threePosts = (): Post[] => [
  post({ slug: 'oldest', title: 'Oldest', date: at('20'), category: category('Finance'), tags: ['Markets'] }),
  post({ slug: 'middle', title: 'Middle', date: at('22'), category: category('Science'), tags: ['Space', 'markets'] }),
  post({ slug: 'newest', title: 'Newest', date: at('24'), category: category('Finance'), tags: ['Banks'] }),
];

const fileAt = (files: readonly OutputFile[], path: string): string => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no output file ${path}; files: ${files.map((f) => f.path).join(', ')}`);
  return file.body;
};

const decodeHtml = (html: string) =>
  html.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!;
  });

const RFC_822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;

describe('buildChannels / buildFeedFiles: which files', () => {
  it('writes the site feeds at the root and one folder per category, plus the OPML', () => {
    const paths = buildFeeds(threePosts(), settings()).map((f) => f.path);
    expect(paths).toEqual([
      'feed.xml',
      'atom.xml',
      'feed.json',
      'categories/finance/feed.xml',
      'categories/finance/atom.xml',
      'categories/finance/feed.json',
      'categories/science/feed.xml',
      'categories/science/atom.xml',
      'categories/science/feed.json',
      'feeds.opml',
    ]);
  });

  it('writes no tag feeds unless feeds.perTag is on', () => {
    expect(buildFeeds(threePosts(), settings()).some((f) => f.path.startsWith('tags/'))).toBe(false);
  });

  it('writes one folder per tag (case-insensitively merged) when feeds.perTag is on', () => {
    const channels = buildChannels(threePosts(), settings({ feeds: { perTag: true } }));
    expect(channels.map((c) => [c.kind, c.dir])).toEqual([
      ['site', ''],
      ['category', 'categories/finance'],
      ['category', 'categories/science'],
      ['tag', 'tags/banks'],
      ['tag', 'tags/markets'],
      ['tag', 'tags/space'],
    ]);
    const markets = channels.find((c) => c.dir === 'tags/markets')!;
    expect(markets.entries.map((e) => e.title)).toEqual(['Middle', 'Oldest']);
    expect(markets.urls.rss).toBe('https://news.example.com/tags/markets/feed.xml');
    const paths = buildFeedFiles(channels, settings({ feeds: { perTag: true } })).map((f) => f.path);
    expect(paths).toContain('tags/markets/atom.xml');
  });

  it('names category channels after the site and the category', () => {
    const finance = buildChannels(threePosts(), settings()).find((c) => c.dir === 'categories/finance')!;
    expect(finance.title).toBe('Broadsheet: Finance');
    expect(finance.urls).toEqual({
      rss: 'https://news.example.com/categories/finance/feed.xml',
      atom: 'https://news.example.com/categories/finance/atom.xml',
      json: 'https://news.example.com/categories/finance/feed.json',
    });
  });

  it('keeps a site that lives under a sub-path in every URL', () => {
    const [site] = buildChannels(threePosts(), settings({ site: { url: 'https://example.org/news' } }));
    expect(site!.urls.rss).toBe('https://example.org/news/feed.xml');
    expect(site!.entries[0]!.url).toBe('https://example.org/news/posts/newest/');
  });
});

describe('buildChannels: order, limit and dates', () => {
  it('lists entries newest first, whatever order the posts come in', () => {
    const channels = buildChannels(threePosts(), settings());
    expect(channels[0]!.entries.map((e) => e.title)).toEqual(['Newest', 'Middle', 'Oldest']);
    expect(channels.find((c) => c.dir === 'categories/finance')!.entries.map((e) => e.title)).toEqual(['Newest', 'Oldest']);
  });

  it('keeps only the newest feeds.limit entries in every channel', () => {
    const channels = buildChannels(threePosts(), settings({ feeds: { limit: 1 } }));
    expect(channels.map((c) => c.entries.map((e) => e.title))).toEqual([['Newest'], ['Newest'], ['Middle']]);
    const rss = parseRssFeed(fileAt(buildFeedFiles(channels, settings()), 'feed.xml'));
    expect(rss.items?.map((i) => i.title)).toEqual(['Newest']);
  });

  it('dates each channel by its newest post, never by the build time', () => {
    const files = buildFeeds(threePosts(), settings());
    expect(parseRssFeed(fileAt(files, 'feed.xml')).lastBuildDate).toBe(at('24').toUTCString());
    expect(parseAtomFeed(fileAt(files, 'atom.xml')).updated).toBe(at('24').toISOString());
    expect(parseRssFeed(fileAt(files, 'categories/science/feed.xml')).lastBuildDate).toBe(at('22').toUTCString());
    expect(parseAtomFeed(fileAt(files, 'categories/science/atom.xml')).updated).toBe(at('22').toISOString());
    for (const file of files) expect(file.body).not.toContain('2031');
  });

  it('dates a channel by a later `updated` of one of its posts', () => {
    const posts = [...threePosts(), post({ slug: 'edited', title: 'Edited', date: at('10'), updated: at('26', '12:30:00') })];
    const [site] = buildChannels(posts, settings());
    expect(site!.updated).toEqual(at('26', '12:30:00'));
    const atom = parseAtomFeed(fileAt(buildFeeds(posts, settings()), 'atom.xml'));
    const edited = atom.entries?.find((e) => e.title?.value === 'Edited');
    expect(edited?.updated).toBe(at('26', '12:30:00').toISOString());
    expect(edited?.published).toBe(at('10').toISOString());
  });

  it('gives identical bytes when built twice', () => {
    const first = buildFeeds(threePosts(), settings({ feeds: { perTag: true } }));
    vi.setSystemTime(new Date('2032-06-15T09:00:00Z'));
    const second = buildFeeds(threePosts(), settings({ feeds: { perTag: true } }));
    expect(second).toEqual(first);
  });
});

describe('RSS 2.0', () => {
  const posts = () => [
    post({ slug: 'photo', title: 'Photo', date: at('23'), coverImage: UNSPLASH, author: 'Jonas Ferreira', source: 'https://example.org/a?x=1&y=2' }),
    post({ slug: 'chart', title: 'Chart', date: at('22'), coverImage: 'images/chart.png' }),
    post({ slug: 'plain', title: 'Plain', date: at('21'), author: undefined, body: '' }),
  ];
  const rssXml = () => fileAt(buildFeeds(posts(), settings()), 'feed.xml');

  it('parses and links to itself with atom:link rel="self"', () => {
    const rss = parseRssFeed(rssXml());
    expect(rss.title).toBe('Broadsheet');
    expect(rss.link).toBe('https://news.example.com/');
    expect(rss.language).toBe('en');
    expect(rss.atom?.links).toContainEqual({ href: 'https://news.example.com/feed.xml', rel: 'self', type: 'application/rss+xml' });
  });

  it('writes RFC 822 dates', () => {
    const rss = parseRssFeed(rssXml());
    expect(rss.lastBuildDate).toMatch(RFC_822);
    for (const item of rss.items ?? []) expect(item.pubDate).toMatch(RFC_822);
    expect(rss.items?.[0]?.pubDate).toBe('Mon, 23 Nov 2026 08:00:00 GMT');
  });

  it('uses the post URL as a permalink guid', () => {
    const item = parseRssFeed(rssXml()).items?.[0];
    expect(item?.link).toBe('https://news.example.com/posts/photo/');
    expect(item?.guid).toEqual({ value: 'https://news.example.com/posts/photo/', isPermaLink: true });
  });

  it('names the author in dc:creator, with no <author> element (RSS wants an email there)', () => {
    const xml = rssXml();
    expect(xml).not.toMatch(/<author[\s>]/);
    const items = parseRssFeed(xml).items ?? [];
    expect(items.map((i) => i.dc?.creators)).toEqual([['Jonas Ferreira'], ['Ada Lovelace'], ['The Desk']]);
    expect(items.every((i) => i.authors === undefined)).toBe(true);
  });

  it('encloses the cover image with its real MIME type, absolute', () => {
    const items = parseRssFeed(rssXml()).items ?? [];
    expect(items[0]?.enclosures).toEqual([{ url: UNSPLASH, type: 'image/jpeg', length: 0 }]);
    expect(items[1]?.enclosures).toEqual([{ url: 'https://news.example.com/posts/chart/images/chart.png', type: 'image/png', length: 0 }]);
    expect(items[2]?.enclosures).toBeUndefined();
  });

  it('carries the HTML body in content:encoded, and never leaves it empty', () => {
    const items = parseRssFeed(rssXml()).items ?? [];
    expect(items[0]?.content?.encoded).toBe('<p>Hello, readers.</p>');
    expect(items[2]?.content?.encoded).toBe('<p>A short excerpt.</p>');
    expect(items[0]?.description).toBe('A short excerpt.');
  });

  it('lists the category, then the tags', () => {
    const xml = fileAt(buildFeeds([post({ category: category('Open Source'), tags: ['Rust', 'open source', 'CLI'] })], settings()), 'feed.xml');
    expect(parseRssFeed(xml).items?.[0]?.categories).toEqual([{ name: 'Open Source' }, { name: 'Rust' }, { name: 'CLI' }]);
  });

  it('advertises the WebSub hub when one is configured', () => {
    const xml = fileAt(buildFeeds(posts(), settings({ feeds: { hub: 'https://hub.example.com/' } })), 'feed.xml');
    expect(parseRssFeed(xml).atom?.links).toContainEqual({ href: 'https://hub.example.com/', rel: 'hub' });
  });
});

describe('Atom 1.0', () => {
  const posts = () => [
    post({
      slug: 'photo',
      title: 'Photo',
      date: at('23'),
      updated: at('24'),
      coverImage: UNSPLASH,
      source: 'https://example.org/a?x=1&y=2',
      category: category('Open Source'),
      tags: ['Rust', 'CLI'],
    }),
    post({ slug: 'chart', title: 'Chart', date: at('22'), coverImage: '/media/chart.png' }),
    post({ slug: 'bare', title: 'Bare', date: at('21'), excerpt: '', body: '', author: undefined }),
  ];

  it('validates against RFC 4287, with every optional part present', async () => {
    const config = settings({
      site: {
        author: { name: 'The Desk', email: 'desk@example.com', url: 'https://example.com/desk' },
        image: 'https://news.example.com/logo.png',
        copyright: '© 2026 Broadsheet & co',
        language: 'en-GB',
      },
      feeds: { hub: 'https://hub.example.com/', perTag: true },
    });
    const atomFiles = buildFeeds(posts(), config).filter((f) => f.path.endsWith('atom.xml'));
    expect(atomFiles.length).toBeGreaterThan(3);
    for (const file of atomFiles) expect({ path: file.path, errors: await validateAtom(file.body) }).toEqual({ path: file.path, errors: [] });
  });

  it('links each entry to its page, its source (rel="related") and its cover (rel="enclosure")', () => {
    const atom = parseAtomFeed(fileAt(buildFeeds(posts(), settings()), 'atom.xml'));
    expect(atom.entries?.[0]?.links).toEqual([
      { href: 'https://news.example.com/posts/photo/', rel: 'alternate', type: 'text/html' },
      { href: UNSPLASH, rel: 'enclosure', type: 'image/jpeg', length: 0 },
      { href: 'https://example.org/a?x=1&y=2', rel: 'related', type: 'text/html' },
    ]);
    expect(atom.entries?.[1]?.links).toContainEqual({
      href: 'https://news.example.com/media/chart.png',
      rel: 'enclosure',
      type: 'image/png',
      length: 0,
    });
  });

  it('gives categories a slug term and a readable label', () => {
    const atom = parseAtomFeed(fileAt(buildFeeds(posts(), settings()), 'atom.xml'));
    expect(atom.entries?.[0]?.categories).toEqual([
      { term: 'open-source', label: 'Open Source' },
      { term: 'rust', label: 'Rust' },
      { term: 'cli', label: 'CLI' },
    ]);
  });

  it('declares the language and links to itself', () => {
    const atom = parseAtomFeed(fileAt(buildFeeds(posts(), settings({ site: { language: 'fr' } })), 'atom.xml'));
    expect(atom.xml?.lang).toBe('fr');
    expect(atom.id).toBe('https://news.example.com/atom.xml');
    expect(atom.links).toContainEqual({ href: 'https://news.example.com/atom.xml', rel: 'self', type: 'application/atom+xml' });
    expect(atom.entries?.[0]?.id).toBe('https://news.example.com/posts/photo/');
    expect(atom.entries?.[0]?.authors).toEqual([{ name: 'Ada Lovelace' }]);
    expect(atom.entries?.[2]?.authors).toEqual([{ name: 'The Desk' }]);
  });
});

describe('JSON Feed 1.1', () => {
  const posts = () => [
    post({ slug: 'photo', title: 'Photo', date: at('23'), coverImage: UNSPLASH, source: 'https://example.org/a?x=1&y=2', tags: ['Rust'] }),
    post({ slug: 'bare', title: 'Bare', date: at('21'), body: '' }),
  ];

  it('is version 1.1, with authors and language rather than 1.0 fields', () => {
    const doc = JSON.parse(fileAt(buildFeeds(posts(), settings({ site: { language: 'de' } })), 'feed.json')) as Record<string, unknown>;
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.authors).toEqual([{ name: 'The Desk' }]);
    expect(doc.language).toBe('de');
    expect(doc).not.toHaveProperty('author');
    const feed = parseJsonFeed(doc);
    expect(feed.feed_url).toBe('https://news.example.com/feed.json');
    expect(feed.home_page_url).toBe('https://news.example.com/');
  });

  it('gives every item an id, its source as external_url and its cover as image', () => {
    const doc = JSON.parse(fileAt(buildFeeds(posts(), settings()), 'feed.json')) as { items: Array<Record<string, unknown>> };
    const [photo, bare] = parseJsonFeed(doc).items ?? [];
    expect(photo).toMatchObject({
      id: 'https://news.example.com/posts/photo/',
      url: 'https://news.example.com/posts/photo/',
      external_url: 'https://example.org/a?x=1&y=2',
      image: UNSPLASH,
      title: 'Photo',
      content_html: '<p>Hello, readers.</p>',
      summary: 'A short excerpt.',
      date_published: '2026-11-23T08:00:00.000Z',
      authors: [{ name: 'Ada Lovelace' }],
      tags: ['News', 'Rust'],
    });
    expect(doc.items[0]).not.toHaveProperty('author');
    expect(bare?.id).toBe('https://news.example.com/posts/bare/');
    expect(bare?.external_url).toBeUndefined();
    expect(bare?.image).toBeUndefined();
  });

  it('carries word count and reading time in a _broadsheet extension object', () => {
    const doc = JSON.parse(fileAt(buildFeeds([post({ wordCount: 690, readingMinutes: 3 })], settings()), 'feed.json')) as {
      items: Array<Record<string, unknown>>;
    };
    expect(doc.items[0]!._broadsheet).toEqual({ word_count: 690, reading_minutes: 3 });
  });

  it('lists the WebSub hub when one is configured', () => {
    const doc = JSON.parse(fileAt(buildFeeds(posts(), settings({ feeds: { hub: 'https://hub.example.com/' } })), 'feed.json')) as unknown;
    expect(parseJsonFeed(doc).hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example.com/' }]);
  });
});

describe('text that breaks naive feed writers', () => {
  const nasty = `Ampersands & <angle> "double" 'single' ]]> and ]]> again 📚 東京 العربية`;
  const files = () => buildFeeds([post({ title: nasty, excerpt: `An excerpt with <b>tags</b> & "quotes" ]]>`, author: `Tom & "Jerry" <tj>` })], settings());

  it('round-trips titles exactly in RSS, Atom and JSON Feed', () => {
    expect(parseRssFeed(fileAt(files(), 'feed.xml')).items?.[0]?.title).toBe(nasty);
    const atomTitle = parseAtomFeed(fileAt(files(), 'atom.xml')).entries?.[0]?.title;
    expect(atomTitle?.type === 'html' ? decodeHtml(atomTitle.value) : atomTitle?.value).toBe(nasty);
    expect(parseJsonFeed(JSON.parse(fileAt(files(), 'feed.json'))).items?.[0]?.title).toBe(nasty);
  });

  it('keeps a plain-text excerpt and author as text in every format', () => {
    const rss = parseRssFeed(fileAt(files(), 'feed.xml')).items?.[0];
    expect(decodeHtml(rss?.description ?? '')).toBe(`An excerpt with <b>tags</b> & "quotes" ]]>`);
    expect(rss?.dc?.creators).toEqual([`Tom & "Jerry" <tj>`]);
    const atom = parseAtomFeed(fileAt(files(), 'atom.xml')).entries?.[0];
    expect(decodeHtml(atom?.summary?.value ?? '')).toBe(`An excerpt with <b>tags</b> & "quotes" ]]>`);
    expect(atom?.authors).toEqual([{ name: `Tom & "Jerry" <tj>` }]);
  });

  it('keeps a literal "&amp;" in names and channel titles as written (xml-js would turn it into "&")', () => {
    const config = settings({ site: { title: 'Site &amp; co', copyright: '&copy; us' }, feeds: { perTag: true } });
    const built = buildFeeds([post({ author: 'Tom &amp; Jerry', category: category('Q&amp;A') })], config);
    const rss = parseRssFeed(fileAt(built, 'feed.xml'));
    expect(rss.title).toBe('Site &amp; co');
    expect(rss.copyright).toBe('&copy; us');
    expect(rss.items?.[0]?.dc?.creators).toEqual(['Tom &amp; Jerry']);
    expect(rss.items?.[0]?.categories).toEqual([{ name: 'Q&amp;A' }]);
    const atom = parseAtomFeed(fileAt(built, 'atom.xml'));
    expect(atom.title?.value).toBe('Site &amp; co');
    expect(atom.rights?.value).toBe('&copy; us');
    expect(atom.entries?.[0]?.authors).toEqual([{ name: 'Tom &amp; Jerry' }]);
    const categoryChannel = built.find((f) => f.path.startsWith('categories/') && f.path.endsWith('feed.xml'))!;
    expect(parseRssFeed(categoryChannel.body).title).toBe('Site &amp; co: Q&amp;A');
  });

  it('still produces a valid Atom document', async () => {
    expect(await validateAtom(fileAt(files(), 'atom.xml'))).toEqual([]);
  });
});

describe('OPML', () => {
  it('parses and lists every RSS feed: the site, then categories, then tags', () => {
    const config = settings({ feeds: { perTag: true } });
    const channels = buildChannels(threePosts(), config);
    const opml = parseOpml(fileAt(buildFeedFiles(channels, config), 'feeds.opml'));
    expect(opml.head?.title).toBe('Broadsheet feeds');
    expect(opml.head?.dateModified).toBe(at('24').toUTCString());
    const outlines = opml.body?.outlines ?? [];
    expect(outlines.map((o) => o.text)).toEqual(['Broadsheet', 'Categories', 'Tags']);
    const listed = outlines.flatMap((o) => [o, ...(o.outlines ?? [])]).flatMap((o) => (o.xmlUrl ? [o.xmlUrl] : []));
    expect(listed).toEqual(channels.map((c) => c.urls.rss));
    expect(outlines[1]?.outlines?.[0]).toMatchObject({ text: 'Broadsheet: Finance', type: 'rss', htmlUrl: 'https://news.example.com/' });
  });
});

describe('snapshots of one small site', () => {
  const files = () =>
    buildFeeds(
      [
        post({
          slug: 'comet',
          title: 'Comet Halden brightens ☄️',
          date: at('25', '08:30:00'),
          author: 'Jonas Ferreira',
          category: category('Science'),
          tags: ['astronomy'],
          coverImage: UNSPLASH,
          source: 'https://news.example.org/science/comet',
          excerpt: 'An outburst pushed it past magnitude 5.',
          body: 'Look **east** before dawn.\n\nSee the [observation guide](guides/comet/).',
        }),
        post({ slug: 'bonds', title: 'A quiet week for "municipal" bonds & notes', date: at('23'), category: category('Finance'), body: 'Nothing moved.' }),
      ],
      settings({ site: { copyright: '© 2026 Broadsheet' } }),
    );

  it('renders RSS', () => {
    expect(fileAt(files(), 'feed.xml')).toMatchSnapshot();
  });

  it('renders Atom', () => {
    expect(fileAt(files(), 'atom.xml')).toMatchSnapshot();
  });

  it('renders JSON Feed', () => {
    expect(fileAt(files(), 'feed.json')).toMatchSnapshot();
  });
});
