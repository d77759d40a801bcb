// The post cache under the data folder: what a rebuild re-reads (only what changed), and what it never
// trusts (a corrupt, reshaped, older-format or other-timezone cache file).
import { statSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonPostCache } from '../../src/content/cache.js';
import { loadPosts } from '../../src/content/load.js';
import { readBodies } from '../../src/content/read-bodies.js';
import { scanPostFiles } from '../../src/content/scan.js';
import { ContentError } from '../../src/errors.js';
import { parsePost } from '../../src/content/parse.js';
import type { Post, PostHead } from '../../src/content/schema.js';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const ADVERSARIAL = fileURLToPath(new URL('../fixtures/content/adversarial/', import.meta.url));
const UTC = 'UTC';

/** The front matter excerpt of this post is cut mid-word ("...pau..."), so its excerpt is derived. */
const CUT_EXCERPT_FILE = '2026-11-23-regional-lenders-pause-bnpl-partnerships.md';
const ZINES_FILE = '2026-09-03-why-photocopied-zines-refuse-to-die.md';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

interface Site {
  content: string;
  cacheFile: string;
  /** Post files in the copy, as listed by the loader. */
  files: string[];
  /** Messages the cache logged. */
  logged: string[];
  load(timezone?: string): ReturnType<typeof loadPosts>;
  /** The posts of these heads, bodies read. */
  bodies(heads: readonly PostHead[]): Promise<Post[]>;
}

/** A private copy of a content folder and a cache file under its own data folder. */
async function makeSite(from = CONTENT): Promise<Site> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-cache-'));
  roots.push(root);
  const content = path.join(root, 'content');
  await cp(from, content, { recursive: true });
  const cacheFile = path.join(root, 'data', 'cache', 'posts.json');
  const logged: string[] = [];
  const files = (await scanPostFiles(content)).files.map((f) => f.file);
  return {
    content,
    cacheFile,
    files,
    logged,
    load: async (timezone = UTC) =>
      loadPosts(content, await scanPostFiles(content), { timezone, displayDir: 'content', cache: jsonPostCache(cacheFile, timezone, (m) => logged.push(m)) }),
    bodies: async (heads) => (await readBodies(content, heads, { timezone: UTC, displayDir: 'content' })).map((r) => r.post),
  };
}

function fresh(file: string, source: string, timezone = UTC): { head: PostHead; post: Post } {
  const result = parsePost(file, source, { timezone });
  if (!result.ok) throw new Error(`${file} should parse: ${result.errors.map((e) => e.describe()).join('; ')}`);
  return result;
}

async function sourceOf(site: Site, file: string): Promise<string> {
  return readFile(path.join(site.content, file), 'utf8');
}

/** A head as plain values, every field included (an extra or missing one shows). */
function fields(head: PostHead) {
  return { ...head, date: head.date.toISOString(), updated: head.updated?.toISOString() };
}

function byFile<P extends { file: string }>(posts: readonly P[], file: string): P {
  const post = posts.find((p) => p.file === file);
  if (!post) throw new Error(`no post from ${file}`);
  return post;
}

/** Give a file a new modification time, a whole minute away from the one it has. */
async function touch(file: string, seconds = 60): Promise<void> {
  const at = new Date(Date.now() + seconds * 1000);
  await utimes(file, at, at);
}

/** What the cache holds: the cache file, then its journal's lines applied in order. */
async function readCacheJson(site: Site): Promise<{ format: number; timezone: string; entries: Record<string, Record<string, unknown>> }> {
  const cache = JSON.parse(await readFile(site.cacheFile, 'utf8'));
  const journal = await readFile(journalFile(site), 'utf8').catch(() => '');
  for (const line of journal.split('\n').filter(Boolean)) {
    const change = JSON.parse(line) as { file: string; entry?: Record<string, unknown> };
    if (change.entry === undefined) delete cache.entries[change.file];
    else cache.entries[change.file] = change.entry;
  }
  return cache;
}

const journalFile = (site: Site) => site.cacheFile.replace(/\.json$/, '.journal');

