// A build with work to do: incremental when the last build's index allows, else full; then render and
// save what changed. Loaded by build() (core/build.ts) only when the post files or inputs changed.
import path from 'node:path';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { loadPosts } from '../content/load.js';
import { readBodies, type ReadPost } from '../content/read-bodies.js';
import { readPostFile } from '../content/read-entries.js';
import { cacheEntryOf, contentHash, type CacheEntry } from '../content/cache-entry.js';
import { scanOf, type Scan } from '../content/scan.js';
import { publishPosts } from '../content/publish.js';
import { outputsIntact, statOutputs, type BuildState } from '../output/build-state.js';
import { FEED_FILES, type FeedChannel, type FeedEntry } from '../feeds/model.js';
import { buildDigest, postsInWindow } from '../digest/build.js';
import { toErrorRecord } from '../errors.js';
import { buildFeedFiles, channelsOf, groupChannels, toEntry, type ChannelGroup, type OutputFile } from '../feeds/build.js';
import { incompleteChannel, indexOfBuild, planIncremental, type BuildIndex, type IncrementalPlan } from '../output/build-index.js';
import { parseHead, type ReadOptions } from '../content/front-matter.js';
import type { PostHead } from '../content/schema.js';
import { saveFiles } from '../output/save.js';
import { makeFolder } from '../output/mkdir.js';
import { loadPages, renderFeedPage, type Pages } from '../web/pages.js';
import { toSlug } from '../content/slug.js';
import { frontAndCategoryPages, type PageToWrite } from './site-pages.js';
import { buildPostPages, type PagesOutcome, type PagesScope } from './build-pages.js';
import { fromSummary, sha1, type BuildJob, type BuildSummary } from './build-job.js';
import { filesFingerprint, short, type CoreContext } from './context.js';
import type { BuildReport } from './types.js';

