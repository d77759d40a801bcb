// Each patch of feed-patches.ts, twice: plain `feed` still gets it wrong (when that test fails after an
// upgrade, the patch may go), and our renderer gets it right. Then the upstream behaviour we rely on.
import { Feed, type FeedOptions, type Item } from 'feed';
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFeed, FEED_PATCHES, FEED_RELIANCES, MEDIA_RSS_NAMESPACE, type FeedPatch, type FeedReliance } from '../../src/feeds/feed-patches.js';
import type { FeedChannel, FeedEntry } from '../../src/feeds/model.js';
import { renderAtom } from '../../src/feeds/render-atom.js';
import { renderJson } from '../../src/feeds/render-json.js';
import { renderRss } from '../../src/feeds/render-rss.js';
import { validateAtom } from '../helpers/validate-atom.js';

const DAY = new Date('2026-11-20T08:00:00Z');
const UNSPLASH = 'https://images.unsplash.com/photo-1559526324-4b87b5e36e44?w=400&auto=format';

/** Plain `feed`, without any of our patches. */
function plainFeed(options: Partial<FeedOptions> = {}, items: Array<Partial<Item>> = [{}]): Feed {
  const feed = new Feed({ title: 'Plain', id: 'https://e.example/atom.xml', link: 'https://e.example/', updated: DAY, ...options });
  for (const item of items) feed.addItem({ title: 'Post', link: 'https://e.example/p/', date: DAY, ...item });
  return feed;
}

const entry = (o: Partial<FeedEntry> = {}): FeedEntry => ({
  url: 'https://news.example.com/posts/hello/',
  link: 'https://news.example.com/posts/hello/',
  title: 'Hello',
  published: DAY,
  updated: DAY,
  author: 'Ada Lovelace',
  curator: undefined,
  categories: [{ term: 'news', label: 'News' }],
  summary: 'A short excerpt.',
  html: '<p>Hello, readers.</p>',
  image: undefined,
  imageCredit: undefined,
  source: undefined,
  wordCount: 2,
  readingMinutes: 1,
  ...o,
});

const channel = (o: Partial<FeedChannel> = {}): FeedChannel => ({
  dir: '',
  kind: 'site',
  title: 'Broadsheet',
  description: 'Posts and weekly digests',
  homeUrl: 'https://news.example.com/',
  urls: { rss: 'https://news.example.com/feed.xml', atom: 'https://news.example.com/atom.xml', json: 'https://news.example.com/feed.json' },
  language: 'en',
  copyright: undefined,
  image: undefined,
  author: { name: 'The Desk' },
  hub: undefined,
  stylesheet: 'https://news.example.com/feed.xsl',
  updated: DAY,
  entries: [entry()],
  ...o,
});

const jsonOf = (text: string) => JSON.parse(text) as Record<string, unknown> & { items: Array<Record<string, unknown>> };

afterEach(() => {
  vi.useRealTimers();
});

