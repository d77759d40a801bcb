import { readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CacheEntry, PostCache } from '../../src/content/cache-entry.js';
import { loadPosts } from '../../src/content/load.js';
import { readBodies } from '../../src/content/read-bodies.js';
import { scanPostFiles, type Scan } from '../../src/content/scan.js';
import { ContentError } from '../../src/errors.js';
import { openBuildCache } from '../../src/output/build-cache.js';
import { parsePost } from '../../src/content/parse.js';
import type { Post, PostHead } from '../../src/content/schema.js';
import { contentFixture, SAMPLE_CONTENT, tempSite } from '../helpers/site.js';

const ADVERSARIAL = contentFixture('adversarial');
const UTC = 'UTC';

/** The front matter excerpt of this post is cut mid-word ("...pau..."), so its excerpt is derived. */
const CUT_EXCERPT_FILE = '2026-11-23-regional-lenders-pause-bnpl-partnerships.md';
const ZINES_FILE = '2026-09-03-why-photocopied-zines-refuse-to-die.md';

interface Site {
  content: string;
  /** The data folder's cache/, where the build cache is. */
  cacheDir: string;
  /** Post files in the copy, as listed by the loader. */
  files: string[];
  /** What each load saved to the post cache, in order: changed files and files forgotten. */
  saves: Array<{ changed: string[]; gone: string[] }>;
  load(timezone?: string, options?: { scan?: Scan; subset?: boolean }): ReturnType<typeof loadPosts>;
  /** The entries the post cache holds now, by file. */
  kept(timezone?: string): Map<string, CacheEntry>;
  /** Store an entry as a build would (to plant one). */
  keep(file: string, entry: CacheEntry, timezone?: string): void;
  /** The posts of these heads, bodies read. */
  bodies(heads: readonly PostHead[]): Promise<Post[]>;
}

