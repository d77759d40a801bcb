// Which post pages a build writes: each published post's page path, its neighbours in its category
// (previous and next) and the print of everything its page shows, so a rebuild renders only the pages
// whose print changed (the post itself, or a neighbour's title or place). Pure (the build cache keeps
// the rows).
import { createHash } from 'node:crypto';
import { compareNewestFirst } from '../content/publish.js';
import type { Category, PostHead } from '../content/schema.js';

/** What a page's neighbours and print read of a post. */
export type PagePost = Pick<PostHead, 'file' | 'slug' | 'title' | 'date' | 'hash'> & { category: Category };

/** A neighbour, as a page links to it. */
export interface PageNeighbour {
  slug: string;
  title: string;
  category: Category;
}

/** A page to have on disk: where, for which post, beside which neighbours, and the print of all that. */
export interface PlannedPage<P extends PagePost = PagePost> {
  path: string;
  post: P;
  /** The next older post in its category. */
  previous: PageNeighbour | undefined;
  /** The next newer post in its category. */
  next: PageNeighbour | undefined;
  print: string;
}

/** A page the last build wrote, as the build cache keeps it. */
export interface PageRow {
  file: string;
  path: string;
  categorySlug: string;
  categoryName: string;
  dateMs: number;
  slug: string;
  title: string;
  /** The content hash of the post file version the page was rendered from. */
  hash: string;
  print: string;
  size: number;
  mtimeMs: number;
}

/**
 * The page's file under the out folder: `feeds.postPath` with `:slug` and `:category` filled in as
 * postUrl() fills them (percent-encoded, as the server decodes them), `index.html` in a folder path.
 */
export function pagePathOf(post: { slug: string; category: { slug: string } }, pattern: string): string {
  const filled = pattern.replaceAll(':slug', encodeURIComponent(post.slug)).replaceAll(':category', encodeURIComponent(post.category.slug));
  const relative = decodeURIComponent(filled.replace(/^\/+/, ''));
  return relative === '' || relative.endsWith('/') ? `${relative}index.html` : relative;
}

/**
 * Every page of these posts (whole categories: a page's neighbours come from its category), newest
 * first within each. `key` stands for every input the posts do not carry (settings, templates).
 */
export function planPages<P extends PagePost>(posts: readonly P[], pattern: string, key: string): PlannedPage<P>[] {
  const byCategory = new Map<string, P[]>();
  for (const post of posts) {
    const list = byCategory.get(post.category.slug);
    if (list) list.push(post);
    else byCategory.set(post.category.slug, [post]);
  }
  const planned: PlannedPage<P>[] = [];
  for (const list of byCategory.values()) {
    list.sort(compareNewestFirst);
    for (const [i, post] of list.entries()) {
      const previous = neighbour(list[i + 1]);
      const next = neighbour(list[i - 1]);
      // Fields listed one by one: an object's JSON depends on the order its keys were set in, which differs
      // between a head and a row (a full build and an incremental one then disagreed on every print).
      const link = (n: PageNeighbour | undefined) => (n === undefined ? null : [n.slug, n.title, n.category.slug, n.category.name]);
      const print = createHash('sha1')
        .update(JSON.stringify([key, post.hash, post.slug, post.category.slug, post.category.name, link(previous), link(next)]))
        .digest('hex');
      planned.push({ path: pagePathOf(post, pattern), post, previous, next, print });
    }
  }
  return planned;
}

const neighbour = (post: PagePost | undefined): PageNeighbour | undefined =>
  post === undefined ? undefined : { slug: post.slug, title: post.title, category: post.category };

/** The row the build cache keeps for a page written: the page, and its file's size and time as written. */
export function rowOf(page: PlannedPage, file: { size: number; mtimeMs: number }): PageRow {
  const { post } = page;
  return {
    file: post.file,
    path: page.path,
    categorySlug: post.category.slug,
    categoryName: post.category.name,
    dateMs: post.date.getTime(),
    slug: post.slug,
    title: post.title,
    hash: post.hash,
    print: page.print,
    size: file.size,
    mtimeMs: file.mtimeMs,
  };
}

/** A kept row as the post it stands for (unchanged since the build that wrote it). */
export function postOfRow(row: PageRow, categoryName = row.categoryName): PagePost {
  return {
    file: row.file,
    slug: row.slug,
    title: row.title,
    date: new Date(row.dateMs),
    hash: row.hash,
    category: { slug: row.categorySlug, name: categoryName },
  };
}