const upstream: Record<FeedPatch, () => void | Promise<void>> = {
  'updated-defaults-to-now': () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2031-01-01T00:00:00Z') });
    const feed = plainFeed({ updated: undefined });
    expect(feed.rss2()).toContain('<lastBuildDate>Wed, 01 Jan 2031 00:00:00 GMT</lastBuildDate>');
    expect(feed.atom1()).toContain('<updated>2031-01-01T00:00:00.000Z</updated>');
  },
  'xml-text-ampersands-decoded': () => {
    const feed = plainFeed({ title: 'Tom &amp; Jerry' }, [{ author: [{ name: 'Q&amp;A' }] }]);
    expect(parseRssFeed(feed.rss2()).title).toBe('Tom & Jerry');
    const atom = parseAtomFeed(feed.atom1());
    expect(atom.title?.value).toBe('Tom & Jerry');
    expect(atom.entries?.[0]?.authors).toEqual([{ name: 'Q&A' }]);
  },
  'cdata-end-split-once': () => {
    const rss = plainFeed({}, [{ title: 'a ]]> b ]]> c' }]).rss2();
    // The second "]]>" ends the section early: the document is broken from there.
    expect(rss).toContain('<title><![CDATA[a ]]]]><![CDATA[> b ]]> c]]></title>');
  },
  'rss-author-not-an-email': () => {
    expect(plainFeed({}, [{ author: [{ name: 'Ada Lovelace' }] }]).rss2()).toContain('<author>Ada Lovelace</author>');
  },
  'rss-namespaces-need-content': () => {
    const extensions = [{ name: 'dc:creator', objects: { _text: 'Ada' } }];
    for (const rss of [plainFeed({}, [{ extensions }]).rss2(), plainFeed({}, [{ content: '', extensions }]).rss2()]) {
      expect(rss).toContain('<dc:creator>Ada</dc:creator>');
      expect(rss).not.toContain('xmlns:dc');
    }
  },
  'rss-media-namespace-missing': () => {
    const rss = plainFeed({}, [{ content: '<p>x</p>', extensions: [{ name: 'media:credit', objects: { _text: 'Photo Desk' } }] }]).rss2();
    expect(rss).toContain('<media:credit>Photo Desk</media:credit>');
    expect(rss).not.toContain('xmlns:media');
  },
  'rss-enclosure-type-guessed': () => {
    const rss = plainFeed({}, [{ image: 'https://e.example/cover.jpg' }, { image: UNSPLASH }]).rss2();
    expect(rss).toContain('type="image/jpg"');
    expect(rss).toContain('type="image//photo-1559526324-4b87b5e36e44"');
  },
  'atom-text-typed-html': () => {
    const atom = plainFeed({}, [{ title: 'a <b> c', description: 'x < y' }]).atom1();
    expect(atom).toContain('<title type="html"><![CDATA[a <b> c]]></title>');
    expect(atom).toContain('<summary type="html"><![CDATA[x < y]]></summary>');
  },
  'atom-language-dropped': () => {
    const atom = plainFeed({ language: 'fr' }).atom1();
    expect(atom).not.toContain('xml:lang');
    expect(parseAtomFeed(atom).xml?.lang).toBeUndefined();
  },
  'atom-links-incomplete': () => {
    const atom = plainFeed({ feedLinks: { atom: 'https://e.example/atom.xml' } }).atom1();
    expect(atom).toContain('<link rel="alternate" href="https://e.example/"/>');
    expect(atom).toContain('<link rel="self" href="https://e.example/atom.xml"/>');
    expect(parseAtomFeed(atom).entries?.[0]?.links).toEqual([{ href: 'https://e.example/p/' }]);
  },
  'atom-enclosure-type-guessed': () => {
    const atom = plainFeed({}, [{ image: { url: 'https://e.example/cover.jpg', type: 'image/jpeg' } }]).atom1();
    expect(atom).toContain('<link rel="enclosure" href="https://e.example/cover.jpg" type="image/jpg"/>');
  },
  'atom-media-credit-missing': () => {
    // Nothing in an item makes atom1() write a credit, or declare another namespace.
    const atom = plainFeed({}, [{ image: UNSPLASH, extensions: [{ name: 'media:credit', objects: { _text: 'Photo Desk' } }] }]).atom1();
    expect(atom).not.toContain('media:credit');
    expect(atom).not.toContain('xmlns:media');
  },
  'atom-attributes-unescaped': async () => {
    const atom = plainFeed({}, [{ category: [{ name: 'Q<A', term: 'qa' }] }]).atom1();
    expect(atom).toContain('<category label="Q<A" term="qa"/>');
    expect((await validateAtom(atom)).join('\n')).toMatch(/Unescaped '<' not allowed in attributes values/);
  },
  'json-feed-1.0': () => {
    const text = plainFeed({ language: 'de', hub: 'https://hub.example/', author: { name: 'The Desk' } }, [{ author: [{ name: 'Ada' }] }]).json1();
    const doc = jsonOf(text);
    expect(doc.version).toBe('https://jsonfeed.org/version/1');
    expect(doc.author).toEqual({ name: 'The Desk' });
    expect(doc.items[0]!.author).toEqual({ name: 'Ada' });
    for (const key of ['authors', 'language', 'hubs']) expect(doc).not.toHaveProperty(key);
    expect(text.startsWith('{\n    "version"')).toBe(true);
  },
  'json-item-id-optional': () => {
    expect(jsonOf(plainFeed().json1()).items[0]).not.toHaveProperty('id');
  },
  'json-empty-content': () => {
    const item = jsonOf(plainFeed({}, [{ content: '', description: 'The excerpt.' }]).json1()).items[0]!;
    expect(item.content_html).toBe('');
    expect(item).not.toHaveProperty('summary');
  },
  'json-external-url-missing': () => {
    const given = { external_url: 'https://source.example/a' } as Partial<Item>;
    expect(jsonOf(plainFeed({}, [given]).json1()).items[0]).not.toHaveProperty('external_url');
    // What the patch uses instead: an extension is written under its name as it is.
    const extended = plainFeed({}, [{ extensions: [{ name: 'external_url', objects: 'https://source.example/a' as unknown as Record<string, unknown> }] }]);
    expect(jsonOf(extended.json1()).items[0]!.external_url).toBe('https://source.example/a');
  },
};

