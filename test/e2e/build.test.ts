// `broadsheet build` end to end: the CLI entry in process on a temp copy of the adversarial fixture
// (plus a 2 MB post made at run time), then one spawned smoke test of the built CLI, dist/bin/broadsheet.js.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAtomFeed, parseJsonFeed, parseOpml, parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { postSource } from '../helpers/posts.js';
import { contentFixture, REPO, sharedTempSite, tempSite, type TempSite } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';
import { validateAtom } from '../helpers/validate-atom.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const SITE_URL = 'https://news.example.com/blog/';

const CONFIG = {
  site: { title: 'The <Adversarial> Times & Co', url: SITE_URL, author: { name: 'The Desk' } },
  feeds: { perTag: true },
};

const BIG_POST_FILE = '2026-10-01-two-megabyte-post.md';
const BIG_POST_BYTES = 2 * 1024 * 1024;

/** Every valid post's title, exactly as a reader must see it. */
const TITLES = [
  `Ampersands & <angle> brackets, "double" and 'single' quotes`,
  '東京に新しい図書館が開館 📚✨',
  'معرض الخط العربي يفتح أبوابه 🕌',
  'Saved on Windows: BOM & CRLF',
  'Weekly notes from desk A',
  'Weekly notes from desk B',
  'A title written over two lines',
  'A post with no body at all',
  'Credit cooperatives try weekend settlement',
  'Ending CDATA early ]]> once, and ]]> twice',
  'A two-megabyte post',
];
const DRAFT_TITLE = 'An unfinished draft';
const FUTURE_TITLE = 'A post from the future';

const FORBIDDEN = ['<script', 'onerror', 'onclick', 'javascript:', '<iframe', '<style'];

/** A fresh site: config, a copy of the fixture, and the 2 MB post; one test's, or (sharedTempSite) a describe's. */
async function makeSite(make = tempSite): Promise<TempSite> {
  const site = await make('e2e', { copy: contentFixture('adversarial'), config: CONFIG });
  await writeFile(path.join(site.content, BIG_POST_FILE), bigPost());
  return site;
}

function bigPost(): string {
  const paragraph = `${'Archive paragraph with plain words & an ampersand, long enough to make a very large post. '.repeat(8).trim()}\n\n`;
  const body = paragraph.repeat(Math.ceil(BIG_POST_BYTES / Buffer.byteLength(paragraph)));
  return postSource({ title: 'A two-megabyte post', date: '2026-10-01', category: 'Archive', tags: ['archive'], body });
}

const build = (site: TempSite, ...flags: string[]) => runMain(['build', '--content', site.content, '--out', site.out, ...flags], { cwd: site.root, now: NOW });

/** The output files, without the compressed copies kept beside them (checked on their own below). */
async function outputFiles(out: string): Promise<string[]> {
  const entries = await readdir(out, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !/\.(gz|br)$/.test(e.name))
    .map((e) => path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const read = (site: TempSite, rel: string) => readFile(path.join(site.out, rel), 'utf8');

const decodeHtml = (html: string) =>
  html.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!;
  });

/** JSON Feed items, parsed back with feedsmith. */
const jsonItems = async (site: TempSite, rel = 'feed.json') => parseJsonFeed(JSON.parse(await read(site, rel))).items ?? [];

/** An Atom text construct as a reader shows it: type="html" is decoded. */
const atomText = (text: { value: string; type?: string } | undefined) => (text?.type === 'html' ? decodeHtml(text.value) : text?.value);

const urlsIn = (html: string) => [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => decodeHtml(m[1]!));