describe('loadPostsCached: what a rebuild re-reads', () => {
  it('parses every file on the first run and writes the cache file', async () => {
    const site = await makeSite();
    const loaded = await site.load();
    expect(site.files.length).toBeGreaterThan(10);
    expect(loaded.parsed).toBe(site.files.length);
    expect(loaded.files).toBe(site.files.length);
    expect(loaded.errors).toEqual([]);
    expect(loaded.posts).toHaveLength(site.files.length);
    const cache = await readCacheJson(site);
    expect(Object.keys(cache.entries).sort()).toEqual(site.files);
    expect(cache.timezone).toBe(UTC);
  });

  it('parses nothing on a second run with nothing changed, returns the same posts, and leaves the cache file alone', async () => {
    const site = await makeSite();
    await site.load();
    const before = await readFile(site.cacheFile);
    await touch(site.cacheFile, -3600); // a rewrite would move it back to now
    const { mtimeMs } = statSync(site.cacheFile);

    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(loaded.posts).toHaveLength(site.files.length);
    for (const file of site.files) {
      expect(fields(byFile(loaded.posts, file))).toEqual(fields(fresh(file, await sourceOf(site, file)).head));
    }
    expect(await readFile(site.cacheFile)).toEqual(before);
    expect(statSync(site.cacheFile).mtimeMs).toBe(mtimeMs);
  });

  it('returns every post of the adversarial fixture (BOM, CRLF, empty body, nested folders) as parsePost does, from the cache', async () => {
    const site = await makeSite(ADVERSARIAL);
    const first = await site.load();
    const second = await site.load();
    expect(second.parsed).toBe(0);
    expect(second.posts.map((p) => p.file)).toEqual(first.posts.map((p) => p.file));
    for (const post of second.posts) {
      expect(fields(post)).toEqual(fields(fresh(post.file, await sourceOf(site, post.file)).head));
    }
    expect(second.errors.map((e) => [e.file, e.field])).toEqual(first.errors.map((e) => [e.file, e.field]));
  });

  it('parses nothing when a file is only touched (new mtime, same bytes): the content hash vouches for it', async () => {
    const site = await makeSite();
    await site.load();
    await touch(path.join(site.content, ZINES_FILE));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
    // The new mtime is recorded, so the next run does not even hash the file again.
    const scanned = (await scanPostFiles(site.content)).files.find((f) => f.file === ZINES_FILE)!;
    expect((await readCacheJson(site)).entries[ZINES_FILE]?.mtimeMs).toBe(scanned.mtimeMs);
    expect((await site.load()).parsed).toBe(0);
  });

  it('parses exactly the one edited file and returns its new title', async () => {
    const site = await makeSite();
    await site.load();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: Zines, still alive'));
    await touch(file);
    const loaded = await site.load();
    expect(loaded.parsed).toBe(1);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Zines, still alive');
    expect(loaded.posts).toHaveLength(site.files.length);
    expect((await site.load()).parsed).toBe(0);
  });

  it('appends a few changed entries to a journal instead of rewriting the cache file, and rewrites it (dropping the journal) when the cache is rebuilt', async () => {
    const site = await makeSite();
    await site.load();
    const written = statSync(site.cacheFile).mtimeMs;
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: Zines, journaled'));
    await touch(file);
    await sleep(20);
    expect((await site.load()).parsed).toBe(1);
    expect(statSync(site.cacheFile).mtimeMs).toBe(written);
    expect((await readFile(journalFile(site), 'utf8')).trim().split('\n')).toHaveLength(1);
    // Read back through the journal: nothing to parse, and the new title.
    const again = await site.load();
    expect(again.parsed).toBe(0);
    expect(byFile(again.posts, ZINES_FILE).title).toBe('Zines, journaled');
    // Another timezone means a new cache: written whole, journal gone.
    await site.load('Europe/Paris');
    expect(statSync(site.cacheFile).mtimeMs).not.toBe(written);
    await expect(readFile(journalFile(site), 'utf8')).rejects.toThrow();
  });

  it('ignores a journal line cut short (a crash mid-append): that file is parsed again, the rest still comes from the cache', async () => {
    const site = await makeSite();
    await site.load();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: Zines, cut short'));
    await touch(file);
    await site.load();
    const line = await readFile(journalFile(site), 'utf8');
    await writeFile(journalFile(site), line.slice(0, Math.floor(line.length / 2)));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(1);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Zines, cut short');
    expect(loaded.posts).toHaveLength(site.files.length);
  });

  it('drops the post of a deleted file, from the posts and from the cache file', async () => {
    const site = await makeSite();
    const first = await site.load();
    await rm(path.join(site.content, ZINES_FILE));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(loaded.files).toBe(site.files.length - 1);
    expect(loaded.posts.map((p) => p.file)).toEqual(first.posts.map((p) => p.file).filter((f) => f !== ZINES_FILE));
    expect(Object.keys((await readCacheJson(site)).entries)).not.toContain(ZINES_FILE);
  });

  it('reports a post that became invalid with its file and field, and the cache gives the same error back next time', async () => {
    const site = await makeSite();
    await site.load();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace("date: '2026-09-03'", 'date: soon'));
    await touch(file);

    const first = await site.load();
    expect(first.parsed).toBe(1);
    expect(first.posts.map((p) => p.file)).not.toContain(ZINES_FILE);
    expect(first.errors.map((e) => [e.file, e.field])).toEqual([[path.join('content', ZINES_FILE), 'date']]);
    expect(first.errors[0]?.message).toContain('"soon"');

    const second = await site.load();
    expect(second.parsed).toBe(0);
    expect(second.errors.map((e) => [e.code, e.file, e.field, e.message, e.hint])).toEqual(first.errors.map((e) => [e.code, e.file, e.field, e.message, e.hint]));
  });

  it('keeps the line and column of a YAML error when the error comes from the cache', async () => {
    const site = await makeSite();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: a: b: c'));
    const first = await site.load();
    const second = await site.load();
    expect(second.parsed).toBe(0);
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]?.file).toMatch(new RegExp(`^content[\\\\/]${ZINES_FILE.replace(/\./g, '\\.')}:2:\\d+$`));
    expect(second.errors.map((e) => [e.file, e.field, e.message, e.hint])).toEqual(first.errors.map((e) => [e.file, e.field, e.message, e.hint]));
  });
});

