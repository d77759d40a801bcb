// Published posts + a window → the category digest the email renders from. Pure.
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { shownAuthor, type Post } from '../content/schema.js';
import { compareStrings } from '../content/compare.js';
import { hostOf, postUrl } from '../shared/urls.js';

/** A half-open window of publication instants: since ≤ date < until. */
export interface DigestWindow {
  since: Date;
  until: Date;
}

export interface DigestPost {
  slug: string;
  title: string;
  url: string;
  date: string;
  excerpt: string;
  /** Who wrote it: the post's writer (byline), else its author, else the site's. */
  author: string;
  /** The host of the original article a republished post links to ("techcrunch.com"). */
  sourceHost: string | undefined;
  coverImage: string | undefined;
  tags: string[];
  readingMinutes: number;
}

export interface TagCount {
  name: string;
  count: number;
}

export interface DigestSection {
  name: string;
  slug: string;
  postCount: number;
  posts: DigestPost[];
  topTags: TagCount[];
}

export interface Digest {
  /** Stable id of the window in the site's timezone, e.g. "2026-11-23..2026-11-30". */
  id: string;
  since: string;
  until: string;
  timezone: string;
  postCount: number;
  /** Ordered by post count, then name. */
  sections: DigestSection[];
  topTags: TagCount[];
}

/** The site (timezone, URL, author) and `feeds.postPath`, which gives each post's URL. */
export type DigestSettings = Pick<Config, 'site' | 'feeds'>;

const TOP_TAGS = 5;

/** The default window: the seven calendar days up to and including today, in `timezone`. */
export function defaultWindow(now: Date, timezone: string, days = 7): DigestWindow {
  const endOfToday = DateTime.fromJSDate(now, { zone: timezone }).startOf('day').plus({ days: 1 });
  return { since: endOfToday.minus({ days }).toJSDate(), until: endOfToday.toJSDate() };
}

/** The posts (or heads: a build reads the bodies of these only) dated in the window. */
export function postsInWindow<P extends Pick<Post, 'date'>>(posts: readonly P[], window: DigestWindow): P[] {
  const since = window.since.getTime();
  const until = window.until.getTime();
  return posts.filter((p) => p.date.getTime() >= since && p.date.getTime() < until);
}

export function buildDigest(posts: readonly Post[], window: DigestWindow, config: DigestSettings): Digest {
  const tz = config.site.timezone;
  const chosen = postsInWindow(posts, window).sort((a, b) => b.date.getTime() - a.date.getTime() || compareStrings(a.slug, b.slug));
  const sections = new Map<string, { name: string; posts: Post[] }>();
  for (const post of chosen) {
    const section = sections.get(post.category.slug) ?? { name: post.category.name, posts: [] };
    section.posts.push(post);
    sections.set(post.category.slug, section);
  }
  const ordered = [...sections]
    .map(([slug, s]) => ({
      name: s.name,
      slug,
      postCount: s.posts.length,
      posts: s.posts.map((p) => toDigestPost(p, config)),
      topTags: topTags(s.posts),
    }))
    .sort(
      (a, b) => b.postCount - a.postCount || compareStrings(a.name.toLocaleLowerCase('en'), b.name.toLocaleLowerCase('en')) || compareStrings(a.slug, b.slug),
    );
  const day = (d: Date) => DateTime.fromJSDate(d, { zone: tz }).toISODate()!;
  return {
    id: `${day(window.since)}..${day(window.until)}`,
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    timezone: tz,
    postCount: chosen.length,
    sections: ordered,
    topTags: topTags(chosen),
  };
}

function toDigestPost(post: Post, config: DigestSettings): DigestPost {
  const url = postUrl(post, config.site.url, config.feeds.postPath);
  return {
    slug: post.slug,
    title: post.title,
    // The card links where feed items do (feeds/build.ts linkOf; not imported: it loads the Markdown renderer).
    url: config.feeds.links === 'source' && post.source !== undefined ? post.source : url,
    date: post.date.toISOString(),
    excerpt: post.excerpt,
    author: shownAuthor(post, config.site.author.name),
    sourceHost: post.source === undefined ? undefined : hostOf(post.source),
    coverImage: post.coverImage === undefined ? undefined : new URL(post.coverImage, url).toString(),
    tags: post.tags,
    readingMinutes: post.readingMinutes,
  };
}

/** Most used tags, case-insensitively, most used first then by name. */
function topTags(posts: readonly Post[]): TagCount[] {
  const counts = new Map<string, TagCount>();
  for (const post of posts) {
    for (const tag of post.tags) {
      const key = tag.toLocaleLowerCase('en');
      const entry = counts.get(key) ?? { name: tag, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || compareStrings(a.name, b.name)).slice(0, TOP_TAGS);
}

/**
 * A window bound typed by a person: a date-only `since` is the start of that day, a date-only `until`
 * the end of that day (so `--until 2026-11-29` includes the 29th); a date-time is taken as it is.
 * Undefined when the text is not a date.
 */
export function parseWindowBound(text: string, bound: 'since' | 'until', timezone: string): Date | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const day = DateTime.fromISO(trimmed, { zone: timezone });
    if (!day.isValid) return undefined;
    return (bound === 'since' ? day : day.plus({ days: 1 })).toJSDate();
  }
  const moment = DateTime.fromISO(trimmed, { zone: timezone, setZone: true });
  return moment.isValid ? moment.toJSDate() : undefined;
}
