// The build cache, one SQLite file: what it keeps and gives back, that a file it cannot use (garbage,
// cut short, damaged pages, another program's database, a newer schema) is set aside and rebuilt rather
// than trusted or fatal, and that two processes using it at once neither wait on each other's reads nor
// see half of each other's writes. Real files and real processes throughout.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CacheEntry } from '../../src/content/cache-entry.js';
import { BUILD_CACHE_FILE, openBuildCache, type BuildCache } from '../../src/output/build-cache.js';
import type { BuildIndex } from '../../src/output/build-index.js';
import type { BuildState } from '../../src/output/build-state.js';
import type { FeedEntry } from '../../src/feeds/model.js';
import { REPO, SAMPLE_CONTENT, tempSite } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');

/** A cache folder, and a way to open the build cache there (closed when the test finishes) with what it logs. */
async function cacheFolder() {
  const dir = path.join(await tempDir('build-cache'), 'cache');
  const logged: string[] = [];
  return {
    dir,
    file: path.join(dir, BUILD_CACHE_FILE),
    logged,
    open() {
      const cache = openBuildCache(dir, (m) => logged.push(m));
      onTestFinished(() => cache.close());
      return cache;
    },
  };
}

const entry = (title: string, hash = `hash-of-${title}`): CacheEntry => ({
  size: title.length,
  mtimeMs: 1_764_000_000_000.123,
  hash,
  head: {
    slug: title.toLowerCase(),
    title,
    date: '2026-11-20T08:00:00.000Z',
    updated: null,
    excerpt: `The excerpt of ${title}.`,
    frontMatterExcerpt: null,
    coverImage: null,
    author: null,
    writer: null,
    imageCredit: null,
    dateZone: null,
    article: null,
    tags: ['a', 'b'],
    category: { name: 'News', slug: 'news' },
    source: null,
    draft: false,
  },
});

const state = (key: string): BuildState<{ posts: number }> => ({
  key,
  nextChangeAt: null,
  outputs: [{ path: 'feed.xml', size: 10, mtimeMs: 1.5 }],
  channelPrints: { '': 'print' },
  summary: { posts: 3 },
});

const index = (inputsKey: string): BuildIndex => ({
  inputsKey,
  published: 2,
  files: [
    ['a.md', 1, 2, 'a', 'News'],
    ['b.md', 3, 4, null, null],
  ],
  skipped: ['x.md\ta dangling link'],
  pinned: ['a.md'],
  cutoffs: { '': null, 'categories/news': [5, 'a', 'a.md'] },
  spellings: { news: { News: 1 } },
});

const feedEntry = (title: string): FeedEntry => ({
  url: `https://x.example.com/${title}/`,
  link: `https://x.example.com/${title}/`,
  title,
  published: new Date('2026-11-20T08:00:00Z'),
  updated: new Date('2026-11-21T08:00:00Z'),
  author: 'A',
  curator: undefined,
  categories: [{ term: 'news', label: 'News' }],
  summary: 'S',
  html: '<p>H</p>',
  image: undefined,
  imageCredit: undefined,
  source: undefined,
  wordCount: 2,
  readingMinutes: 1,
});

/** A valid cache file holding one post, one build and one entry. */
async function filledCache() {
  const folder = await cacheFolder();
  const cache = folder.open();
  cache.postCache('content', 'UTC').save([['a.md', entry('A')]], []);
  cache.saveBuild('site', { state: state('k1'), index: index('i1'), entries: { used: new Set(['e1']), rendered: new Map([['e1', feedEntry('one')]]) } });
  cache.close();
  return folder;
}

/** True when `cache` holds nothing, and takes and gives back a build: a fresh, working cache. */
function expectFreshAndWorking(cache: BuildCache, file: string): void {
  expect(cache.readState('site')).toBeUndefined();
  expect(cache.postCache('content', 'UTC').entries()).toEqual(new Map());
  cache.saveBuild('site', { state: state('k2') });
  expect(cache.readState('site')?.key).toBe('k2');
  const db = new Database(file, { readonly: true });
  // Every migration ran: the post pages table is the second, heads with excerpts the third, heads with what the cleanup found the fourth.
  expect(db.pragma('user_version', { simple: true })).toBe(4);
  db.close();
}

