// Rebuilds through core.build() on a temp copy of content/: nothing changed → nothing written; one post
// changed → only the feeds it appears in are rendered again; a damaged state or output → a correct full build.
import { statSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createSiteBuilder } from '../../src/core/build.js';
import type { BuildOptions, BuildReport } from '../../src/core/types.js';
import { BUILD_CACHE_FILE } from '../../src/output/build-cache.js';
import { SAMPLE_CONTENT, tempSite, type TempSite } from '../helpers/site.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const SITE = { title: 'The Rebuild Times', url: 'https://news.example.com/', timezone: 'UTC' };

/** Category "Culture": this post and the Athens museums one. */
const ZINES_FILE = '2026-09-03-why-photocopied-zines-refuse-to-die.md';
const ZINES_TITLE = 'Why photocopied zines refuse to die';
const FEED_FILE = /(^|\/)(feed\.xml|atom\.xml|feed\.json)$/;

interface Site extends TempSite {
  build(options?: BuildOptions, at?: Date, site?: Partial<typeof SITE>): Promise<BuildReport>;
}

/** A copy of content/ for one test, built with its folders given relative to the site (the defaults). */
async function makeSite(): Promise<Site> {
  const site = await tempSite('rebuild', { copy: SAMPLE_CONTENT });
  return {
    ...site,
    build: (options = {}, at = NOW, overrides = {}) => {
      const config = parseConfig({ site: { ...SITE, ...overrides }, paths: { content: 'content', out: 'public', data: 'data' } });
      return createSiteBuilder(config, { now: () => at, cwd: site.root }).build(options);
    },
  };
}

/** Every file under `dir`, `/`-separated, with its modification time. */
async function mtimes(dir: string): Promise<Map<string, number>> {
  const names = (await readdir(dir, { recursive: true })).map((n) => n.split(path.sep).join('/'));
  const result = new Map<string, number>();
  // The compressed copies beside each file follow it; checked in build.test.ts.
  for (const name of names.sort().filter((n) => !/\.(gz|br)$/.test(n))) {
    const stat = statSync(path.join(dir, name));
    if (stat.isFile()) result.set(name, stat.mtimeMs);
  }
  return result;
}

/** The build cache file: the one file under data/cache once a build has closed it. */
async function cacheFile(site: Site): Promise<string> {
  expect(await readdir(path.join(site.data, 'cache'))).toEqual([BUILD_CACHE_FILE]);
  return path.join(site.data, 'cache', BUILD_CACHE_FILE);
}

function changed(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([name, mtime]) => before.get(name) !== mtime).map(([name]) => name);
}

/** What a build reports about the content, minus what it did on disk. */
function outcome(report: BuildReport) {
  return {
    files: report.files,
    published: report.published,
    channels: report.channels,
    skipped: report.skipped,
    errors: report.errors.map((e) => e.describe()),
    warnings: report.warnings.map((e) => e.describe()),
    digest: report.digest,
  };
}

async function editTitle(site: Site, file: string, from: string, to: string): Promise<void> {
  const absolute = path.join(site.content, file);
  const source = await readFile(absolute, 'utf8');
  expect(source).toContain(`title: ${from}\n`);
  await writeFile(absolute, source.replace(`title: ${from}\n`, `title: ${to}\n`));
}

describe('core.build: a rebuild with nothing changed', () => {
  it('writes nothing, reports every output unchanged, and leaves every output mtime alone', async () => {
    const site = await makeSite();
    const first = await site.build();
    expect(first.errors).toEqual([]);
    expect(first.aborted).toBe(false);
    expect(first.written).toContain('feed.xml');
    const before = await mtimes(site.out);
    await sleep(20);

    const second = await site.build();
    expect(second.written).toEqual([]);
    expect([...second.unchanged].sort()).toEqual([...first.written, ...first.unchanged].sort());
    expect([...second.unchanged].sort()).toEqual([...before.keys()]);
    expect(outcome(second)).toEqual(outcome(first));
    expect(await mtimes(site.out)).toEqual(before);
  });

  it('takes the fast path: the build cache (posts, entries, state, index) is only read, not written', async () => {
    const site = await makeSite();
    await site.build();
    const file = await cacheFile(site);
    const before = await readFile(file);
    const { mtimeMs } = statSync(file);
    await sleep(20);
    expect((await site.build()).mode).toBe('up-to-date');
    expect(await cacheFile(site)).toBe(file);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    expect(await readFile(file)).toEqual(before);
  });

  it('writes nothing when a post file is only touched (same bytes, new mtime)', async () => {
    const site = await makeSite();
    await site.build();
    const before = await mtimes(site.out);
    await sleep(20);
    await writeFile(path.join(site.content, ZINES_FILE), await readFile(path.join(site.content, ZINES_FILE)));
    const report = await site.build();
    expect(report.written).toEqual([]);
    expect(await mtimes(site.out)).toEqual(before);
  });
});

