// The incremental path must never differ from a full build. A seeded random walk of edits (bodies,
// dates, categories and their spellings, tags, slugs that collide, drafts, broken YAML, added, removed
// and touched files) runs against one site that keeps its caches; after every step its output folder
// and report are compared, byte for byte, with a cold build of the same posts in fresh folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createSiteBuilder } from '../../src/core/build.js';
import type { BuildReport } from '../../src/core/types.js';
import { readingKeyOf, short } from '../../src/core/context.js';
import { BUILD_CACHE_FILE, openBuildCache } from '../../src/output/build-cache.js';
import { postSource } from '../helpers/posts.js';
import { tempSite } from '../helpers/site.js';
import { prng } from '../helpers/prng.js';

const NOW = new Date('2026-11-29T12:00:00Z');
// Two spellings of one category, near a tie: an edit can change which one names it.
const CATEGORIES = ['Finance', 'finance', 'Finance', 'finance', 'Science'];
const TAGS = ['alpha', 'beta', 'gamma', 'delta'];
const WRITERS = ['Dana Whitcombe', 'Lucas Ropek', 'Ines Okafor'];

interface Spec {
  title: string;
  /** Days before NOW (negative: in the future). */
  age: number;
  category: string;
  tags: string[];
  draft: boolean;
  broken: boolean;
  body: string;
  /** Scraped from a page (issue 16): the body wrapped in its furniture, the date a day, the time on the page. */
  page?: ScrapedPage;
}

interface ScrapedPage {
  writer: string;
  /** Minutes after midnight (UTC) of the posted time. */
  minutes: number;
  /** The posted line gives the next day: the front matter's date is kept, with a warning. */
  otherDay: boolean;
  /** No repeated title, posted or credit line: the body is kept as it is, with a warning. */
  noStart: boolean;
}

const source = (s: Spec) => {
  const at = new Date(NOW.getTime() - s.age * 86_400_000);
  const date = s.page ? at.toISOString().slice(0, 10) : at.toISOString();
  if (s.broken) return `---\ntitle: [unclosed\ndate: ${date}\n---\n${s.body}\n`;
  const body = s.page ? scrapedBody(s, s.page, at) : s.body;
  return postSource({ title: s.title, date, category: s.category, tags: s.tags, draft: s.draft, body });
};

/** A body as scrapers leave it: kicker, posted time, credit, byline, the title again, the article, topics, an advert. */
function scrapedBody(s: Spec, page: ScrapedPage, at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + (page.otherDay ? 1 : 0)));
  const hour = Math.floor(page.minutes / 60);
  const clock = `${((hour + 11) % 12) + 1}:${String(page.minutes % 60).padStart(2, '0')} ${hour < 12 ? 'AM' : 'PM'} UTC`;
  const dayText = day.toLocaleDateString('en-US', { timeZone: 'UTC', month: 'long', day: 'numeric', year: 'numeric' });
  const article = `${s.body} The desk kept reporting on this story all week, and will say more when it knows more.`;
  const topics = `\n\n\n\tTopics\n\t\n\t\t${[...s.tags, s.category].join(', ')}\t\n\n\n\tThe Walk Weekly\n\t\tSign up for the newsletter.\n`;
  if (page.noStart) return `Share\n\n\n\nSave\n\n\n${article}${topics}`;
  return `In Brief\n\n\n\nPosted:\n\n\n${clock} · ${dayText}\n\n\n\nImage Credits:Walk Desk / Example\n\n\t\n\t\t${page.writer}\n\t\n\n\n${s.title}\n\n\n${article}${topics}`;
}

const walkConfig = (content: string, out: string, data: string, feeds: { postPages?: boolean } = {}) =>
  parseConfig({
    site: { title: 'Walk', url: 'https://walk.example.com/', timezone: 'UTC' },
    feeds: { limit: 4, perTag: true, ...feeds },
    paths: { content, out, data },
  });

function build(content: string, out: string, data: string, feeds: { postPages?: boolean } = {}): Promise<BuildReport> {
  const config = walkConfig(content, out, data, feeds);
  return createSiteBuilder(config, { now: () => NOW, cwd: '/' }).build();
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isFile()) files[name.split(path.sep).join('/')] = readFileSync(full, 'utf8');
  }
  return files;
}