describe('build of the adversarial content (default flags)', () => {
  let site: TempSite;
  let result: Awaited<ReturnType<typeof build>>;
  let files: string[];

  beforeAll(async () => {
    site = await makeSite(sharedTempSite);
    result = await build(site);
    files = await outputFiles(site.out);
  });
  afterAll(() => site?.remove());

  it('exits 0 and reports each invalid post on stderr by file and field', () => {
    expect(result.code).toBe(0);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toHaveLength(3);
    expect(errors).toContainEqual(expect.stringMatching(/invalid\/missing-title\.md: title: .*missing/));
    expect(errors).toContainEqual(expect.stringMatching(/invalid\/impossible-date\.md: date: .*"2026-13-45"/));
    expect(errors).toContainEqual(expect.stringMatching(/invalid\/not-a-cover-image\.md: coverImage: .*"not an image url"/));
    expect(result.stdout).toMatch(/Built 11 post\(s\) from 16 file\(s\).*3 invalid, 1 draft\(s\), 1 future/);
  });

  it('still publishes every valid post, each title exactly as written', async () => {
    const rss = parseRssFeed(await read(site, 'feed.xml'));
    expect(rss.items?.map((i) => i.title).sort()).toEqual([...TITLES].sort());
    expect((await jsonItems(site)).map((i) => i.title).sort()).toEqual([...TITLES].sort());
    const atom = parseAtomFeed(await read(site, 'atom.xml'));
    const atomTitles = atom.entries?.map((e) => atomText(e.title));
    expect(atomTitles?.sort()).toEqual([...TITLES].sort());
  });

  it('keeps the site and category titles exact too', async () => {
    expect(parseRssFeed(await read(site, 'feed.xml')).title).toBe(CONFIG.site.title);
    expect(atomText(parseAtomFeed(await read(site, 'atom.xml')).title)).toBe(CONFIG.site.title);
    expect(parseJsonFeed(JSON.parse(await read(site, 'feed.json'))).title).toBe(CONFIG.site.title);
    expect(parseRssFeed(await read(site, 'categories/culture/feed.xml')).title).toBe(`${CONFIG.site.title}: Culture`);
  });

  it('lists posts newest first and dates the feed by the newest post, not the clock', async () => {
    const rss = parseRssFeed(await read(site, 'feed.xml'));
    const dates = rss.items!.map((i) => Date.parse(i.pubDate!));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(rss.lastBuildDate).toBe('Sat, 28 Nov 2026 09:00:00 GMT');
  });

  it('writes the line-broken title as one line', async () => {
    const items = await jsonItems(site);
    expect(items.map((i) => i.title)).toContain('A title written over two lines');
    for (const item of items) expect(item.title).not.toMatch(/[\r\n]/);
  });

  it('writes a feed for every channel the OPML lists, and only those', async () => {
    const opml = parseOpml(await read(site, 'feeds.opml'));
    const rssUrls = (opml.body?.outlines ?? []).flatMap((o) => [o, ...(o.outlines ?? [])]).flatMap((o) => (o.xmlUrl ? [o.xmlUrl] : []));
    const expected = rssUrls.flatMap((url) => {
      const dir = url.slice(SITE_URL.length).replace(/feed\.xml$/, '');
      return [`${dir}atom.xml`, `${dir}feed.json`, `${dir}feed.xml`];
    });
    // Each channel also gets feed.html (the page browsers without XSLT are sent for its feeds).
    const pages = rssUrls.map((url) => `${url.slice(SITE_URL.length).replace(/feed\.xml$/, '')}feed.html`);
    // And each category a list page (categories/<slug>/index.html); the site its front page and 404.html.
    const listPages = rssUrls.filter((url) => url.includes('/categories/')).map((url) => `${url.slice(SITE_URL.length).replace(/feed\.xml$/, '')}index.html`);
    const frontPages = files.filter((f) => /^page\/\d+\/index\.html$/.test(f));
    // And each published post its page (issue 15), at the URL its feed items give.
    const postPages = (await jsonItems(site)).map((item) => `${decodeURIComponent(String(item.id).slice(SITE_URL.length))}index.html`);
    expect(files).toEqual(
      [...expected, ...pages, ...listPages, ...frontPages, ...postPages, '404.html', 'digest.json', 'feed.xsl', 'feeds.opml', 'index.html'].sort(),
    );
    const categories = files.filter((f) => f.startsWith('categories/') && f.endsWith('/feed.xml'));
    expect(categories).toEqual([
      'categories/archive/feed.xml',
      'categories/culture/feed.xml',
      'categories/engineering/feed.xml',
      'categories/finance/feed.xml',
      'categories/notes/feed.xml',
      'categories/security/feed.xml',
    ]);
  });

  it('keeps a gzip and a brotli copy beside every feed and feed page, each exactly the file compressed; the site pages are written plain', async () => {
    const { gunzipSync, brotliDecompressSync } = await import('node:zlib');
    const all = (await readdir(site.out, { recursive: true })).map((n) => n.split(path.sep).join('/'));
    // Front, list, category, post and 404 pages: the server compresses them per request.
    const sitePage = (f: string) => /(^|\/)index\.html$|^404\.html$/.test(f);
    const pages = files.filter(sitePage);
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) expect(all.filter((f) => f === `${page}.gz` || f === `${page}.br`)).toEqual([]);
    const feeds = files.filter((f) => /\.(xml|json|html|opml|xsl)$/.test(f) && !sitePage(f));
    expect(feeds).toEqual(expect.arrayContaining(['feed.xml', 'atom.xml', 'feed.json', 'feed.html', 'feeds.opml', 'feed.xsl', 'digest.json']));
    for (const file of feeds) {
      const bytes = await readFile(path.join(site.out, file));
      expect(all, file).toContain(`${file}.gz`);
      expect(gunzipSync(await readFile(path.join(site.out, `${file}.gz`))).equals(bytes), `${file}.gz`).toBe(true);
      expect(brotliDecompressSync(await readFile(path.join(site.out, `${file}.br`))).equals(bytes), `${file}.br`).toBe(true);
    }
  });

  it('merges a category written in two cases into one channel', async () => {
    const culture = parseRssFeed(await read(site, 'categories/culture/feed.xml'));
    expect(culture.items?.map((i) => i.title).sort()).toEqual(['東京に新しい図書館が開館 📚✨', 'معرض الخط العربي يفتح أبوابه 🕌'].sort());
    expect(culture.items?.map((i) => i.categories?.[0]?.name)).toEqual(['Culture', 'Culture']);
  });

  it('splits tags given as a comma string', async () => {
    const tokyo = (await jsonItems(site)).find((i) => i.title?.startsWith('東京'));
    expect(tokyo?.tags).toEqual(['Culture', 'books', '東京', 'Libraries']);
    expect(files).toContain('tags/libraries/feed.xml');
  });

  it('writes no script, event handler, javascript: URL, iframe or style anywhere in feeds and data', async () => {
    for (const file of files.filter((f) => !f.endsWith('.html') && !f.endsWith('.xsl'))) {
      const body = (await read(site, file)).toLowerCase();
      for (const needle of FORBIDDEN) expect({ file, found: body.includes(needle) ? needle : undefined }).toEqual({ file, found: undefined });
    }
  });

  it('lets nothing hostile from posts into the HTML pages (their own style and script aside)', async () => {
    for (const file of files.filter((f) => f.endsWith('.html'))) {
      const body = (await read(site, file)).toLowerCase();
      for (const needle of ['alert(1)', 'onerror', 'javascript:', '<iframe', '<script>alert']) {
        expect({ file, found: body.includes(needle) ? needle : undefined }).toEqual({ file, found: undefined });
      }
    }
  });

  it('makes every link and image in post bodies absolute', async () => {
    const rss = parseRssFeed(await read(site, 'feed.xml'));
    const atom = parseAtomFeed(await read(site, 'atom.xml'));
    const items = await jsonItems(site);
    const bodies = [
      ...(rss.items ?? []).map((i) => i.content?.encoded ?? ''),
      ...(atom.entries ?? []).map((e) => e.content?.value ?? ''),
      ...items.map((i) => i.content_html ?? ''),
    ];
    const urls = bodies.flatMap(urlsIn);
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) expect(url).toMatch(/^https?:\/\/[^/]/);

    const hostile = items.find((i) => i.title?.startsWith('Ampersands'))!;
    expect(urlsIn(hostile.content_html!)).toEqual([
      `${SITE_URL}posts/escapes-and-hostile-markup/x`,
      `${SITE_URL}posts/about/`,
      'https://news.example.com/',
      `${SITE_URL}posts/escapes-and-hostile-markup/other-post/`,
      `${SITE_URL}posts/escapes-and-hostile-markup/images/chart.png`,
      'https://news.example.com/media/photo.jpg',
    ]);
    expect(hostile.content_html).toContain('<a>harmless-looking link</a>');
    const windows = items.find((i) => i.title === 'Saved on Windows: BOM & CRLF')!;
    expect(urlsIn(windows.content_html!)).toEqual([`${SITE_URL}posts/bom-and-crlf/guides/crlf/`]);
  });

  it('renders scraped, tab-indented bodies as paragraphs, not code blocks', async () => {
    const scraped = (await jsonItems(site)).find((i) => i.title === 'Credit cooperatives try weekend settlement')!;
    expect(scraped.content_html).not.toMatch(/<pre|<code/);
    expect(scraped.content_html).toContain('<p>The pilot uses the same instant payment rails that banks adopted last year.</p>');
    expect(scraped.summary).toMatch(/^Credit cooperatives in three states will settle payments/);
  });

  it('gives cover images absolute URLs and real MIME types', async () => {
    const rss = parseRssFeed(await read(site, 'feed.xml'));
    const enclosure = (prefix: string) => rss.items?.find((i) => i.title?.startsWith(prefix))?.enclosures;
    expect(enclosure('東京')).toEqual([{ url: `${SITE_URL}posts/tokyo-library/images/cover.png`, type: 'image/png', length: 0 }]);
    expect(enclosure('Ampersands')?.[0]?.type).toBe('image/jpeg');
    expect(enclosure('Credit')?.[0]).toEqual({ url: 'https://cdn.example.com/images/weekend-settlement.png', type: 'image/png', length: 0 });
  });

  it('publishes both posts whose slugs collide, the later as "-2", and warns naming both files', async () => {
    const rss = parseRssFeed(await read(site, 'feed.xml'));
    const link = (title: string) => rss.items?.find((i) => i.title === title)?.link;
    expect(link('Weekly notes from desk A')).toBe(`${SITE_URL}posts/weekly-notes/`);
    expect(link('Weekly notes from desk B')).toBe(`${SITE_URL}posts/weekly-notes-2/`);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('desk-a/weekly-notes.md');
    expect(warnings[0]).toContain('desk-b/weekly-notes.md');
    expect(warnings[0]).toContain('weekly-notes-2');
  });

  it('leaves out the draft and the future post', async () => {
    const titles = parseRssFeed(await read(site, 'feed.xml')).items?.map((i) => i.title);
    expect(titles).not.toContain(DRAFT_TITLE);
    expect(titles).not.toContain(FUTURE_TITLE);
  });

  it('publishes the 2 MB post whole', async () => {
    const items = await jsonItems(site, 'categories/archive/feed.json');
    expect(items).toHaveLength(1);
    expect(items[0]?.content_html?.length).toBeGreaterThan(BIG_POST_BYTES);
  });

  it('writes only Atom documents that are valid RFC 4287', async () => {
    const atomFiles = files.filter((f) => f.endsWith('atom.xml'));
    expect(atomFiles.length).toBeGreaterThan(6);
    for (const file of atomFiles) expect({ file, errors: await validateAtom(await read(site, file)) }).toEqual({ file, errors: [] });
  });

  it('writes digest.json with sections ordered by post count, then name', async () => {
    const digest = JSON.parse(await read(site, 'digest.json')) as {
      id: string;
      sections: Array<{ name: string; postCount: number }>;
    };
    expect(digest.id).toBe('2026-11-23..2026-11-30');
    expect(digest.sections.map((s) => [s.name, s.postCount])).toEqual([
      ['Notes', 4],
      ['Culture', 2],
      ['Engineering', 1],
      ['Finance', 1],
      ['Security', 1],
    ]);
  });
});