describe('core.build: one post changed', () => {
  it('rewrites the site feeds and that post’s category feeds only, with the new title', async () => {
    const site = await makeSite();
    const first = await site.build();
    const categoryFeeds = first.written.filter((p) => p.startsWith('categories/') && FEED_FILE.test(p));
    expect(categoryFeeds).toContain('categories/culture/feed.xml');
    expect(categoryFeeds.length).toBeGreaterThan(6);
    const before = await mtimes(site.out);
    await sleep(20);

    await editTitle(site, ZINES_FILE, ZINES_TITLE, 'Zines, still alive and stapled');
    const report = await site.build();
    expect(report.written.filter((p) => FEED_FILE.test(p)).sort()).toEqual([
      'atom.xml',
      'categories/culture/atom.xml',
      'categories/culture/feed.json',
      'categories/culture/feed.xml',
      'feed.json',
      'feed.xml',
    ]);
    const touched = changed(before, await mtimes(site.out));
    expect(touched.sort()).toEqual([...report.written].sort());
    for (const feed of categoryFeeds.filter((p) => !p.startsWith('categories/culture/'))) {
      expect(touched, feed).not.toContain(feed);
    }
    const feed = await readFile(path.join(site.out, 'feed.xml'), 'utf8');
    expect(feed).toContain('Zines, still alive and stapled');
    expect(feed).not.toContain(ZINES_TITLE);
    expect(await readFile(path.join(site.out, 'categories/culture/feed.xml'), 'utf8')).toContain('Zines, still alive and stapled');
    expect(outcome(report).published).toBe(first.published);

    await sleep(20);
    const after = await mtimes(site.out);
    expect((await site.build()).written).toEqual([]);
    expect(await mtimes(site.out)).toEqual(after);
  });

  it('drops a deleted post from the feeds it was in', async () => {
    const site = await makeSite();
    const first = await site.build();
    await rm(path.join(site.content, ZINES_FILE));
    const report = await site.build();
    expect(report.files).toBe(first.files - 1);
    expect(report.published).toBe(first.published - 1);
    expect(report.written).toEqual(expect.arrayContaining(['feed.xml', 'categories/culture/feed.xml']));
    expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).not.toContain(ZINES_TITLE);
    expect(await readFile(path.join(site.out, 'categories/culture/feed.xml'), 'utf8')).not.toContain(ZINES_TITLE);
  });
});

describe('core.build: a category that lost its last post', () => {
  it('removes the feeds an earlier build wrote for it, and nothing else', async () => {
    const site = await makeSite();
    await site.build();
    // Both Culture posts go: the category has no post left.
    for (const file of await readdir(site.content)) {
      const text = await readFile(path.join(site.content, file), 'utf8');
      if (/^category:\s*culture\s*$/im.test(text)) await rm(path.join(site.content, file));
    }
    const report = await site.build();
    expect(report.removed).toEqual(
      expect.arrayContaining(['categories/culture/feed.xml', 'categories/culture/atom.xml', 'categories/culture/feed.json', 'categories/culture/feed.html']),
    );
    await expect(readFile(path.join(site.out, 'categories/culture/feed.xml'))).rejects.toThrow();
    expect(statSync(path.join(site.out, 'categories/science/feed.xml')).isFile()).toBe(true);
  });
});

describe('core.build: outputs and state it cannot vouch for', () => {
  it('writes feed.xml again when it was deleted from the output folder, and only it among the feeds', async () => {
    const site = await makeSite();
    await site.build();
    const original = await readFile(path.join(site.out, 'feed.xml'), 'utf8');
    await rm(path.join(site.out, 'feed.xml'));
    const before = await mtimes(site.out);
    await sleep(20);

    const report = await site.build();
    expect(report.written).toEqual(['feed.xml']);
    expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).toBe(original);
    expect(changed(before, await mtimes(site.out))).toEqual(['feed.xml']);
  });

  it('writes feed.xml again when it was edited by hand in the output folder', async () => {
    const site = await makeSite();
    await site.build();
    const original = await readFile(path.join(site.out, 'feed.xml'), 'utf8');
    await writeFile(path.join(site.out, 'feed.xml'), original.replace(SITE.title, 'Hijacked'));
    const report = await site.build();
    expect(report.written).toEqual(['feed.xml']);
    expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).toBe(original);
  });

  // What the cache file holds is covered in test/output/build-cache.test.ts; here, that a build over it is right.
  const damaged: Array<[string, (file: string) => Promise<void>]> = [
    ['garbage bytes', (file) => writeFile(file, '\u0000\u00ff{{not a database')],
    ['its first half only', async (file) => writeFile(file, (await readFile(file)).subarray(0, Math.floor(statSync(file).size / 2)))],
    [
      'pages overwritten in the middle',
      async (file) => {
        const bytes = await readFile(file);
        for (let at = 4096; at < bytes.length; at += 4096) bytes.fill(0x5a, at + 100, at + 600);
        await writeFile(file, bytes);
      },
    ],
    [
      'a newer schema version',
      async (file) => {
        const db = new Database(file);
        db.pragma('user_version = 99');
        db.close();
      },
    ],
    [
      'another program’s database',
      async (file) => {
        await rm(file);
        const db = new Database(file);
        db.exec("CREATE TABLE builds (site TEXT, key TEXT); INSERT INTO builds VALUES ('x', 'y')");
        db.pragma('user_version = 2');
        db.close();
      },
    ],
  ];

  for (const [name, damage] of damaged) {
    it(`makes a correct full build when the build cache holds ${name}`, async () => {
      const site = await makeSite();
      const first = await site.build();
      const file = await cacheFile(site);
      const outputs = new Map<string, string>();
      for (const name of (await mtimes(site.out)).keys()) outputs.set(name, await readFile(path.join(site.out, name), 'utf8'));
      await damage(file);

      const report = await site.build();
      expect(report.aborted).toBe(false);
      expect(report.mode).toBe('full');
      expect(outcome(report)).toEqual(outcome(first));
      expect([...report.written, ...report.unchanged].sort()).toEqual([...outputs.keys()]);
      for (const [name, body] of outputs) expect(await readFile(path.join(site.out, name), 'utf8'), name).toBe(body);
      // A fresh cache was written: the next build is the fast one again.
      const before = await mtimes(site.out);
      await sleep(20);
      const next = await site.build();
      expect(next.mode).toBe('up-to-date');
      expect(next.written).toEqual([]);
      expect(await mtimes(site.out)).toEqual(before);
    });
  }
});