/** A private copy of a content folder, and the build cache under its own data folder. */
async function makeSite(from = SAMPLE_CONTENT): Promise<Site> {
  const { content, data } = await tempSite('cache', { copy: from });
  const cacheDir = path.join(data, 'cache');
  const files = (await scanPostFiles(content)).files.map((f) => f.file);
  const saves: Site['saves'] = [];
  /** Run `use` with the post cache of this content folder, the build cache open meanwhile. */
  const withCache = async <T>(timezone: string, use: (cache: PostCache) => T | Promise<T>): Promise<T> => {
    const cache = openBuildCache(cacheDir);
    try {
      return await use(cache.postCache('content', timezone));
    } finally {
      cache.close();
    }
  };
  return {
    content,
    cacheDir,
    files,
    saves,
    load: (timezone = UTC, options = {}) =>
      withCache(timezone, async (posts) => {
        // Our own interface, wrapped to record what the loader saves.
        const recorded: PostCache = {
          entries: (f) => posts.entries(f),
          save(changed, gone) {
            saves.push({ changed: changed.map(([file]) => file), gone: [...gone] });
            posts.save(changed, gone);
          },
        };
        return loadPosts(content, options.scan ?? (await scanPostFiles(content)), {
          timezone,
          displayDir: 'content',
          cache: recorded,
          subset: options.subset ?? false,
        });
      }),
    kept: (timezone = UTC) => {
      const cache = openBuildCache(cacheDir);
      try {
        return cache.postCache('content', timezone).entries();
      } finally {
        cache.close();
      }
    },
    keep(file, entry, timezone = UTC) {
      const cache = openBuildCache(cacheDir);
      cache.postCache('content', timezone).save([[file, entry]], []);
      cache.close();
    },
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

describe('loadPosts with the post cache: what a rebuild re-reads', () => {
  it('parses every file on the first run and keeps an entry for each', async () => {
    const site = await makeSite();
    const loaded = await site.load();
    expect(site.files.length).toBeGreaterThan(10);
    expect(loaded.parsed).toBe(site.files.length);
    expect(loaded.files).toBe(site.files.length);
    expect(loaded.errors).toEqual([]);
    expect(loaded.posts).toHaveLength(site.files.length);
    expect([...site.kept().keys()].sort()).toEqual(site.files);
  });

  it('parses nothing on a second run with nothing changed, returns the same heads as parsePost, and saves nothing', async () => {
    const site = await makeSite();
    await site.load();
    const kept = site.kept();
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(site.saves).toHaveLength(1);
    expect(loaded.posts).toHaveLength(site.files.length);
    for (const file of site.files) {
      expect(fields(byFile(loaded.posts, file))).toEqual(fields(fresh(file, await sourceOf(site, file)).head));
    }
    expect(site.kept()).toEqual(kept);
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
    expect(site.kept().get(ZINES_FILE)?.mtimeMs).toBe(scanned.mtimeMs);
    expect((await site.load()).parsed).toBe(0);
  });

  it('parses exactly the one edited file, returns its new title, and saves its entry alone', async () => {
    const site = await makeSite();
    await site.load();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: Zines, still alive'));
    await touch(file);
    const loaded = await site.load();
    expect(loaded.parsed).toBe(1);
    expect(site.saves.at(-1)).toEqual({ changed: [ZINES_FILE], gone: [] });
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Zines, still alive');
    expect(loaded.posts).toHaveLength(site.files.length);
    const again = await site.load();
    expect(again.parsed).toBe(0);
    expect(byFile(again.posts, ZINES_FILE).title).toBe('Zines, still alive');
  });

  it('drops the post of a deleted file, from the posts and from the cache', async () => {
    const site = await makeSite();
    const first = await site.load();
    await rm(path.join(site.content, ZINES_FILE));
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(loaded.files).toBe(site.files.length - 1);
    expect(loaded.posts.map((p) => p.file)).toEqual(first.posts.map((p) => p.file).filter((f) => f !== ZINES_FILE));
    expect(site.saves.at(-1)).toEqual({ changed: [], gone: [ZINES_FILE] });
    expect([...site.kept().keys()]).not.toContain(ZINES_FILE);
  });

  it('given only some files (a partial build), looks up and reads those alone, and forgets no other', async () => {
    const site = await makeSite();
    await site.load();
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Why photocopied zines refuse to die', 'title: Zines, in part'));
    const full = await scanPostFiles(site.content);
    const some = full.files.filter((f) => f.file === ZINES_FILE || f.file === CUT_EXCERPT_FILE);
    const loaded = await site.load(UTC, { scan: { ...full, files: some }, subset: true });
    expect(loaded.parsed).toBe(1);
    expect(loaded.posts.map((p) => [p.file, p.title]).sort()).toEqual([
      [ZINES_FILE, 'Zines, in part'],
      [CUT_EXCERPT_FILE, fresh(CUT_EXCERPT_FILE, await sourceOf(site, CUT_EXCERPT_FILE)).head.title],
    ]);
    expect(site.saves.at(-1)).toEqual({ changed: [ZINES_FILE], gone: [] });
    expect([...site.kept().keys()].sort()).toEqual(site.files);
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
    expect(second.errors.map((e) => [e.code, e.file, e.field, e.message, e.hint])).toEqual(
      first.errors.map((e) => [e.code, e.file, e.field, e.message, e.hint]),
    );
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

// A damaged, foreign or newer cache file: test/output/build-cache.test.ts.
describe('loadPosts with the post cache: what it trusts', () => {
  /** A kept entry for the zines post claiming another title, its size, mtime and hash still matching. */
  async function plant(site: Site): Promise<void> {
    await site.load();
    const entry = site.kept().get(ZINES_FILE)!;
    site.keep(ZINES_FILE, { ...entry, head: { ...entry.head!, title: 'Planted title' } });
  }

  it('trusts an entry whose path, size and mtime match (the premise of the tests below)', async () => {
    const site = await makeSite();
    await plant(site);
    const loaded = await site.load();
    expect(loaded.parsed).toBe(0);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Planted title');
  });

  it('does not trust an entry whose mtime differs: the file is hashed again, and parsed again when its bytes differ too', async () => {
    const site = await makeSite();
    await plant(site);
    await touch(path.join(site.content, ZINES_FILE));
    const touched = await site.load();
    // Same bytes (the hash vouches): the kept head stands.
    expect(touched.parsed).toBe(0);
    const file = path.join(site.content, ZINES_FILE);
    await writeFile(file, `${await readFile(file, 'utf8')}\nOne more line.\n`);
    await touch(file, 120);
    const edited = await site.load();
    expect(edited.parsed).toBe(1);
    expect(byFile(edited.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
  });

  it('does not trust entries parsed in another timezone: dates are read again in the configured one', async () => {
    const site = await makeSite();
    await plant(site);
    const loaded = await site.load('Europe/Paris');
    expect(loaded.parsed).toBe(site.files.length);
    expect(byFile(loaded.posts, ZINES_FILE).title).toBe('Why photocopied zines refuse to die');
    expect(byFile(loaded.posts, ZINES_FILE).date.toISOString()).toBe('2026-09-02T22:00:00.000Z');
    expect(site.kept(UTC)).toEqual(new Map());
    expect((await site.load('Europe/Paris')).parsed).toBe(0);
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
    expect(Object.keys(copy).sort()).toEqual([
      'author',
      'body',
      'category',
      'coverImage',
      'date',
      'dateZone',
      'draft',
      'excerpt',
      'file',
      'imageCredit',
      'readingMinutes',
      'slug',
      'source',
      'tags',
      'title',
      'updated',
      'wordCount',
      'writer',
    ]);
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
    const [read] = await readBodies(site.content, [{ ...head, slug: 'published-as', category: { name: 'Kept', slug: 'kept' } }], {
      timezone: UTC,
      displayDir: 'content',
    });
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