const summary = (r: BuildReport) => ({
  files: r.files,
  published: r.published,
  errors: r.errors.map((e) => e.describe()),
  warnings: r.warnings.map((e) => e.describe()),
  skipped: r.skipped,
  channels: r.channels,
  digest: r.digest,
});

/** A site of its own for one test: content (empty but for the folder more/), out and data folders. */
async function newSite(name: string) {
  const { root, content, out, data } = await tempSite(name);
  await mkdir(path.join(content, 'more'));
  return {
    root,
    content,
    out,
    data,
    build: () => build(content, out, data),
    /** Rebuild, and check the outputs and the report against a cold build of the same posts in fresh folders. */
    async rebuildAsFull(context: string): Promise<BuildReport> {
      const report = await build(content, out, data);
      const fresh = path.join(root, 'fresh');
      const reference = await build(content, path.join(fresh, 'out'), path.join(fresh, 'data'));
      expect(reference.mode).toBe('full');
      expect(summary(report), context).toEqual(summary(reference));
      expect(snapshot(out), context).toEqual(snapshot(path.join(fresh, 'out')));
      await rm(fresh, { recursive: true, force: true });
      return report;
    },
  };
}

/** A published Science post, `age` days old. */
const post = (title: string, age: number, body = 'Body.'): Spec => ({ title, age, category: 'Science', tags: [], draft: false, broken: false, body });

/** Posts "P 10" … "P 29", 10 to 29 days old: with feeds of 4, the oldest are shown nowhere. */
async function writeTwentyPosts(content: string): Promise<void> {
  for (let age = 10; age < 30; age++) await writeFile(path.join(content, `p-${age}.md`), source(post(`P ${age}`, age)));
}

