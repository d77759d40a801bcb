// What a later build needs to tell, from the few post files that changed, that no output changes:
// each post file's stat, published slug and category; the posts some output shows; where each feed's
// newest-N list ends; and the category spellings in use. Pure (the build cache keeps it).
//
// The rule it serves: a post that no output shows, edited (or added, or removed) so that it still
// shows nowhere, changes nothing but counts. Anything less certain is left to a full build.
import { compareStrings } from '../content/compare.js';
import type { Post, PostHead } from '../content/schema.js';
import type { DigestWindow } from '../digest/build.js';
import { channelDirsOf, type ChannelGroup, type FeedSettings } from '../feeds/build.js';
import type { Scan, ScannedFile } from '../content/scan.js';
import { toSlug } from '../content/slug.js';

/** [file, size, mtimeMs, published slug (null: draft, future, invalid or unreadable), category name]. */
export type IndexedFile = [file: string, size: number, mtimeMs: number, slug: string | null, category: string | null];

/** The last post a full feed shows, [date ms, slug, file]; null when the feed has room for more. */
export type Cutoff = [dateMs: number, slug: string, file: string] | null;

export interface BuildIndex {
  /** Hash of every input but the post files (configuration, options, templates, digest window). */
  inputsKey: string;
  /** Sorted by file name, as the post files are listed. */
  files: IndexedFile[];
  /** Files and folders the build skipped, as `file\treason`, sorted: their warnings are in its report. */
  skipped: string[];
  /** Published posts. */
  published: number;
  /** Post files that some output shows (a feed's newest N, the digest) or that a warning names. */
  pinned: string[];
  /** By channel folder ("" for the site). */
  cutoffs: Record<string, Cutoff>;
  /** Published posts per category slug, per spelling of its name (the most used one names it). */
  spellings: Record<string, Record<string, number>>;
}

export function indexOfBuild(input: {
  inputsKey: string;
  files: readonly ScannedFile[];
  skipped: Scan['skipped'];
  published: readonly PostHead[];
  /** Every valid post as parsed: its category name as written (publishing gives it the most used spelling). */
  parsed: readonly PostHead[];
  groups: readonly ChannelGroup[];
  limit: number;
  /** Files shown by an output or named by a warning. */
  pinned: Iterable<string>;
}): BuildIndex {
  const byFile = new Map(input.published.map((p) => [p.file, p]));
  const written = new Map(input.parsed.map((p) => [p.file, p.category.name]));
  const writtenCategory = (post: PostHead) => written.get(post.file) ?? post.category.name;
  const spellings: Record<string, Record<string, number>> = {};
  for (const post of input.published) {
    const counts = (spellings[post.category.slug] ??= {});
    counts[writtenCategory(post)] = (counts[writtenCategory(post)] ?? 0) + 1;
  }
  const cutoffs: Record<string, Cutoff> = {};
  for (const group of input.groups) {
    const last = group.posts.length > input.limit ? group.posts[input.limit - 1]! : undefined;
    cutoffs[group.dir] = last === undefined ? null : [last.date.getTime(), last.slug, last.file];
  }
  return {
    inputsKey: input.inputsKey,
    published: input.published.length,
    files: input.files.map(({ file, size, mtimeMs }) => {
      const post = byFile.get(file);
      return [file, size, mtimeMs, post?.slug ?? null, post ? writtenCategory(post) : null];
    }),
    skipped: skippedLines(input.skipped),
    pinned: [...new Set(input.pinned)].sort(),
    cutoffs,
    spellings,
  };
}

export interface ChangeContext {
  now: Date;
  options: { drafts?: boolean | undefined; future?: boolean | undefined };
  window: DigestWindow;
  feeds: FeedSettings['feeds'];
}

export type IncrementalPlan =
  | {
      ok: true;
      /** Published posts now. */
      published: number;
      /** True when no changed post was shown, or would be: no output changes at all. */
      unseen: boolean;
      /** Files changed or added since the indexed build (all now published posts). */
      changed: string[];
      /** Files removed since the indexed build. */
      removed: string[];
      /** Each category's name (its most used spelling over every published post), by slug. */
      categoryNames: Map<string, string>;
    }
  | { ok: false; reason: string };

/** Most files a build tries to account for one by one before it simply rebuilds. */
const MAX_CHANGES = 200;

/**
 * What changed since the indexed (full) build, and whether a build may stop short of a full one:
 * every changed post published before and after, keeping its slug and category spelling; added
 * posts taking no slug in use and no new spelling; removals renaming no category. Then `unseen` says
 * whether the changed posts are shown nowhere, before or after (older than the cut-off of every
 * channel they belong to, outside the digest window): if so, no output changes.
 *
 * The index is never updated here: every check weighs all the changes since that build, so it holds
 * however many incremental builds came between. `parse` reads one changed or added file (undefined:
 * invalid or unreadable). Any doubt answers `ok: false` with the reason, and the caller builds in full
 * (which writes a new index).
 */
