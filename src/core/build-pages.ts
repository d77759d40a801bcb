// The post pages step of a build: plan which pages change (output/post-pages.ts), read those posts'
// bodies a batch at a time, render (web/post-page.ts) and save them, and remove the pages of posts
// gone. Loaded with build-site.ts.
import { statSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { readBodies, readPostWhole, type ReadPost } from '../content/read-bodies.js';
import type { ReadOptions } from '../content/front-matter.js';
import type { PostHead } from '../content/schema.js';
import { toEntry } from '../feeds/build.js';
import type { BuildCache } from '../output/build-cache.js';
import { planPages, postOfRow, rowOf, type PagePost, type PageRow, type PlannedPage } from '../output/post-pages.js';
import { saveFiles } from '../output/save.js';
import type { OutputFile } from '../feeds/build.js';
import type { Pages } from '../web/pages.js';
import { renderPostPage, type PostPageSettings } from '../web/post-page.js';

/** Which posts' pages to reconsider: every published post (a full build), or the changes an incremental build found. */
export type PagesScope =
  | { kind: 'all'; posts: readonly PostHead[] }
  | {
      kind: 'changes';
      /** Post files changed or added (all published now). */
      changed: readonly string[];
      /** Post files removed, and the categories (slugs) they were in. */
      removed: readonly string[];
      removedCategories: Iterable<string>;
      /** Each category's name, by slug. */
      categoryNames: ReadonlyMap<string, string>;
    };

export interface PagesDeps {
  config: PostPageSettings;
  /** How post files are read (timezone, cleanup rules). */
  reading: ReadOptions;
  contentDir: string;
  displayDir: string;
  outDir: string;
  pages: Pages;
  cache: BuildCache;
  /** The site's id in the build cache. */
  id: string;
  /** Stands for every input a page has besides its posts: settings and page templates. */
  key: string;
}

export interface PagesOutcome {
  written: string[];
  unchanged: string[];
  removed: string[];
  /** For the build cache, saved with the rest of the build. */
  rows: { put: PageRow[]; forget: string[] };
}

/** Pages rendered and saved at a time: bodies are read per batch and dropped after, so memory stays flat. */
const BATCH = 100;

export async function buildPostPages(deps: PagesDeps, scope: PagesScope): Promise<PagesOutcome> {
  const { config, contentDir, displayDir, cache, id } = deps;
  const pattern = config.feeds.postPath;
  const options = { ...deps.reading, displayDir };
  const enabled = config.feeds.postPages;

  let planned: PlannedPage[];
  let stored: PageRow[];
  let gone: PageRow[];
  /** Each planned post's body, read now (changed posts) or in its batch. */
  let readNow = new Map<string, ReadPost>();
  let heads = new Map<string, PostHead>();
  if (scope.kind === 'all') {
    stored = cache.readPages(id);
    const posts = enabled ? scope.posts : [];
    heads = new Map(posts.map((p) => [p.file, p]));
    planned = planPages(posts, pattern, deps.key);
    const files = new Set(posts.map((p) => p.file));
    gone = stored.filter((row) => !files.has(row.file));
  } else {
    if (!enabled) return { written: [], unchanged: [], removed: [], rows: { put: [], forget: [] } };
    const nameOf = (slug: string, fallback: string) => scope.categoryNames.get(slug) ?? fallback;
    const changed = scope.changed.map((file) =>
      readPostWhole(
        contentDir,
        file,
        (head) => ({ slug: head.slug, category: { slug: head.category.slug, name: nameOf(head.category.slug, head.category.name) } }),
        options,
      ),
    );
    readNow = new Map(changed.map((r) => [r.head.file, r]));
    const categories = new Set([...scope.removedCategories, ...changed.map((r) => r.head.category.slug)]);
    stored = cache.readPages(id, categories);
    const removed = new Set(scope.removed);
    gone = stored.filter((row) => removed.has(row.file));
    const kept: PagePost[] = stored
      .filter((row) => !removed.has(row.file) && !readNow.has(row.file))
      .map((row) => postOfRow(row, nameOf(row.categorySlug, row.categoryName)));
    planned = planPages([...kept, ...changed.map((r) => r.head)], pattern, deps.key);
  }

  const byFile = new Map(stored.map((row) => [row.file, row]));
  // A page is current when the last build wrote the same thing to the same place, and it is still there as written.
  const isCurrent = (page: PlannedPage) => {
    const row = byFile.get(page.post.file);
    if (row === undefined || row.path !== page.path || row.print !== page.print) return false;
    if (scope.kind === 'changes') return true;
    try {
      const stat = statSync(path.join(deps.outDir, ...page.path.split('/')));
      return stat.size === row.size && stat.mtimeMs === row.mtimeMs;
    } catch {
      return false;
    }
  };
  const toRender = planned.filter((page) => !isCurrent(page));
  const rendering = new Set(toRender);
  const unchanged = planned.filter((page) => !rendering.has(page)).map((p) => p.path);

  const outcome: PagesOutcome = { written: [], unchanged, removed: [], rows: { put: [], forget: [] } };
  /** Saves a rendered batch and records its rows. */
  const save = async (batch: readonly PlannedPage[], files: OutputFile[]) => {
    // Not precompressed: a page is read far less often than a feed is polled, and the server compresses
    // it per request (a .gz and a .br per page tripled a cold build's files and doubled its time).
    const saved = await saveFiles(deps.outDir, files, { durable: false });
    outcome.written.push(...saved.written);
    outcome.unchanged.push(...saved.unchanged);
    for (const page of batch) outcome.rows.put.push(rowOf(page, statSync(path.join(deps.outDir, ...page.path.split('/')))));
  };
  for (let start = 0; start < toRender.length; start += BATCH) {
    const batch = toRender.slice(start, start + BATCH);
    const missing = batch.filter((page) => !readNow.has(page.post.file));
    const fromHeads = missing.filter((page) => heads.has(page.post.file)).map((page) => heads.get(page.post.file)!);
    const read = new Map((await readBodies(contentDir, fromHeads, options)).map((r) => [r.head.file, r]));
    for (const page of missing) {
      if (read.has(page.post.file)) continue;
      // A neighbour an incremental build kept: read whole, as published before.
      const { slug, category } = page.post;
      read.set(
        page.post.file,
        readPostWhole(contentDir, page.post.file, () => ({ slug, category }), options),
      );
    }
    const files = batch.map((page) => {
      const { post } = readNow.get(page.post.file) ?? read.get(page.post.file)!;
      const body = renderPostPage(deps.pages, { post, entry: toEntry(post, config), previous: page.previous, next: page.next }, config);
      return { path: page.path, body };
    });
    // One batch written at a time, in order: a failed write stops the build before the next.
    await save(batch, files);
  }

  // Pages of posts gone, or moved (a new slug): only files a build wrote, with their compressed copies.
  const inUse = new Set(planned.map((p) => p.path));
  const pathNow = new Map(planned.map((p) => [p.post.file, p.path]));
  const moved = stored.filter((row) => pathNow.has(row.file) && pathNow.get(row.file) !== row.path);
  for (const row of [...gone, ...moved]) {
    if (gone.includes(row)) outcome.rows.forget.push(row.file);
    if (inUse.has(row.path)) continue;
    const file = path.join(deps.outDir, ...row.path.split('/'));
    for (const each of [file, `${file}.gz`, `${file}.br`]) await rm(each, { force: true });
    // The folder the page had to itself (posts/<slug>/), if nothing else is in it.
    if (path.basename(file) === 'index.html') await rmdir(path.dirname(file)).catch(() => {});
    outcome.removed.push(row.path);
  }
  return outcome;
}
