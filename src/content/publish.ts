// Which parsed posts are published, in what order, under which unique slugs. Pure.
import { ContentError } from '../errors.js';
import { compareStrings } from './compare.js';
import type { Category, PostHead } from './schema.js';

/** What publishing reads of a post: heads are published, and posts (with bodies) in tests. */
export type Publishable = Pick<PostHead, 'file' | 'slug' | 'date' | 'draft' | 'category'>;

export interface PublishOptions {
  /** Include posts marked `draft: true`. */
  drafts: boolean;
  /** Include posts dated after `now`. */
  future: boolean;
  now: Date;
  /** How reports name a post's file (e.g. with the content folder in front); default: as stored. */
  describeFile?: (file: string) => string;
  /** Category names by slug, decided over more posts than these (a partial build reads only some). */
  categoryNames?: ReadonlyMap<string, string>;
}

export interface Published<P extends Publishable = PostHead> {
  /** Newest first, then by slug. */
  posts: P[];
  warnings: ContentError[];
  /** Posts left out, with why (drafts, future). Not problems: reported as counts. */
  skipped: { drafts: number; future: number };
}

/** Newest first; ties broken by slug, then file, so order never depends on the file system. */
export function compareNewestFirst(a: Pick<PostHead, 'date' | 'slug' | 'file'>, b: Pick<PostHead, 'date' | 'slug' | 'file'>): number {
  return b.date.getTime() - a.date.getTime() || compareStrings(a.slug, b.slug) || compareStrings(a.file, b.file);
}

export function publishPosts<P extends Publishable>(parsed: readonly P[], options: PublishOptions): Published<P> {
  const skipped = { drafts: 0, future: 0 };
  const kept = parsed.filter((post) => {
    if (post.draft && !options.drafts) {
      skipped.drafts++;
      return false;
    }
    if (post.date.getTime() > options.now.getTime() && !options.future) {
      skipped.future++;
      return false;
    }
    return true;
  });
  const warnings: ContentError[] = [];
  const deduped = assignUniqueSlugs(kept, warnings, options.describeFile ?? ((f) => f));
  const categorised = unifyCategoryNames(deduped, options.categoryNames);
  return { posts: categorised.sort(compareNewestFirst), warnings, skipped };
}

/**
 * Posts whose slugs collide all stay published: the earliest (by date, then path) keeps the slug,
 * each later one gets "-2", "-3", … and a warning naming both files.
 */
function assignUniqueSlugs<P extends Publishable>(posts: readonly P[], warnings: ContentError[], describeFile: (file: string) => string): P[] {
  const oldestFirst = [...posts].sort((a, b) => a.date.getTime() - b.date.getTime() || compareStrings(a.file, b.file));
  const owners = new Map<string, P>();
  const taken = new Set(posts.map((p) => p.slug));
  const result: P[] = [];
  for (const post of oldestFirst) {
    const owner = owners.get(post.slug);
    if (!owner) {
      owners.set(post.slug, post);
      result.push(post);
      continue;
    }
    let n = 2;
    while (taken.has(`${post.slug}-${n}`)) n++;
    const slug = `${post.slug}-${n}`;
    taken.add(slug);
    owners.set(slug, post);
    warnings.push(
      new ContentError({
        file: describeFile(post.file),
        field: 'slug',
        message: `"${post.slug}" is already used by ${describeFile(owner.file)}; this post is published as "${slug}"`,
        hint: 'set a distinct `slug:` in one of the two files',
      }),
    );
    result.push({ ...post, slug });
  }
  return result;
}

/** "finance" and "Finance" are one category: its name is the most used spelling (ties: sorted first). */
function unifyCategoryNames<P extends Publishable>(posts: readonly P[], given?: ReadonlyMap<string, string>): P[] {
  const spellings = new Map<string, Map<string, number>>();
  for (const post of posts) {
    const counts = spellings.get(post.category.slug) ?? new Map<string, number>();
    counts.set(post.category.name, (counts.get(post.category.name) ?? 0) + 1);
    spellings.set(post.category.slug, counts);
  }
  const canonical = new Map<string, Category>();
  for (const [slug, counts] of spellings) {
    const [name] = [...counts].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]))[0]!;
    canonical.set(slug, { name: given?.get(slug) ?? name, slug });
  }
  return posts.map((post) => {
    const category = canonical.get(post.category.slug)!;
    return category.name === post.category.name ? post : { ...post, category };
  });
}