export function planIncremental(
  index: BuildIndex,
  scan: Pick<Scan, 'files' | 'skipped'>,
  parse: (file: string) => Pick<PostHead, 'slug' | 'category' | 'date' | 'draft' | 'tags'> | undefined,
  context: ChangeContext,
): IncrementalPlan {
  // The report carries a warning per skipped file: a change there is a change to the report.
  const skipped = skippedLines(scan.skipped);
  if (skipped.length !== index.skipped.length || skipped.some((line, i) => line !== index.skipped[i])) {
    return { ok: false, reason: 'the files skipped in the content folder changed' };
  }
  const { files } = scan;
  // Both lists are sorted by file name: one merge finds what changed, without a map of every file (an
  // index out of order would hide changes from it).
  for (let k = 1; k < index.files.length; k++) {
    if (!(index.files[k - 1]![0] < index.files[k]![0])) return { ok: false, reason: 'the build index is out of order' };
  }
  const changed: Array<{ file: string; before: IndexedFile | undefined }> = [];
  const removed: IndexedFile[] = [];
  let i = 0;
  for (const { file, size, mtimeMs } of files) {
    while (i < index.files.length && index.files[i]![0] < file) removed.push(index.files[i++]!);
    const before = index.files[i]?.[0] === file ? index.files[i++] : undefined;
    if (before === undefined || before[1] !== size || before[2] !== mtimeMs) changed.push({ file, before });
    if (changed.length + removed.length > MAX_CHANGES) return { ok: false, reason: `more than ${MAX_CHANGES} post files changed` };
  }
  while (i < index.files.length) removed.push(index.files[i++]!);
  if (changed.length + removed.length > MAX_CHANGES) return { ok: false, reason: `more than ${MAX_CHANGES} post files changed` };

  const pinned = new Set(index.pinned);
  const spellings = structuredClone(index.spellings);
  let slugsInUse: Set<string> | undefined; // only an added post needs them
  const slugs = () => (slugsInUse ??= new Set(index.files.map((f) => f[3]).filter((s): s is string => s !== null)));
  let published = index.published;
  let unseen = true;

  for (const [file, , , slug, category] of removed) {
    if (slug === null || category === null) return { ok: false, reason: `${file} (removed) was a draft, a future or an invalid post` };
    if (pinned.has(file)) unseen = false;
    const categorySlug = toSlug(category);
    const before = canonicalSpelling(spellings, categorySlug);
    const counts = spellings[categorySlug];
    if (counts?.[category] === undefined) return { ok: false, reason: `${file} has a category the index does not know` };
    counts[category] -= 1;
    if (counts[category] === 0) delete counts[category];
    if (canonicalSpelling(spellings, categorySlug) !== before) {
      return { ok: false, reason: `removing ${file} renames its category` };
    }
    slugs().delete(slug);
    published--;
  }

  for (const { file, before } of changed) {
    if (before !== undefined && before[3] === null) return { ok: false, reason: `${file} was a draft, a future or an invalid post` };
    if (before !== undefined && pinned.has(file)) unseen = false;
    const fields = parse(file);
    if (fields === undefined) return { ok: false, reason: `${file} is not a valid post now` };
    const isPublished = !(fields.draft && !context.options.drafts) && !(fields.date > context.now && !context.options.future);
    if (!isPublished) return { ok: false, reason: `${file} is a draft or dated in the future now` };
    if (before !== undefined) {
      if (fields.slug !== before[3] || fields.category.name !== before[4]) return { ok: false, reason: `${file} changed its slug or its category` };
    } else {
      if (slugs().has(fields.slug)) return { ok: false, reason: `${file} takes a slug already in use` };
      const counts = spellings[fields.category.slug];
      if (counts === undefined || canonicalSpelling(spellings, fields.category.slug) !== fields.category.name) {
        return { ok: false, reason: `${file} brings a new category, or a spelling of one that could rename it` };
      }
      counts[fields.category.name] = (counts[fields.category.name] ?? 0) + 1;
      slugs().add(fields.slug);
      published++;
    }
    const at = fields.date.getTime();
    if (at >= context.window.since.getTime() && at < context.window.until.getTime()) unseen = false;
    for (const dir of channelDirsOf(fields, context.feeds)) {
      const cutoff = index.cutoffs[dir];
      // A channel that does not exist yet, or has room: the post would show there.
      if (cutoff === undefined || cutoff === null || !sortsAfter([at, fields.slug, file], cutoff)) unseen = false;
    }
  }
  const categoryNames = new Map(
    Object.keys(spellings)
      .map((slug) => [slug, canonicalSpelling(spellings, slug)!] as const)
      .filter(([, name]) => name !== undefined),
  );
  return { ok: true, published, unseen, changed: changed.map((c) => c.file), removed: removed.map((r) => r[0]), categoryNames };
}

/**
 * On a partial build (the shown and changed posts only), whether each channel still got its true
 * newest posts: a channel that was full must again be full, and reach no further down than its old
 * cut-off (below it are posts the partial build did not read). Returns the first channel that fails.
 */
export function incompleteChannel(
  index: BuildIndex,
  groups: ReadonlyArray<{ dir: string; posts: ReadonlyArray<Pick<Post, 'date' | 'slug' | 'file'>> }>,
  limit: number,
): string | undefined {
  const byDir = new Map(groups.map((g) => [g.dir, g]));
  for (const [dir, cutoff] of Object.entries(index.cutoffs)) {
    if (cutoff === null) continue;
    const group = byDir.get(dir);
    const last = group?.posts[limit - 1];
    if (last === undefined || sortsAfter([last.date.getTime(), last.slug, last.file], cutoff)) return dir || 'the site';
  }
  return undefined;
}

/** compareNewestFirst over [date ms, slug, file]: true when `a` comes after `b`. */
function sortsAfter(a: [number, string, string], b: [number, string, string]): boolean {
  return (b[0] - a[0] || compareStrings(a[1], b[1]) || compareStrings(a[2], b[2])) > 0;
}

function skippedLines(skipped: Scan['skipped']): string[] {
  return skipped.map((s) => `${s.file}\t${s.reason}`);
}

function canonicalSpelling(spellings: BuildIndex['spellings'], slug: string): string | undefined {
  const counts = Object.entries(spellings[slug] ?? {});
  return counts.sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]))[0]?.[0];
}