describe('the build cache keeps', () => {
  it('post entries by content folder: all of them, or the ones asked for; replaced and forgotten by save', async () => {
    const cache = (await cacheFolder()).open();
    const posts = cache.postCache('content', 'UTC');
    expect(posts.entries()).toEqual(new Map());
    posts.save(
      [
        ['a.md', entry('A')],
        ['b.md', entry('B')],
        ['c.md', { size: 1, mtimeMs: 2, hash: 'h', errors: [{ message: 'is missing', field: 'title' }] }],
      ],
      [],
    );
    expect(posts.entries()).toEqual(
      new Map([
        ['a.md', entry('A')],
        ['b.md', entry('B')],
        ['c.md', { size: 1, mtimeMs: 2, hash: 'h', errors: [{ message: 'is missing', field: 'title' }] }],
      ]),
    );
    expect(posts.entries(['b.md', 'gone.md'])).toEqual(new Map([['b.md', entry('B')]]));
    posts.save([['b.md', entry('B2')]], ['a.md']);
    expect([...posts.entries().keys()].sort()).toEqual(['b.md', 'c.md']);
    expect(posts.entries().get('b.md')).toEqual(entry('B2'));
    // Another content folder in the same file is another cache.
    expect(cache.postCache('other', 'UTC').entries()).toEqual(new Map());
  });

  // Each migration that changed what a head holds forgets the heads kept before it: they are read again.
  it.each([
    [3, 'their excerpt'],
    [4, 'what the cleanup of scraped bodies found'],
  ])('no post head kept before migration %i (heads carrying %s): read again, the build state kept', async (migration) => {
    const folder = await cacheFolder();
    const cache = folder.open();
    cache.postCache('content', 'UTC').save([['a.md', entry('A')]], []);
    cache.saveBuild('site', { state: state('k1') });
    cache.close();
    // The file as the schema before that migration left it.
    const db = new Database(folder.file);
    db.pragma(`user_version = ${migration - 1}`);
    db.close();
    const again = folder.open();
    expect(again.postCache('content', 'UTC').entries()).toEqual(new Map());
    expect(again.readState('site')?.key).toBe('k1');
    expect(folder.logged).toEqual([]);
  });

  it("keeps a valid post's warnings with its head, and gives them back apart", async () => {
    const cache = (await cacheFolder()).open();
    const warned: CacheEntry = {
      ...entry('W'),
      warnings: [{ field: 'body', message: 'kept as it is: no start', hint: 'explain it', file: undefined }],
    };
    cache.postCache('content', 'UTC').save(
      [
        ['w.md', warned],
        ['a.md', entry('A')],
      ],
      [],
    );
    const got = cache.postCache('content', 'UTC').entries();
    expect(got.get('w.md')).toEqual(JSON.parse(JSON.stringify(warned)));
    expect(got.get('w.md')!.head).not.toHaveProperty('warnings');
    expect(got.get('a.md')).toEqual(entry('A'));
    expect(got.get('a.md')).not.toHaveProperty('warnings');
  });

  it('no post entry read in another timezone: they count for nothing, and the first save replaces them all', async () => {
    const cache = (await cacheFolder()).open();
    cache.postCache('content', 'UTC').save(
      [
        ['a.md', entry('A')],
        ['b.md', entry('B')],
      ],
      [],
    );
    const paris = cache.postCache('content', 'Europe/Paris');
    expect(paris.entries()).toEqual(new Map());
    paris.save([['a.md', entry('A in Paris')]], []);
    expect(paris.entries()).toEqual(new Map([['a.md', entry('A in Paris')]]));
    expect(cache.postCache('content', 'UTC').entries()).toEqual(new Map());
  });

  it("each site's state, index and feed entries, apart from other sites'; the state and index read together", async () => {
    const cache = (await cacheFolder()).open();
    cache.saveBuild('one', {
      state: state('k1'),
      index: index('i1'),
      entries: {
        used: new Set(['e1', 'e2']),
        rendered: new Map([
          ['e1', feedEntry('one')],
          ['e2', feedEntry('two')],
        ]),
      },
    });
    cache.saveBuild('two', { state: state('k9'), entries: { used: new Set(['e1']), rendered: new Map([['e1', feedEntry('other')]]) } });
    expect(cache.readState('one')).toEqual(state('k1'));
    expect(cache.readLastBuild('one')).toEqual({ state: state('k1'), index: index('i1') });
    expect(cache.readLastBuild('two')).toEqual({ state: state('k9'), index: undefined });
    expect(cache.readEntries('one', ['e1', 'e2', 'e3'])).toEqual(
      new Map([
        ['e1', feedEntry('one')],
        ['e2', feedEntry('two')],
      ]),
    );
    expect(cache.readEntries('two', ['e1'])).toEqual(new Map([['e1', feedEntry('other')]]));
    // A later build without an index keeps the full build's index; the entries it did not use go.
    cache.saveBuild('one', { state: state('k2'), entries: { used: new Set(['e2', 'e3']), rendered: new Map([['e3', feedEntry('three')]]) } });
    expect(cache.readLastBuild('one')).toEqual({ state: state('k2'), index: index('i1') });
    expect(cache.readEntries('one', ['e1', 'e2', 'e3'])).toEqual(
      new Map([
        ['e2', feedEntry('two')],
        ['e3', feedEntry('three')],
      ]),
    );
    expect(cache.readEntries('two', ['e1']).size).toBe(1);
  });

  it('everything across processes: what one process saved, the next one opens', async () => {
    const folder = await filledCache();
    const cache = folder.open();
    expect(cache.readLastBuild('site')).toEqual({ state: state('k1'), index: index('i1') });
    expect(cache.postCache('content', 'UTC').entries()).toEqual(new Map([['a.md', entry('A')]]));
    expect(folder.logged).toEqual([]);
  });
});