describe('core.build: time and configuration', () => {
  it('leaves out a post dated after now, and publishes it once now passes its date though no file changed', async () => {
    const site = await makeSite();
    const title = 'Harbour lights switched on at one o’clock';
    await site.writePost({
      file: '2026-11-29-harbour-lights.md',
      title,
      date: '2026-11-29T13:00:00Z',
      category: 'Science',
      body: 'The harbour lights come on at one, as the council promised last week in its notice.',
    });
    const early = await site.build({}, NOW);
    expect(early.skipped.future).toBe(1);
    expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).not.toContain('Harbour lights');

    // Still before its date, in the same digest window: the fast path.
    const before = await mtimes(site.out);
    await sleep(20);
    const stillEarly = await site.build({}, new Date('2026-11-29T12:59:59Z'));
    expect(stillEarly.written).toEqual([]);
    expect(stillEarly.skipped.future).toBe(1);
    expect(await mtimes(site.out)).toEqual(before);

    const later = await site.build({}, new Date('2026-11-29T13:00:01Z'));
    expect(later.skipped.future).toBe(0);
    expect(later.published).toBe(early.published + 1);
    expect(later.written).toEqual(expect.arrayContaining(['feed.xml', 'categories/science/feed.xml', 'digest.json']));
    expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).toContain('Harbour lights');
    expect(later.digest.postCount).toBe(early.digest.postCount + 1);

    await sleep(20);
    const after = await mtimes(site.out);
    expect((await site.build({}, new Date('2026-11-29T14:00:00Z'))).written).toEqual([]);
    expect(await mtimes(site.out)).toEqual(after);
  });

  it('rebuilds everything with the new title when site.title changes', async () => {
    const site = await makeSite();
    const first = await site.build();
    const feeds = [...first.written, ...first.unchanged].filter((p) => FEED_FILE.test(p));
    const report = await site.build({}, NOW, { title: 'The Renamed Gazette' });
    expect(report.written.filter((p) => FEED_FILE.test(p)).sort()).toEqual(feeds.sort());
    const feed = await readFile(path.join(site.out, 'feed.xml'), 'utf8');
    expect(feed).toContain('The Renamed Gazette');
    expect(feed).not.toContain(SITE.title);
    expect(await readFile(path.join(site.out, 'categories/culture/feed.xml'), 'utf8')).toContain('The Renamed Gazette: Culture');
  });
});

describe('core.build --strict after an earlier build', () => {
  async function breakZines(site: Site): Promise<void> {
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace("date: '2026-09-03'", 'date: soon'));
  }

  for (const earlier of [{}, { strict: true }] as BuildOptions[]) {
    it(`aborts with nothing written when a post became invalid (earlier build: ${JSON.stringify(earlier)})`, async () => {
      const site = await makeSite();
      const first = await site.build(earlier);
      expect(first.aborted).toBe(false);
      await breakZines(site);
      const before = await mtimes(site.out);
      await sleep(20);

      for (let run = 0; run < 2; run++) {
        const report = await site.build({ strict: true });
        expect(report.aborted).toBe(true);
        expect(report.written).toEqual([]);
        expect(report.errors.map((e) => [e.file, e.field])).toEqual([[path.join('content', ZINES_FILE), 'date']]);
        expect(await mtimes(site.out)).toEqual(before);
      }
      expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).toContain(ZINES_TITLE);

      const lenient = await site.build();
      expect(lenient.aborted).toBe(false);
      expect(lenient.errors).toHaveLength(1);
      expect(await readFile(path.join(site.out, 'feed.xml'), 'utf8')).not.toContain(ZINES_TITLE);
    });
  }
});