const patched: Record<FeedPatch, () => void | Promise<void>> = {
  'updated-defaults-to-now': () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2031-01-01T00:00:00Z') });
    expect(renderRss(channel())).toContain('<lastBuildDate>Fri, 20 Nov 2026 08:00:00 GMT</lastBuildDate>');
    expect(parseAtomFeed(renderAtom(channel())).updated).toBe(DAY.toISOString());
    for (const text of [renderRss(channel()), renderAtom(channel()), renderJson(channel())]) expect(text).not.toContain('2031');
    // @ts-expect-error: `updated` is required, so leaving it out does not compile.
    createFeed({ title: 'No date' });
  },
  'xml-text-ampersands-decoded': () => {
    const c = channel({
      title: 'Tom &amp; Jerry',
      copyright: '&copy; us',
      entries: [entry({ author: 'Q&amp;A', categories: [{ term: 'qa', label: 'Q&amp;A' }] })],
    });
    const rss = parseRssFeed(renderRss(c));
    expect(rss.title).toBe('Tom &amp; Jerry');
    expect(rss.copyright).toBe('&copy; us');
    expect(rss.items?.[0]?.dc?.creators).toEqual(['Q&amp;A']);
    expect(rss.items?.[0]?.categories).toEqual([{ name: 'Q&amp;A' }]);
    const atom = parseAtomFeed(renderAtom(c));
    expect(atom.title?.value).toBe('Tom &amp; Jerry');
    expect(atom.entries?.[0]?.authors).toEqual([{ name: 'Q&amp;A' }]);
  },
  'cdata-end-split-once': () => {
    const title = 'a ]]> b ]]> c ]]>';
    expect(parseRssFeed(renderRss(channel({ entries: [entry({ title })] }))).items?.[0]?.title).toBe(title);
  },
  'rss-author-not-an-email': () => {
    const rss = renderRss(channel());
    expect(rss).not.toMatch(/<author[\s>]/);
    expect(parseRssFeed(rss).items?.[0]?.dc?.creators).toEqual(['Ada Lovelace']);
  },
  'rss-namespaces-need-content': () => {
    const rss = renderRss(channel({ entries: [entry({ html: '' })] }));
    expect(rss).toContain('xmlns:dc="http://purl.org/dc/elements/1.1/"');
    expect(parseRssFeed(rss).items?.[0]?.content?.encoded).toBe('<p>A short excerpt.</p>');
  },
  'rss-media-namespace-missing': () => {
    const credited = entry({ image: { url: UNSPLASH, type: 'image/jpeg' }, imageCredit: 'Photo Desk / Wire & Co' });
    const rss = renderRss(channel({ entries: [credited, entry({ url: 'https://news.example.com/posts/b/', link: 'https://news.example.com/posts/b/' })] }));
    expect(rss).toContain(`xmlns:media="${MEDIA_RSS_NAMESPACE}"`);
    const items = parseRssFeed(rss).items!;
    expect(items[0]?.media?.credits).toEqual([{ value: 'Photo Desk / Wire & Co' }]);
    expect(items[1]?.media).toBeUndefined();
    // No credit anywhere: no namespace declared for nothing.
    expect(renderRss(channel())).not.toContain('xmlns:media');
  },
  'rss-enclosure-type-guessed': () => {
    const rss = renderRss(channel({ entries: [entry({ image: { url: UNSPLASH, type: 'image/jpeg' } })] }));
    expect(parseRssFeed(rss).items?.[0]?.enclosures).toEqual([{ url: UNSPLASH, type: 'image/jpeg', length: 0 }]);
  },
  'atom-text-typed-html': () => {
    const atom = renderAtom(channel({ entries: [entry({ title: 'a <b> c', summary: 'x < y' })] }));
    expect(atom).toContain('<title type="html"><![CDATA[a &lt;b&gt; c]]></title>');
    expect(atom).toContain('<summary type="html"><![CDATA[x &lt; y]]></summary>');
  },
  'atom-language-dropped': () => {
    expect(parseAtomFeed(renderAtom(channel({ language: 'fr' }))).xml?.lang).toBe('fr');
  },
  'atom-links-incomplete': () => {
    const atom = parseAtomFeed(renderAtom(channel({ entries: [entry({ source: 'https://source.example/a?x=1&y=2' })] })));
    expect(atom.links).toEqual([
      { href: 'https://news.example.com/', rel: 'alternate', type: 'text/html' },
      { href: 'https://news.example.com/atom.xml', rel: 'self', type: 'application/atom+xml' },
    ]);
    expect(atom.entries?.[0]?.links).toEqual([
      { href: 'https://news.example.com/posts/hello/', rel: 'alternate', type: 'text/html' },
      { href: 'https://source.example/a?x=1&y=2', rel: 'related', type: 'text/html' },
    ]);
  },
  'atom-enclosure-type-guessed': () => {
    const atom = parseAtomFeed(renderAtom(channel({ entries: [entry({ image: { url: UNSPLASH, type: 'image/jpeg' } })] })));
    expect(atom.entries?.[0]?.links).toContainEqual({ href: UNSPLASH, rel: 'enclosure', type: 'image/jpeg', length: 0 });
  },
  'atom-media-credit-missing': async () => {
    const credited = entry({ image: { url: UNSPLASH, type: 'image/jpeg' }, imageCredit: 'Photo Desk / Wire & Co' });
    const atom = renderAtom(channel({ entries: [credited, entry({ url: 'https://news.example.com/posts/b/', link: 'https://news.example.com/posts/b/' })] }));
    expect(await validateAtom(atom)).toEqual([]);
    expect(atom).toContain(`xmlns:media="${MEDIA_RSS_NAMESPACE}"`);
    const entries = parseAtomFeed(atom).entries!;
    expect(entries[0]?.media?.credits).toEqual([{ value: 'Photo Desk / Wire & Co' }]);
    expect(entries[1]?.media).toBeUndefined();
    expect(renderAtom(channel())).not.toContain('xmlns:media');
  },
  'atom-attributes-unescaped': async () => {
    const label = `Q<A & "B"`;
    const atom = renderAtom(channel({ entries: [entry({ categories: [{ term: 'qa', label }] })] }));
    expect(await validateAtom(atom)).toEqual([]);
    expect(parseAtomFeed(atom).entries?.[0]?.categories).toEqual([{ term: 'qa', label }]);
  },
  'json-feed-1.0': () => {
    const text = renderJson(channel({ language: 'de', hub: 'https://hub.example/' }));
    const doc = jsonOf(text);
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.authors).toEqual([{ name: 'The Desk' }]);
    expect(doc.items[0]!.authors).toEqual([{ name: 'Ada Lovelace' }]);
    // A curator besides the writer: the second author (json1() writes one only).
    const curated = jsonOf(renderJson(channel({ entries: [entry({ curator: 'AIVibe' })] })));
    expect(curated.items[0]!.authors).toEqual([{ name: 'Ada Lovelace' }, { name: 'AIVibe' }]);
    expect(doc.language).toBe('de');
    expect(doc.hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example/' }]);
    expect(doc).not.toHaveProperty('author');
    expect(doc.items[0]).not.toHaveProperty('author');
    expect(text.startsWith('{\n  "version"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  },
  'json-item-id-optional': () => {
    const item = jsonOf(renderJson(channel())).items[0]!;
    expect(item.id).toBe('https://news.example.com/posts/hello/');
    expect(Object.keys(item)[0]).toBe('id');
    expect(parseJsonFeed(jsonOf(renderJson(channel()))).items?.[0]?.id).toBe('https://news.example.com/posts/hello/');
  },
  'json-empty-content': () => {
    const item = jsonOf(renderJson(channel({ entries: [entry({ html: '' })] }))).items[0]!;
    expect(item.content_html).toBe('<p></p>');
    expect(item.summary).toBe('A short excerpt.');
  },
  'json-external-url-missing': () => {
    const item = jsonOf(renderJson(channel({ entries: [entry({ source: 'https://source.example/a' })] }))).items[0]!;
    expect(item.external_url).toBe('https://source.example/a');
  },
};

const relied: Record<FeedReliance, () => void> = {
  'rss-guid-is-the-link': () => {
    expect(plainFeed().rss2()).toContain('<guid isPermaLink="true">https://e.example/p/</guid>');
    expect(parseRssFeed(renderRss(channel())).items?.[0]?.guid).toEqual({ value: 'https://news.example.com/posts/hello/', isPermaLink: true });
  },
  'entry-urls-normalised': () => {
    const atom = plainFeed({ id: 'HTTPS://E.example/a b' }, [{ id: 'HTTPS://E.example/a b/', link: 'HTTPS://E.example/a b/' }]).atom1();
    expect(atom).toContain('<id>HTTPS://E.example/a b</id>');
    expect(atom).toContain('<id>https://e.example/a%20b/</id>');
    expect(() => plainFeed({}, [{ id: 'not a URL' }]).atom1()).toThrow(TypeError);
  },
};

describe.each(FEED_PATCHES)('feed patch %s', (name) => {
  it('is still needed: plain feed@6 does it', upstream[name]);
  it('is applied by our renderers', patched[name]);
});

describe.each(FEED_RELIANCES)('feed behaviour relied on: %s', (name) => {
  it('still holds', relied[name]);
});