describe('a cache file it cannot use is set aside and rebuilt, never trusted and never fatal', () => {
  const damages: Array<[string, (file: string) => Promise<void>]> = [
    ['garbage bytes', (file) => writeFile(file, Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x80, 0x0a]))],
    ['a text file', (file) => writeFile(file, '{"format":3,"entries":{}}\n')],
    ['its first half only', async (file) => writeFile(file, (await readFile(file)).subarray(0, 2048))],
    [
      'pages overwritten in the middle',
      async (file) => {
        const bytes = await readFile(file);
        for (let at = 4096; at < bytes.length; at += 4096) bytes.fill(0x5a, at, at + 512);
        await writeFile(file, bytes);
      },
    ],
    [
      'another program’s database (its own tables)',
      async (file) => {
        await rm(file);
        const db = new Database(file);
        db.exec("CREATE TABLE builds (site TEXT, note TEXT); INSERT INTO builds VALUES ('site', 'not ours');");
        db.close();
      },
    ],
    [
      'another program’s database with a schema version',
      async (file) => {
        await rm(file);
        const db = new Database(file);
        db.exec('CREATE TABLE subscribers (id INTEGER PRIMARY KEY)');
        db.pragma('user_version = 1');
        db.close();
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
      'a table of another shape under its own name',
      async (file) => {
        const db = new Database(file);
        db.exec('DROP TABLE builds; CREATE TABLE builds (site TEXT PRIMARY KEY, what TEXT)');
        db.close();
      },
    ],
    [
      'a row that is not JSON where JSON is kept',
      async (file) => {
        const db = new Database(file);
        db.prepare('UPDATE builds SET outputs = \'[{"path": "feed.xml", cut\' WHERE site = \'site\'').run();
        db.close();
      },
    ],
  ];

  for (const [name, damage] of damages) {
    it(`holding ${name}`, async () => {
      const folder = await filledCache();
      await damage(folder.file);
      const cache = folder.open();
      // Some damage only shows when the rows are read: the first read sets the file aside then.
      expect(cache.readLastBuild('site')).toEqual({ state: undefined, index: undefined });
      expect(folder.logged.join('\n')).toMatch(/build cache .*build\.db (is damaged|is not a build cache|is from a newer Broadsheet).*: rebuilding it/);
      expectFreshAndWorking(cache, folder.file);
    });
  }

  it('takes an empty file for a new one, and makes it a build cache', async () => {
    const folder = await cacheFolder();
    await mkdir(folder.dir, { recursive: true });
    await writeFile(folder.file, '');
    expectFreshAndWorking(folder.open(), folder.file);
    expect(folder.logged).toEqual([]);
  });

  it('leaves a file alone when another process replaced it meanwhile (it is not set aside twice)', async () => {
    const folder = await filledCache();
    await writeFile(folder.file, 'garbage');
    const first = folder.open();
    first.saveBuild('site', { state: state('mine') });
    // A process that opened the garbage before it was replaced finds a good file now: it keeps it.
    const second = folder.open();
    expect(second.readState('site')?.key).toBe('mine');
  });
});