describe('loadPostsCached: a cache it cannot vouch for is rebuilt, never trusted', () => {
  const corruptions: Array<[string, (valid: string) => string | Buffer]> = [
    ['garbage bytes', () => Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x80, 0x0a])],
    ['truncated JSON', (valid) => valid.slice(0, Math.floor(valid.length / 2))],
    ['an empty file', () => ''],
    ['JSON null', () => 'null'],
    ['a JSON array', () => '[1, 2, 3]'],
    ['an object without entries', (valid) => JSON.stringify({ format: JSON.parse(valid).format, timezone: UTC })],
    ['entries that are not an object', (valid) => JSON.stringify({ format: JSON.parse(valid).format, timezone: UTC, entries: 'all of them' })],
  ];

  for (const [name, corrupt] of corruptions) {
    it(`ignores and rewrites a cache file holding ${name}`, async () => {
      const site = await makeSite();
      await site.load();
      await writeFile(site.cacheFile, corrupt(await readFile(site.cacheFile, 'utf8')));
      const loaded = await site.load();
      expect(loaded.parsed).toBe(site.files.length);
      expect(loaded.posts).toHaveLength(site.files.length);
      expect(Object.keys((await readCacheJson(site)).entries).sort()).toEqual(site.files);
      expect((await site.load()).parsed).toBe(0);
    });
  }

  /** A valid cache whose entry for the zines post claims another title, its size and mtime still matching. */
  async function plant(site: Site, change: (cache: Awaited<ReturnType<typeof readCacheJson>>) => void): Promise<void> {
    await site.load();
    const cache = await readCacheJson(site);
    (cache.entries[ZINES_FILE]!.head as { title: string }).title = 'Planted title';
    change(cache);
    await writeFile(site.cacheFile, JSON.stringify(cache));
  }

  it('trusts an entry whose path, size and mtime match (the premise of the tests below)', async () => {
    const site = await makeSite();
    await plant(site, () => {});
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Planted title');
  });

  it('does not trust entries written in another format, even with matching size and mtime', async () => {
    const site = await makeSite();
    await plant(site, (cache) => void (cache.format -= 1));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(site.files.length);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
    expect(site.logged.join('\n')).toMatch(/another version or timezone/);
    const rewritten = await readCacheJson(site);
    expect((rewritten.entries[ZINES_FILE]!.head as { title: string }).title).toBe('Why photocopied zines refuse to die');
  });

  it('does not trust entries from a newer format either', async () => {
    const site = await makeSite();
    await plant(site, (cache) => void (cache.format += 1));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(site.files.length);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
  });

  it('does not trust entries parsed in another timezone: dates are read again in the configured one', async () => {
    const site = await makeSite();
    await site.load(UTC);
    const loaded = await site.load('Europe/Paris');
    expect(loaded.parsed).toBe(site.files.length);
    expect(byFile(loaded.posts, ZINES_FILE).date.toISOString()).toBe('2026-09-02T22:00:00.000Z');
    expect((await readCacheJson(site)).timezone).toBe('Europe/Paris');
    expect((await site.load('Europe/Paris')).parsed).toBe(0);
  });

  it('re-reads an entry of the wrong shape even when its size and mtime match', async () => {
    const site = await makeSite();
    await site.load();
    const cache = await readCacheJson(site);
    const { size, mtimeMs, hash } = cache.entries[ZINES_FILE]!;
    cache.entries[ZINES_FILE] = { size, mtimeMs, hash }; // neither a post nor errors
    const other = site.files.find((f) => f !== ZINES_FILE)!;
    const entry = cache.entries[other]!;
    cache.entries[other] = { ...entry, head: { title: 'Half a post' } };
    await writeFile(site.cacheFile, JSON.stringify(cache));

    const loaded = await site.load();
    expect(loaded.parsed).toBe(2);
    expect(loaded.errors).toEqual([]);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
    expect(fields(byFile(loaded.posts, other))).toEqual(fields(fresh(other, await sourceOf(site, other)).head));
  });
});