describe('incremental builds', () => {
  // Walks over an archive where the feeds' newest posts are the week's, and over busy weeks with more
  // posts than the feeds show (so the digest window and the feeds' cut-offs each decide on their own).
  // Each rule of the incremental check was removed in turn, and some walk here then failed.
  it.each([
    ['an archive', 7, 0.02],
    ['a busy week', 12, 0.33],
    ['another busy week', 11, 0.33],
  ])(
    'give exactly the outputs and report of a full build, step after step of a random walk of edits (%s)',
    async (_name, seed, weekShare) => {
      const site = await newSite('walk');
      const { content } = site;
      const rand = prng(seed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
      const posts = new Map<string, Spec>();
      let clock = Date.UTC(2026, 0, 1) / 1000;
      const save = async (file: string) => {
        await writeFile(path.join(content, file), source(posts.get(file)!));
        // A distinct mtime for every write, whatever the file system's clock resolution.
        await utimes(path.join(content, file), ++clock, clock);
      };
      const randomAge = () => (rand() < weekShare ? Math.floor(rand() * 7) : rand() < 0.03 ? -2 : 7 + Math.floor(rand() * 300));
      const newPage = (): ScrapedPage => ({
        writer: pick(WRITERS),
        minutes: Math.floor(rand() * 1440),
        otherDay: rand() < 0.1,
        noStart: rand() < 0.1,
      });
      const newSpec = (): Spec => ({
        title: `Post ${Math.floor(rand() * 1e6)}`,
        age: randomAge(),
        category: pick(CATEGORIES),
        tags: TAGS.filter(() => rand() < 0.25),
        draft: rand() < 0.05,
        broken: false,
        body: `Body ${rand()}.`,
        ...(rand() < 0.3 ? { page: newPage() } : {}),
      });
      for (let i = 0; i < 60; i++) {
        const file = `post-${i}.md`;
        posts.set(file, newSpec());
        await save(file);
      }

      const edits: Array<[string, () => Promise<void>]> = [
        [
          'edit a body',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.body += ' More.';
            await save(f);
          },
        ],
        [
          'edit a body',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.body += ' Again.';
            await save(f);
          },
        ],
        [
          'move a date',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.age = randomAge();
            await save(f);
          },
        ],
        [
          'change a category',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.category = pick(CATEGORIES);
            await save(f);
          },
        ],
        [
          'change tags',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.tags = TAGS.filter(() => rand() < 0.25);
            await save(f);
          },
        ],
        [
          'add a post',
          async () => {
            const f = `post-${100 + Math.floor(rand() * 1e6)}.md`;
            posts.set(f, newSpec());
            await save(f);
          },
        ],
        // Same file name in a subfolder: the same slug, so the two collide.
        [
          'add a colliding post',
          async () => {
            const f = `more/${pick([...posts.keys()].filter((k) => !k.includes('/')))}`;
            posts.set(f, newSpec());
            await save(f);
          },
        ],
        [
          'remove a post',
          async () => {
            const f = pick([...posts.keys()]);
            posts.delete(f);
            await unlink(path.join(content, f));
          },
        ],
        [
          'toggle a draft',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.draft = !posts.get(f)!.draft;
            await save(f);
          },
        ],
        [
          'break or mend a post',
          async () => {
            const f = pick([...posts.keys()]);
            posts.get(f)!.broken = !posts.get(f)!.broken;
            await save(f);
          },
        ],
        [
          'edit the page furniture',
          async () => {
            const f = pick([...posts.keys()]);
            const spec = posts.get(f)!;
            const page = spec.page;
            const change = rand();
            if (page === undefined) spec.page = newPage();
            else if (change < 0.25) page.writer = pick(WRITERS);
            else if (change < 0.5) page.minutes = Math.floor(rand() * 1440);
            else if (change < 0.65) page.otherDay = !page.otherDay;
            else if (change < 0.8) page.noStart = !page.noStart;
            else delete spec.page;
            await save(f);
          },
        ],
        [
          'touch a post',
          async () => {
            const f = pick([...posts.keys()]);
            await utimes(path.join(content, f), ++clock, clock);
          },
        ],
      ];

      await site.build();
      const modes: Record<string, number> = {};
      for (let step = 0; step < 120; step++) {
        const count = rand() < 0.2 ? 2 : 1;
        const done: string[] = [];
        for (let k = 0; k < count; k++) {
          const [name, edit] = pick(edits);
          await edit();
          done.push(name);
        }
        const report = await site.rebuildAsFull(`step ${step} (${done.join(', ')})`);
        modes[report.mode] = (modes[report.mode] ?? 0) + 1;
      }
      // Not vacuous: the walk took the incremental path often, and full builds too.
      expect(modes.incremental ?? 0).toBeGreaterThanOrEqual(15);
      expect(modes.full ?? 0).toBeGreaterThanOrEqual(15);
    },
    // Every step builds the site twice, a cold one with every post page included.
    300_000,
  );

  it('builds in full when removing a post nobody sees would rename its category (the other spelling takes the lead)', async () => {
    const site = await newSite('spelling');
    const spec = (category: string, age: number): Spec => ({ ...post(`${category} ${age}`, age), category });
    // Newer posts fill every feed (limit 4), so the 200-day-old ones show nowhere.
    const files: Array<[string, Spec]> = [
      ...[10, 11, 12, 13].map((age): [string, Spec] => [`new-${age}.md`, spec('Finance', age)]),
      ...[200, 201, 202, 203, 204].map((age): [string, Spec] => [`upper-${age}.md`, spec('Finance', age)]),
      ...[300, 301, 302, 303, 304, 305, 306, 307, 308].map((age): [string, Spec] => [`lower-${age}.md`, spec('finance', age)]),
    ];
    for (const [file, s] of files) await writeFile(path.join(site.content, file), source(s));
    expect((await site.build()).mode).toBe('full');
    // 9 "Finance" and 9 "finance": a tie the name sorted first wins. One fewer "Finance" and the name changes.
    await unlink(path.join(site.content, 'upper-200.md'));
    const report = await site.rebuildAsFull('upper-200.md removed');
    expect(JSON.parse(snapshot(site.out)['categories/finance/feed.json']!).title).toBe('Walk: finance');
    expect(report.mode).toBe('full');
  });

  it('an edit to a post no feed or digest shows rewrites only the list pages listing it, its page and its neighbour’s; post cache untouched; the next build is up to date', async () => {
    const { content, out, data } = await newSite('old-edit');
    await writeTwentyPosts(content);
    await build(content, out, data);
    const keptEntry = (file: string) => {
      const cache = openBuildCache(path.join(data, 'cache'));
      const entry = cache
        .postCache(short(content), readingKeyOf(walkConfig(content, out, data)))
        .entries([file])
        .get(file);
      cache.close();
      return entry;
    };
    const kept = keptEntry('p-29.md');
    expect(kept?.head?.title).toBe('P 29');
    const outputs = snapshot(out);
    await writeFile(path.join(content, 'p-29.md'), source(post('P 29, edited', 29, 'Edited.')));
    const edited = await build(content, out, data);
    expect(edited.mode).toBe('incremental');
    // No feed or digest shows it, but the list pages list every post: the two listing it (the last page
    // of the front page and of its category, 10 posts a page) are rewritten from the heads; and its own
    // page and the page of its newer neighbour in Science (which shows its title). Nothing else.
    const listing = ['page/2/index.html', 'categories/science/page/2/index.html'];
    const postPages = ['posts/p-28/index.html', 'posts/p-29/index.html'];
    expect([...edited.written].sort()).toEqual([...listing, ...postPages].sort());
    const after = snapshot(out);
    for (const page of listing) expect(after[page]).toContain('P 29, edited');
    expect(after['posts/p-28/index.html']).toContain('P 29, edited');
    expect(after['posts/p-29/index.html']).toContain('P 29, edited');
    // Written plain (no compressed copies), all changed.
    const rewritten = [...listing, ...postPages];
    for (const name of rewritten) expect(after[name]).not.toEqual(outputs[name]);
    const others = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([name]) => !rewritten.includes(name)));
    expect(others(after)).toEqual(others(outputs));
    expect(Object.keys(after).sort()).toEqual(Object.keys(outputs).sort());
    // Only the state is saved: the post cache still holds the file as the full build read it.
    expect(keptEntry('p-29.md')).toEqual(kept);
    expect((await build(content, out, data)).mode).toBe('up-to-date');
    // An edit that makes it the newest: a partial build (the shown posts and this one) rewrites its feeds.
    await writeFile(path.join(content, 'p-29.md'), source(post('P 29, news', 1, 'Edited.')));
    const shown = await build(content, out, data);
    expect(shown.mode).toBe('incremental');
    expect(shown.written).toEqual(expect.arrayContaining(['feed.xml', 'categories/science/feed.xml', 'digest.json']));
    expect(JSON.parse(snapshot(out)['feed.json']!).items[0].title).toBe('P 29, news');
    // Two shown posts removed: the edited one fills one place, but the post that moves up into the other
    // was never read by a partial build, so a full build, saying why.
    await unlink(path.join(content, 'p-10.md'));
    await unlink(path.join(content, 'p-11.md'));
    const gap = await build(content, out, data);
    expect(gap.mode).toBe('full');
    expect(gap.reason).toBe('a post left the feed of the site, and the next one down was not read');
  });

  it('a body edit to a post no output shows, leaving its excerpt alone, rewrites only its own page; one changing its excerpt rewrites the list pages too', async () => {
    const { content, out, data } = await newSite('old-body-edit');
    const first = 'A first paragraph long enough to read as prose, which the excerpt is taken from.';
    const body = (second: string) => `${first}\n\n${second}`;
    for (let age = 10; age < 30; age++) await writeFile(path.join(content, `p-${age}.md`), source(post(`P ${age}`, age, body('Second.'))));
    await build(content, out, data);
    const outputs = snapshot(out);
    await writeFile(path.join(content, 'p-29.md'), source(post('P 29', 29, body('Second, edited.'))));
    const edited = await build(content, out, data);
    expect(edited.mode).toBe('incremental');
    expect(edited.written).toEqual(['posts/p-29/index.html']);
    const after = snapshot(out);
    expect(after['posts/p-29/index.html']).toContain('Second, edited.');
    const others = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([name]) => name !== 'posts/p-29/index.html'));
    expect(others(after)).toEqual(others(outputs));
    expect((await build(content, out, data)).mode).toBe('up-to-date');
    // The first paragraph is the excerpt every list page shows: the two listing it are rewritten.
    await writeFile(
      path.join(content, 'p-29.md'),
      source(post('P 29', 29, `A new first paragraph, long enough to read as prose, for the excerpt.\n\nSecond, edited.`)),
    );
    const excerpt = await build(content, out, data);
    expect(excerpt.mode).toBe('incremental');
    expect([...excerpt.written].sort()).toEqual(['categories/science/page/2/index.html', 'page/2/index.html', 'posts/p-29/index.html']);
    expect(snapshot(out)['page/2/index.html']).toContain('A new first paragraph');
  });

  it('with post pages off (feeds.postPages: false), an edit no feed or digest shows writes only the list pages listing it', async () => {
    const { content, out, data } = await newSite('old-edit-no-pages');
    await writeTwentyPosts(content);
    const off = { postPages: false };
    await build(content, out, data, off);
    const outputs = snapshot(out);
    expect(Object.keys(outputs).filter((name) => name.startsWith('posts/'))).toEqual([]);
    await writeFile(path.join(content, 'p-29.md'), source(post('P 29, edited', 29, 'Edited.')));
    const edited = await build(content, out, data, off);
    expect(edited.mode).toBe('incremental');
    const listing = ['page/2/index.html', 'categories/science/page/2/index.html'];
    expect(edited.written).toEqual(listing);
    const after = snapshot(out);
    expect(Object.keys(after).filter((name) => name.startsWith('posts/'))).toEqual([]);
    const rewritten = listing;
    const others = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([name]) => !rewritten.includes(name)));
    expect(others(after)).toEqual(others(outputs));
  });

  it.each([
    ['garbage bytes', (db: Database.Database) => void db.prepare("UPDATE build_indexes SET files = 'not json at all {'").run()],
    [
      'its files out of order (a change could hide in a merge)',
      (db: Database.Database) => {
        const { files } = db.prepare('SELECT files FROM build_indexes').get() as { files: string };
        db.prepare('UPDATE build_indexes SET files = ?').run(JSON.stringify((JSON.parse(files) as unknown[]).reverse()));
      },
    ],
    ['no row at all', (db: Database.Database) => void db.prepare('DELETE FROM build_indexes').run()],
  ])('does not trust a build index holding %s: the build is a full one', async (_name, damage) => {
    const { content, out, data } = await newSite('bad-index');
    await writeTwentyPosts(content);
    await build(content, out, data);
    const db = new Database(path.join(data, 'cache', BUILD_CACHE_FILE));
    damage(db);
    db.close();
    await writeFile(path.join(content, 'p-29.md'), source(post('P 29, edited', 29, 'Edited.')));
    expect((await build(content, out, data)).mode).toBe('full');
    // The full build wrote a good index again: the next such edit is incremental.
    await writeFile(path.join(content, 'p-28.md'), source(post('P 28, edited', 28, 'Edited.')));
    expect((await build(content, out, data)).mode).toBe('incremental');
  });

  it('builds in full when posts share a slug: the suffix ("-2", "-3") depends on every slug in use, shown or not', async () => {
    const site = await newSite('collide');
    const { content } = site;
    for (let age = 10; age < 20; age++) await writeFile(path.join(content, `p-${age}.md`), source(post(`P ${age}`, age)));
    // Two old posts named "foo" that no feed shows; "foo-2" is taken by a third, so one must become "foo-3".
    await writeFile(path.join(content, 'foo-2.md'), source(post('Old foo-2', 300)));
    await writeFile(path.join(content, 'foo.md'), source(post('Foo', 200)));
    await writeFile(path.join(content, 'more', 'foo.md'), source(post('Another foo', 201)));
    await site.build();
    // A shown post edited: a partial build would not know "foo-2" is taken.
    await writeFile(path.join(content, 'p-10.md'), source(post('P 10, edited', 10)));
    const report = await site.rebuildAsFull('collision');
    expect(report.warnings.map((w) => w.describe()).join('\n')).toContain('"foo-3"');
    expect(report.mode).toBe('full');
    expect(report.reason).toBe('posts share a slug');
    // One of the two removed, and a shown post edited: a partial build, and the warning is gone with it.
    await unlink(path.join(content, 'foo.md'));
    await writeFile(path.join(content, 'p-11.md'), source(post('P 11, edited', 11)));
    const after = await site.rebuildAsFull('resolved');
    expect(after.reason).toBeUndefined();
    expect(after.mode).toBe('incremental');
    expect(after.warnings).toEqual([]);
  });
});