describe('build flags', () => {
  it('keeps its cache under --data, and nothing under the default data/ folder', async () => {
    const site = await makeSite();
    const data = path.join(site.root, 'elsewhere');
    const { code } = await build(site, '--data', data);
    expect(code).toBe(0);
    // One file, the build cache (its write-ahead log is folded back in when the build closes it).
    expect(await readdir(path.join(data, 'cache'))).toEqual(['build.db']);
    await expect(readdir(path.join(site.root, 'data'))).rejects.toThrow();
  });

  it('includes the draft with --drafts (and still not the future post)', async () => {
    const site = await makeSite();
    const { code } = await build(site, '--drafts');
    expect(code).toBe(0);
    const titles = parseRssFeed(await read(site, 'feed.xml')).items?.map((i) => i.title);
    expect(titles).toContain(DRAFT_TITLE);
    expect(titles).not.toContain(FUTURE_TITLE);
  });

  it('includes the future post with --future (and still not the draft)', async () => {
    const site = await makeSite();
    const { code } = await build(site, '--future');
    expect(code).toBe(0);
    const titles = parseRssFeed(await read(site, 'feed.xml')).items?.map((i) => i.title);
    expect(titles).toContain(FUTURE_TITLE);
    expect(titles).not.toContain(DRAFT_TITLE);
  });

  it('--strict exits 1 and writes nothing', async () => {
    const site = await makeSite();
    const { code, stdout, stderr } = await build(site, '--strict');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('invalid/missing-title.md: title:');
    expect(stderr).toMatch(/--strict: 4 problem\(s\) reported, nothing was written\./);
    expect(existsSync(site.out)).toBe(false);
  });

  it('a second build rewrites nothing: same bytes, same files, same mtimes', async () => {
    const site = await makeSite();
    expect((await build(site)).code).toBe(0);
    const snapshot = async () =>
      Promise.all(
        (await outputFiles(site.out)).map(async (file) => {
          const info = await stat(path.join(site.out, file));
          return { file, ino: info.ino, mtimeMs: info.mtimeMs, body: await read(site, file) };
        }),
      );
    const before = await snapshot();
    const second = await build(site);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/\(0 written, \d+ unchanged\)/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('dist/bin/broadsheet.js (spawned)', () => {
  const dist = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BROADSHEET_')));
  const node = (...args: string[]) => spawnSync(process.execPath, [dist, ...args], { cwd: REPO, env, encoding: 'utf8' });

  it('builds the sample content with nothing on stderr', async () => {
    expect(existsSync(dist), 'run `npm run build` first').toBe(true);
    const out = await tempDir('smoke');
    const run = node('build', '--content', path.join(REPO, 'content'), '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['feed.xml', 'atom.xml', 'feed.json', 'feeds.opml', 'digest.json']));
  });

  it('exits 2 naming an unknown option', () => {
    const run = node('build', '--nope');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--nope');
  });
});