export async function buildSite(ctx: CoreContext, job: BuildJob): Promise<BuildReport> {
  const { config, contentDir, outDir, displayDir, templatesDir, log, loadPublished, reading, readingKey } = ctx;
  const { options, now, window, inputsKey, id, cache, state, scanned } = job;
  const base = { contentDir, outDir };

  // The bodies read so far this build: each shown post's, once.
  const read = new Map<string, ReadPost>();
  /** The posts of these heads, bodies read: the one step of a build that reads bodies. */
  async function withBodies(heads: readonly PostHead[]): Promise<ReadPost[]> {
    const missing = heads.filter((head) => !read.has(head.file));
    for (const r of await readBodies(contentDir, missing, { ...reading, displayDir })) read.set(r.head.file, r);
    return heads.map((head) => read.get(head.file)!);
  }
  /** The digest of the window, from the posts (with bodies) dated in it. */
  const digestOf = async (posts: readonly PostHead[]) =>
    buildDigest(
      (await withBodies(postsInWindow(posts, window))).map((r) => r.post),
      window,
      config,
    );

  // Every input of a post page besides its posts: the settings it shows and the page templates.
  const pagesKey = sha1(JSON.stringify([readingKey, config.site, config.feeds, filesFingerprint(path.join(templatesDir, 'pages'))]));
  const postPages = (pages: Pages, scope: PagesScope): Promise<PagesOutcome> =>
    buildPostPages({ config, reading, contentDir, displayDir, outDir, pages, cache, id, key: pagesKey }, scope);
  /** What an incremental build changed, for the post pages: the changes since the last full build. */
  const changesOf = (index: BuildIndex, plan: Extract<IncrementalPlan, { ok: true }>): PagesScope => {
    const removed = new Set(plan.removed);
    return {
      kind: 'changes',
      changed: plan.changed,
      removed: plan.removed,
      removedCategories: index.files.filter(([file, , , , category]) => removed.has(file) && category !== null).map(([, , , , category]) => toSlug(category!)),
      categoryNames: plan.categoryNames,
    };
  };

  const early = job.fullBecause === undefined && state && scanned ? await incrementally(state, scanned) : { reason: job.fullBecause ?? 'no earlier build' };
  if ('report' in early) return early.report;
  // The reason is reported, so a publisher can tell why a rebuild took long.
  log.debug({ reason: early.reason }, 'full build');
  return fullBuild(early.reason);

  /** Incremental or partial, when the last build's index allows: else why not. */
  async function incrementally(state: BuildState<BuildSummary>, scanned: Scan): Promise<{ report: BuildReport } | { reason: string }> {
    const key = sha1(JSON.stringify([scanned.fingerprint, inputsKey]));
    if (options.strict) return { reason: '--strict checks every post' };
    // Read together: the state and the index of one build, not one from a build that finished meanwhile.
    const last = cache.readLastBuild<BuildSummary>(id);
    if (last.state?.key !== state.key) return { reason: 'the build cache changed since this build began (another build, or a damaged file rebuilt)' };
    const { index } = last;
    if (!index) return { reason: 'no build index' };
    if (index.inputsKey !== inputsKey) return { reason: 'settings, options, page templates or the digest week changed' };
    const plan = planIncremental(index, scanned, (file) => parseChangedPost(contentDir, file, reading), {
      now,
      options,
      window,
      feeds: config.feeds,
    });
    if (!plan.ok) return { reason: plan.reason };
    // No changed post is, or was, shown by a feed or the digest, and none changed what a list page shows
    // of it (the edit most often made to an old post: its body): no feed, digest or list page changes,
    // only the changed posts' pages. Else the partial build reads the same few posts as for a shown one
    // (and no body); only the list pages listing a changed post change, and the post pages of the changed
    // posts and their neighbours.
    if (plan.unseen && plan.removed.length === 0 && listedAsBefore(plan.changed)) {
      const summary: BuildSummary = { ...state.summary, files: scanned.files.length, published: plan.published };
      const pages = config.feeds.postPages ? await postPages(await loadPages(templatesDir), changesOf(index, plan)) : undefined;
      // Only the state is saved: the post cache keeps the heads the full build read, and the next build,
      // seeing those files changed, reads them again.
      cache.saveBuild(id, {
        state: { key, nextChangeAt: state.nextChangeAt, outputs: state.outputs, channelPrints: state.channelPrints, summary },
        pages: pages?.rows,
      });
      return {
        report: {
          ...base,
          ...fromSummary(summary),
          written: pages?.written ?? [],
          unchanged: [...state.outputs.map((o) => o.path), ...(pages?.unchanged ?? [])],
          removed: pages?.removed ?? [],
          aborted: false,
          mode: 'incremental',
        },
      };
    }
    return partialBuild(state, scanned, index, plan, key);
  }

  /**
   * True when each of these (changed, not added) files shows on a list page exactly what its head in
   * the post cache shows: title, slug, date, category, excerpt, draft. Reads only these files.
   */
  function listedAsBefore(files: readonly string[]): boolean {
    const before = cache.postCache(short(contentDir), readingKey).entries(files);
    // The warnings too: the build reports the last build's, which must still hold.
    const listed = (e: CacheEntry) => {
      const h = e.head!;
      return JSON.stringify([h.title, h.slug, h.date, h.category.name, h.category.slug, h.excerpt, h.draft, e.warnings ?? []]);
    };
    return files.every((file) => {
      const old = before.get(file);
      if (old?.head === undefined) return false;
      let bytes: Buffer;
      try {
        bytes = readPostFile(path.join(contentDir, ...file.split('/')));
      } catch {
        return false;
      }
      const now = cacheEntryOf(file, bytes, { size: bytes.length, mtimeMs: 0 }, contentHash(bytes), reading);
      return now.head !== undefined && listed(now) === listed(old);
    });
  }

  /**
   * Some changed post is, or was, shown: build over the posts any output showed plus the changed
   * ones. Every post it does not read sorts below every full channel's cut-off; it checks that every
   * full channel still reaches that cut-off.
   */
  async function partialBuild(
    state: BuildState<BuildSummary>,
    scanned: Scan,
    index: BuildIndex,
    plan: Extract<IncrementalPlan, { ok: true }>,
    key: string,
  ): Promise<{ report: BuildReport } | { reason: string }> {
    const removed = new Set(plan.removed);
    const wanted = new Set([...index.pinned, ...plan.changed].filter((f) => !removed.has(f)));
    const part = await loadPosts(
      contentDir,
      scanOf(
        scanned.files.filter((f) => wanted.has(f.file)),
        scanned.skipped,
      ),
      {
        ...reading,
        displayDir,
        cache: cache.postCache(short(contentDir), readingKey),
        subset: true,
        readOnly: plan.unseen,
      },
    );
    if (part.errors.length > 0) return { reason: 'a shown post cannot be read' };
    const every = await publishedHeads(scanned, plan.unseen);
    const inPart = publishPosts(part.posts, {
      drafts: options.drafts ?? false,
      future: options.future ?? false,
      now,
      describeFile: (file) => path.join(displayDir, file),
      categoryNames: plan.categoryNames,
    });
    // Slug collisions are settled over every post ("-2" may be taken by one not read here). A shown post's
    // edit builds in full then; an unseen one (which keeps its slug, takes none in use, and whose removal
    // frees none: planIncremental checks) takes the slugs every post settles.
    if (inPart.warnings.length > 0 && !plan.unseen) return { reason: 'posts share a slug' };
    const published = inPart.warnings.length > 0 ? { posts: every.posts.filter((p) => wanted.has(p.file)) } : inPart;
    const groups = groupChannels(published.posts, config.feeds);
    const incomplete = incompleteChannel(index, groups, config.feeds.limit);
    if (incomplete !== undefined) return { reason: `a post left the feed of ${incomplete}, and the next one down was not read` };
    const summary: BuildSummary = {
      ...state.summary,
      files: scanned.files.length,
      published: plan.published,
      // The skipped files (the same as the last build's: planIncremental checks), every post's warnings, then the slug collisions.
      warnings: every.allWarnings.map(toErrorRecord),
      channels: groups.length,
      digest: await digestOf(published.posts),
    };
    const { report } = await renderSite({
      posts: published.posts,
      groups,
      listed: every.posts,
      summary,
      key,
      nextChangeAt: state.nextChangeAt,
      pages: changesOf(index, plan),
    });
    return { report: { ...report, mode: 'incremental' } };
  }

  /**
   * List pages rendered and saved a hundred at a time: their HTML is not all held at once (10,000 pages at
   * 50,000 posts, each a rope of Liquid's output until written).
   */
  async function saveListPages(pages: readonly PageToWrite[]) {
    const report = { written: [] as string[], unchanged: [] as string[] };
    for (let start = 0; start < pages.length; start += 100) {
      const batch = pages.slice(start, start + 100).map((page) => ({ path: page.path, body: page.render() }));
      const saved = await saveFiles(outDir, batch, { durable: false });
      report.written.push(...saved.written);
      report.unchanged.push(...saved.unchanged);
    }
    return report;
  }

  /**
   * Every published post's head, for the list pages (which list them all): from the post cache, only the
   * changed files parsed, no body read. Published as a full build publishes them.
   */
  async function publishedHeads(scanned: Scan, readOnly: boolean) {
    const all = await loadPosts(contentDir, scanned, {
      ...reading,
      displayDir,
      cache: cache.postCache(short(contentDir), readingKey),
      readOnly,
    });
    const published = publishPosts(all.posts, {
      drafts: options.drafts ?? false,
      future: options.future ?? false,
      now,
      describeFile: (file) => path.join(displayDir, file),
    });
    // The report's warnings, as a full build gives them: the skipped files and every post's (not only the read ones'), then the slug collisions.
    return { ...published, allWarnings: [...all.warnings, ...published.warnings] };
  }

  /** Every post (changed ones read and parsed, the rest from the post cache), every output, a new index. */
  async function fullBuild(reason: string): Promise<BuildReport> {
    const { loaded, published } = await loadPublished(options, scanned, cache);
    const { scan } = loaded;
    const groups = groupChannels(published.posts, config.feeds);
    const summary: BuildSummary = {
      files: loaded.files,
      published: published.posts.length,
      errors: loaded.errors.map(toErrorRecord),
      warnings: [...loaded.warnings, ...published.warnings].map(toErrorRecord),
      skipped: published.skipped,
      channels: groups.length,
      digest: await digestOf(published.posts),
    };
    if (options.strict && (loaded.errors.length > 0 || loaded.warnings.length > 0 || published.warnings.length > 0)) {
      return { ...base, ...fromSummary(summary), written: [], unchanged: [], aborted: true, mode: 'full', reason };
    }
    const future = options.future ? [] : loaded.posts.filter((p) => p.date > now && (!p.draft || options.drafts)).map((p) => p.date.getTime());
    const { report } = await renderSite({
      posts: published.posts,
      groups,
      listed: published.posts,
      summary,
      key: sha1(JSON.stringify([scan.fingerprint, inputsKey])),
      nextChangeAt: future.length > 0 ? new Date(Math.min(...future)).toISOString() : null,
      pages: { kind: 'all', posts: published.posts },
      indexWith: (pinned) => {
        for (const file of slugCollisionFiles(loaded.posts, published.posts)) pinned.add(file);
        return indexOfBuild({
          inputsKey,
          files: scan.files,
          skipped: scan.skipped,
          published: published.posts,
          parsed: loaded.posts,
          groups,
          limit: config.feeds.limit,
          pinned,
        });
      },
    });
    return { ...report, mode: 'full', reason };
  }

  /**
   * Render and save every output from the published posts (all of them, or on a partial build the
   * shown and changed ones), then record the build (state, the index a full build makes from the posts
   * some output shows, the feed entries) in one transaction. Channels whose content is unchanged, with
   * their files in place, are not rendered again.
   */
  async function renderSite(input: {
    posts: readonly PostHead[];
    groups: readonly ChannelGroup[];
    /** Every published post (a partial build's posts are only some): the list pages list them all. */
    listed: readonly PostHead[];
    summary: BuildSummary;
    key: string;
    nextChangeAt: string | null;
    /** Which posts' pages to reconsider. */
    pages: PagesScope;
    indexWith?: (pinned: Set<string>) => BuildIndex;
  }) {
    // A rendered feed entry (Markdown → sanitized HTML is the costly part of a feed) is kept under the
    // post file's content hash and everything else it depends on.
    const entryConfig = short(JSON.stringify([readingKey, config.site, config.feeds]));
    const entryKey = (head: PostHead) => `${head.hash}|${head.slug}|${head.category.name}|${entryConfig}`;
    const shown = [...new Map(input.groups.flatMap((g) => g.posts.slice(0, config.feeds.limit)).map((p) => [p.file, p])).values()];
    const stored = cache.readEntries(id, shown.map(entryKey));
    // Bodies are read only for the shown posts whose entry is not kept.
    const bodies = new Map((await withBodies(shown.filter((head) => !stored.has(entryKey(head))))).map((r) => [r.head.file, r]));
    const used = new Set<string>();
    const rendered = new Map<string, FeedEntry>();
    // Posts an output shows: an incremental build never skips past them.
    const pinned = new Set<string>();
    const channels = channelsOf(input.groups, config, (head) => {
      pinned.add(head.file);
      const r = bodies.get(head.file);
      // Keyed by the version read, which is the head's unless the file changed during the build.
      const key = entryKey(r?.head ?? head);
      used.add(key);
      const kept = stored.get(key);
      if (kept) return kept;
      const entry = toEntry(r!.post, config);
      rendered.set(key, entry);
      return entry;
    });
    for (const post of postsInWindow(input.posts, window)) pinned.add(post.file);
    const summary = { ...input.summary, channels: channels.length };
    const prints = Object.fromEntries(channels.map((c) => [c.dir, createHash('sha1').update(JSON.stringify(c)).digest('hex')]));
    const feedFiles = (c: FeedChannel) => Object.values(FEED_FILES).map((f) => (c.dir ? `${c.dir}/${f}` : f));
    // A channel whose content is the same as last time, with its files still in place, is not rendered again.
    const isCurrent = (c: FeedChannel) =>
      state?.channelPrints[c.dir] === prints[c.dir] &&
      outputsIntact(
        outDir,
        state!.outputs.filter((o) => feedFiles(c).includes(o.path)),
      );
    const pages = await loadPages(templatesDir);
    // The output folder first: an unusable --out is reported as itself, not as the first page's folder.
    await makeFolder(outDir);
    // Pages are not among the outputs a build where nothing changed stats: the build cache keeps them.
    const postPagesDone = await postPages(pages, input.pages);
    // The front page, category pages and 404.html. They list every post, but from its head: a post no feed
    // or digest shows is not pinned, and its edit rewrites only the list pages showing it.
    const site = frontAndCategoryPages({
      pages,
      groups: input.posts === input.listed ? input.groups : groupChannels(input.listed, config.feeds),
      channels,
      config,
      inputsKey,
      outDir,
      previous: state,
    });
    const feeds: OutputFile[] = [
      ...buildFeedFiles(channels, config, (c) => !isCurrent(c)),
      { path: 'digest.json', body: `${JSON.stringify(summary.digest, null, 2)}\n` },
      { path: 'feed.xsl', body: pages.feedXsl },
      ...channels.map((c) => ({ path: c.dir ? `${c.dir}/feed.html` : 'feed.html', body: renderFeedPage(pages, c, c.urls.rss, config) })),
    ];
    const paths = new Set([...feeds.map((f) => f.path), ...site.pages.map((p) => p.path)]);
    // Feeds are polled: synced to disk, with compressed copies so no request compresses one. The list
    // pages (thousands at 10,000 posts) are read far less: written plain (the server compresses them per
    // request) and without waiting for the disk (a build that finds one not as it left it writes it again).
    const saved = await Promise.all([saveFiles(outDir, feeds, { precompress: true }), saveListPages(site.pages)]).then(([a, b]) => ({
      written: [...a.written, ...b.written],
      unchanged: [...a.unchanged, ...b.unchanged],
    }));
    const kept = channels
      .filter(isCurrent)
      .flatMap(feedFiles)
      .concat('feeds.opml', site.kept)
      .filter((p) => !paths.has(p));
    const outputs = [...paths, ...kept];
    const inOutputs = new Set(outputs);
    // A category or tag that lost its last post: the files the previous build wrote for it go, so
    // readers get a 404 rather than a feed frozen in time. Only files Broadsheet itself wrote are removed.
    const removed = (state?.outputs ?? []).map((o) => o.path).filter((p) => !inOutputs.has(p));
    for (const stale of removed) {
      const file = path.join(outDir, ...stale.split('/'));
      // With the compressed copies saveFiles keeps beside it.
      for (const each of [file, `${file}.gz`, `${file}.br`]) await rm(each, { force: true });
    }
    cache.saveBuild(id, {
      state: { key: input.key, nextChangeAt: input.nextChangeAt, outputs: statOutputs(outDir, outputs), channelPrints: { ...prints, ...site.prints }, summary },
      index: input.indexWith?.(pinned),
      entries: { used, rendered },
      pages: postPagesDone.rows,
    });
    const report = {
      ...base,
      ...fromSummary(summary),
      written: [...saved.written, ...postPagesDone.written],
      unchanged: [...saved.unchanged, ...kept.filter((p) => p !== 'feeds.opml'), ...postPagesDone.unchanged],
      removed: [...removed, ...postPagesDone.removed],
      aborted: false,
    };
    return { report };
  }
}

/**
 * A changed post's head, for the incremental check (undefined: unreadable, refused or invalid): the head,
 * not the front matter alone, since its date may come from its body (the page's posted time).
 */
function parseChangedPost(contentDir: string, file: string, reading: ReadOptions): PostHead | undefined {
  let bytes: Buffer;
  try {
    bytes = readPostFile(path.join(contentDir, ...file.split('/')));
  } catch {
    return undefined;
  }
  const result = parseHead(file, bytes, contentHash(bytes), reading);
  return result.ok ? result.head : undefined;
}

/** Files of posts whose slugs collided: those that got a suffix, and those that kept the slug. */
function slugCollisionFiles(parsed: readonly PostHead[], published: readonly PostHead[]): string[] {
  const parsedSlug = new Map(parsed.map((p) => [p.file, p.slug]));
  const owner = new Map(published.map((p) => [p.slug, p.file]));
  return published.flatMap((p) => {
    const slug = parsedSlug.get(p.file);
    return slug === undefined || slug === p.slug ? [] : [p.file, owner.get(slug) ?? p.file];
  });
}