describe('bodies: read for the posts shown, from the version of the file their head came from', () => {
  it('gives body, excerpt, word count and reading time equal to parsePost, deriving the excerpt when the given one is cut mid-word', async () => {
    const site = await makeSite();
    await site.load();
    const { posts } = await site.load();
    const [cached] = await site.bodies([byFile(posts, CUT_EXCERPT_FILE)]);
    const parsed = fresh(CUT_EXCERPT_FILE, await sourceOf(site, CUT_EXCERPT_FILE)).post;
    expect(await sourceOf(site, CUT_EXCERPT_FILE)).toMatch(/pau\.\.\.\n/);
    expect(cached).toEqual(parsed);
    expect(cached!.excerpt).not.toMatch(/pau\.\.\.$/);
    expect(cached!.excerpt.length).toBeGreaterThan(20);
  });

  it('gives plain data: a spread copy keeps every field, and nothing reads the disk afterwards', async () => {
    const site = await makeSite();
    const { posts } = await site.load();
    const [post] = await site.bodies([byFile(posts, ZINES_FILE)]);
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, `${await readFile(file, 'utf8')}\nA paragraph added after reading.\n`);
    const copy = { ...post! };
    expect(copy).toEqual(post);
    expect(Object.keys(copy).sort()).toEqual(
      ['author', 'body', 'category', 'coverImage', 'date', 'draft', 'excerpt', 'file', 'readingMinutes', 'slug', 'source', 'tags', 'title', 'updated', 'wordCount'],
    );
    expect(copy.body).not.toContain('A paragraph added after reading.');
    expect(copy.body.length).toBeGreaterThan(100);
  });

  it('never mixes versions: a file edited after its head was loaded is parsed again whole, keeping the slug and category it was published with', async () => {
    const site = await makeSite();
    const { posts } = await site.load();
    const head = byFile(posts, ZINES_FILE);
    const file = path.join(site.content, ZINES_FILE);
    const edited = (await readFile(file, 'utf8'))
      .replace('title: Why photocopied zines refuse to die', 'title: Zines, edited mid-build')
      .replace(/\n---\n/, '\n---\nA first paragraph written after the build loaded the heads, long enough to be the excerpt of it.\n\n');
    await writeFile(file, edited);
    const [read] = await readBodies(site.content, [{ ...head, slug: 'published-as', category: { name: 'Kept', slug: 'kept' } }], { timezone: UTC, displayDir: 'content' });
    const now = fresh(ZINES_FILE, edited);
    expect(read!.post).toEqual({ ...now.post, slug: 'published-as', category: { name: 'Kept', slug: 'kept' } });
    expect(read!.post.title).toBe('Zines, edited mid-build');
    expect(read!.post.body).toContain('written after the build loaded the heads');
    expect(read!.head).toEqual({ ...now.head, slug: 'published-as', category: { name: 'Kept', slug: 'kept' } });
    expect(read!.head.hash).not.toBe(head.hash);
  });

  it('fails with the file named when the file edited after loading is no longer a valid post', async () => {
    const site = await makeSite();
    const { posts } = await site.load();
    await writeFile(path.join(site.content, ZINES_FILE), '---\ntitle: [unclosed\n---\nBody.\n');
    const error = await site.bodies([byFile(posts, ZINES_FILE)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).describe()).toBe(`${path.join('content', ZINES_FILE)}: changed during the build and is not a valid post now (build again)`);
  });
});

describe('scanPostFiles', () => {
  it('changes its fingerprint when a file is touched, added or removed, and only then', async () => {
    const site = await makeSite();
    const first = await scanPostFiles(site.content);
    expect((await scanPostFiles(site.content)).fingerprint).toBe(first.fingerprint);
    await touch(path.join(site.content, ZINES_FILE));
    const touched = await scanPostFiles(site.content);
    expect(touched.fingerprint).not.toBe(first.fingerprint);
    await writeFile(path.join(site.content, 'extra.md'), "---\ntitle: Extra\ndate: '2026-01-01'\n---\nBody.\n");
    const added = await scanPostFiles(site.content);
    expect(added.fingerprint).not.toBe(touched.fingerprint);
    await rm(path.join(site.content, 'extra.md'));
    expect((await scanPostFiles(site.content)).fingerprint).toBe(touched.fingerprint);
    expect((await readdir(site.content)).length).toBe(site.files.length);
  });
});