describe('the JSON cache files of earlier versions', () => {
  it('are removed when the build cache file is made, and nothing else in the folder is', async () => {
    const folder = await cacheFolder();
    await mkdir(folder.dir, { recursive: true });
    const old = [
      'posts-0123456789ab.json',
      'posts-0123456789ab.journal',
      'build-0123456789ab.json',
      'index-0123456789ab.json',
      'entries-0123456789ab.json',
      'posts-0123456789ab.json.123.abcd1234.tmp',
      'build-0123456789ab.json.2871361742',
    ];
    const others = ['notes.txt', 'posts.json', 'build-0123456789ab.json.bak~', 'index-xyz.json'];
    for (const name of [...old, ...others]) await writeFile(path.join(folder.dir, name), '{}');
    folder.open().close();
    expect((await readdir(folder.dir)).sort()).toEqual([BUILD_CACHE_FILE, ...others].sort());
  });
});

/** A child process that opens the cache file and runs `script` (CommonJS, `db` in scope), talking over stdout. */
function holder(file: string, script: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.pragma('busy_timeout = 5000');
    ${script}
  `,
    ],
    { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const said: string[] = [];
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    said.push(...text.split('\n').filter(Boolean));
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    /** Resolves once the child has printed `line`. */
    async heard(line: string) {
      while (!said.includes(line)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    tell: (line: string) => child.stdin.write(`${line}\n`),
    exited: new Promise<number | null>((resolve) => child.on('exit', resolve)),
  };
}

describe('two processes at once', () => {
  it('a reader neither waits on a writer nor sees its transaction before it commits', async () => {
    const folder = await filledCache();
    const writer = holder(
      folder.file,
      `
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare("UPDATE builds SET key = 'half', outputs = '[]' WHERE site = 'site'").run();
      console.log('in');
      process.stdin.on('data', () => { db.prepare('COMMIT').run(); console.log('committed'); db.close(); process.exit(0); });
    `,
    );
    await writer.heard('in');
    const cache = folder.open();
    const started = performance.now();
    expect(cache.readState('site')).toEqual(state('k1'));
    expect(performance.now() - started).toBeLessThan(1000);
    writer.tell('commit');
    await writer.heard('committed');
    expect(cache.readState('site')?.key).toBe('half');
    expect(await writer.exited).toBe(0);
  });

  it('a writer waits for the other to finish instead of failing', async () => {
    const folder = await filledCache();
    const writer = holder(
      folder.file,
      `
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare("UPDATE builds SET key = 'theirs' WHERE site = 'site'").run();
      console.log('in');
      setTimeout(() => { db.prepare('COMMIT').run(); db.close(); process.exit(0); }, 700);
    `,
    );
    await writer.heard('in');
    const cache = folder.open();
    const started = performance.now();
    cache.saveBuild('site', { state: state('mine') });
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(cache.readState('site')?.key).toBe('mine');
    expect(await writer.exited).toBe(0);
  });

  it('`broadsheet build` twice at once on one site: both succeed, the outputs are a clean build’s, and the builds after settle to up to date', async () => {
    expect(existsSync(CLI), 'npm run build first').toBe(true);
    const { root } = await tempSite('build-cache', { copy: SAMPLE_CONTENT, config: { site: { title: 'T', url: 'https://x.example.com/', timezone: 'UTC' } } });
    const run = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([run(), run()]);
    expect(results).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);
    // The same outputs as a build alone, in a fresh folder.
    const alone = await tempDir('build-cache');
    await cp(path.join(root, 'content'), path.join(alone, 'content'), { recursive: true });
    await cp(path.join(root, 'broadsheet.config.json'), path.join(alone, 'broadsheet.config.json'));
    expect(spawnSync(process.execPath, [CLI, 'build'], { cwd: alone }).status).toBe(0);
    const files = async (dir: string) => (await readdir(dir, { recursive: true })).sort();
    expect(await files(path.join(root, 'public'))).toEqual(await files(path.join(alone, 'public')));
    for (const name of await files(path.join(alone, 'public'))) {
      if ((await stat(path.join(alone, 'public', name))).isFile()) {
        expect(await readFile(path.join(root, 'public', name)), name).toEqual(await readFile(path.join(alone, 'public', name)));
      }
    }
    // Each wrote the outputs, so the last state saved may not match every file's mtime: the next build
    // may check them all, and finds nothing to write; the one after is up to date.
    const next = JSON.parse(spawnSync(process.execPath, [CLI, 'build', '--json'], { cwd: root, encoding: 'utf8' }).stdout) as {
      mode: string;
      written: string[];
    };
    expect(next.written).toEqual([]);
    expect(JSON.parse(spawnSync(process.execPath, [CLI, 'build', '--json'], { cwd: root, encoding: 'utf8' }).stdout).mode).toBe('up-to-date');
  }, 60_000);
});
