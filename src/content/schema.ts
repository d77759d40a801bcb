// The post model and its front matter schema: what a valid post is, in one place.
import { DateTime } from 'luxon';
import * as z from 'zod';

/** A category: its display name and the slug used in URLs and as its identity. */
export interface Category {
  name: string;
  slug: string;
}

/**
 * A post with its body: what feeds and digests render. Plain data, made by reading the body of a
 * post's head (content/read-bodies.ts), or by parsePost in one step.
 */
export interface Post {
  /** Path of the source file relative to the content folder, with `/` separators. */
  file: string;
  /** URL slug, unique among published posts. */
  slug: string;
  /** Plain text, one line. */
  title: string;
  /** Publication instant. */
  date: Date;
  /** Last significant update, when the front matter gives one. */
  updated: Date | undefined;
  /** Plain-text summary: the front matter's, cleaned, or derived from the body. */
  excerpt: string;
  /** Cover image URL as written (absolute, or relative to the post's page). */
  coverImage: string | undefined;
  /** Who the front matter names: the site's writer, or the aggregator or curator of a republished article. */
  author: string | undefined;
  /**
   * Who wrote the article: the front matter's `byline`, else the byline found in the scraped page's
   * furniture (see content/furniture.ts). Shown as the item's author; `author` is then its curator.
   */
  writer: string | undefined;
  /** The cover image's credit, from the scraped page's furniture ("Image Credits: …"). */
  imageCredit: string | undefined;
  /**
   * The zone the post's time was written in, when the exact time came from the scraped page's posted
   * line ("Posted: 2:11 PM PST"): `zone` for Luxon, `label` as written ("PST"), to show it as the source did.
   */
  dateZone: { zone: string; label: string | undefined } | undefined;
  tags: string[];
  category: Category;
  /** Absolute URL of the original article this post republishes or summarises. */
  source: string | undefined;
  draft: boolean;
  /** Markdown body, scraped noise already cleaned. */
  body: string;
  wordCount: number;
  readingMinutes: number;
}

/**
 * Where the article lies in a body: 0-based line indices of the lines from `start` (inclusive) to `end`
 * (exclusive), less the `gaps` (removed lines in between). Kept with a post's head, so its body, read
 * later from the same bytes, is cut the same way without running the rules again (see articleOf).
 */
export interface ArticleSpan {
  start: number;
  end: number;
  gaps: number[];
}

/**
 * A post without its body (see "head" in the glossary): what its front matter decides, its file, and
 * the content hash of the file version the front matter was read from. The loader returns one for
 * every post; only the shown ones have their body read. Plain data.
 */
export interface PostHead extends Omit<Post, 'body' | 'wordCount' | 'readingMinutes'> {
  /** The excerpt as written (cleaned in `excerpt`, which is derived from the body when this is missing or cut mid-word, or is page furniture). */
  frontMatterExcerpt: string | undefined;
  /** Where the article lies in the cleaned body, when page furniture was cut from it; undefined: the whole body is the article. */
  article: ArticleSpan | undefined;
  /** sha1 of the bytes of the file the head was read from: its body must come from the same bytes. */
  hash: string;
}

const scalarText = z.union([z.string(), z.number(), z.boolean()], { error: (i) => `expected text, got ${describeValue(i.input)}` }).transform((v) => String(v));

/** A required single line of text: `missing` is the error when it is left out. */
function textField(missing: string) {
  return z
    .union([z.string(), z.number(), z.boolean()], { error: (i) => (i.input === undefined ? missing : `expected text, got ${describeValue(i.input)}`) })
    .transform((v) => oneLine(String(v)));
}

const oneLine = (s: string) => stripControlChars(s).replace(/\s+/gu, ' ').trim();

/** A single line of text: line breaks and runs of white space become one space. */
export const singleLine = scalarText.transform(oneLine);

const DATE_HINT = 'expected a date like 2026-01-29 or an ISO 8601 date-time like 2026-01-29T14:11:00-08:00';

/**
 * A date field read in `timezone` when it carries no offset of its own. Left out, it is undefined,
 * or an error saying `missing` when the field is required.
 */
export function dateField(timezone: string, missing?: string) {
  return z.unknown().transform((value, ctx) => {
    if (value === undefined) {
      if (missing !== undefined) ctx.addIssue({ code: 'custom', message: missing });
      return missing === undefined ? undefined : z.NEVER;
    }
    const parsed = parseDateValue(value, timezone);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `${DATE_HINT}, got ${describeValue(value)}` });
      return z.NEVER;
    }
    return parsed;
  });
}

export function parseDateValue(value: unknown, timezone: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const fast = plainIsoInstant(text, timezone);
  if (fast !== undefined) return fast;
  // Luxon rejects impossible dates (2026-13-45) instead of rolling them over as js-yaml and Date do.
  const options = { zone: timezone, setZone: true };
  const parsers = [(t: string) => DateTime.fromISO(t, options), (t: string) => DateTime.fromSQL(t, options), (t: string) => DateTime.fromRFC2822(t, options)];
  for (const parse of parsers) {
    const date = parse(text);
    if (date.isValid) return date.toJSDate();
  }
  return undefined;
}

// Every post's date is parsed on a cold build, and Luxon's general parser was a tenth of it. The common
// shapes (2026-01-29, 2026-01-29T14:11[:00[.000]] with Z or ±hh:mm) are read here when the instant
// needs no timezone rules: an offset is written, or the timezone is UTC. Anything else, or any field
// out of range, goes to Luxon, which decides (the tests hold this path to Luxon's answers).
const PLAIN_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export function plainIsoInstant(text: string, timezone: string): Date | undefined {
  const m = PLAIN_ISO.exec(text);
  if (!m) return undefined;
  const offset = m[8];
  if (offset === undefined && timezone !== 'UTC') return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Day 0 of the next month is the last of this one (years from 1000 on, so Date.UTC reads them as written).
  const daysInMonth = new Date(Date.UTC(Math.max(year, 1000), month, 0)).getUTCDate();
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Math.floor(parseFloat(`0.${m[7]}`) * 1000);
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== 'Z') {
    const hours = Number(offset.slice(1, 3));
    const minutes = Number(offset.slice(4, 6));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

/** Tags as a YAML list or, as found in the wild, one comma-separated string. */
export const tagsField = z
  .union([z.array(scalarText), z.string(), z.null()], { error: (i) => `expected a list of tags or a comma-separated string, got ${describeValue(i.input)}` })
  .transform((value) => {
    const raw = value === null ? [] : typeof value === 'string' ? value.split(',') : value;
    const seen = new Set<string>();
    const tags: string[] = [];
    for (const tag of raw) {
      const clean = stripControlChars(tag).replace(/\s+/gu, ' ').trim();
      const key = clean.toLocaleLowerCase('en');
      if (clean && !seen.has(key)) {
        seen.add(key);
        tags.push(clean);
      }
    }
    return tags;
  });

const absoluteUrl = z
  .string()
  .trim()
  .refine(isHttpUrl, { error: (i) => `expected an absolute http(s) URL, got ${describeValue(i.input)}` });

/** Absolute http(s) URL, or a relative path resolved later against the post's own page. */
const imageUrl = z
  .string()
  .trim()
  .refine((s) => isHttpUrl(s) || /^(?![a-z][a-z0-9+.-]*:)[^\s<>"]+$/i.test(s), {
    error: (i) => `expected an image URL (absolute http(s), or a path relative to the post), got ${describeValue(i.input)}`,
  });

const booleanField = z
  .union([z.boolean(), z.enum(['true', 'false', 'yes', 'no'])], {
    error: (i) => `expected true or false, got ${describeValue(i.input)}`,
  })
  .transform((v) => v === true || v === 'true' || v === 'yes');

const slugField = z.string().trim().min(1, 'expected a non-empty slug');

/** Fields where a blank value (empty, white space only, `~`/null) means the field was left out. */
const BLANK_MEANS_MISSING = ['title', 'date', 'updated', 'excerpt', 'coverImage', 'author', 'byline', 'category', 'source', 'slug'] as const;

/** Who a post is by, as feeds and digest cards name it: its writer, else its front matter's author, else the site's. */
export function shownAuthor(post: Pick<PostHead, 'writer' | 'author'>, siteAuthor: string): string {
  return post.writer ?? post.author ?? siteAuthor;
}

/**
 * The front matter as written, before derived fields (slug, excerpt fallback) are worked out.
 * Blank values are made missing in one pass over the object, not by a preprocess step on each field:
 * every post of an archive goes through this schema on a cold build, and the per-field wrappers were
 * most of its cost.
 */
export function frontMatterSchema(timezone: string) {
  return z.preprocess(
    (data) => {
      if (typeof data !== 'object' || data === null) return data;
      const input = data as Record<string, unknown>;
      const blank = BLANK_MEANS_MISSING.filter((key) => input[key] !== undefined && emptyToUndefined(input[key]) === undefined);
      if (blank.length === 0 && input.tags !== null && input.draft !== null && input.clean !== null) return data; // the usual case: nothing to change
      const copy: Record<string, unknown> = { ...input };
      for (const key of blank) copy[key] = undefined;
      if (copy.tags === null) copy.tags = undefined;
      if (copy.draft === null) copy.draft = undefined;
      if (copy.clean === null) copy.clean = undefined;
      return copy;
    },
    // Unknown keys are left out of the result (nothing reads them).
    z.object({
      // Without its own error the union would report a bare "Invalid input" for, say, a list.
      title: textField('is missing: every post needs a title').refine((t) => t !== '', { error: 'is missing: every post needs a title' }),
      date: dateField(timezone, `is missing: ${DATE_HINT}`),
      updated: dateField(timezone).optional(),
      // Escaped control characters ("\u0007" in a quoted value) survive YAML; drop them like the other text fields.
      excerpt: scalarText.transform(stripControlChars).optional(),
      coverImage: imageUrl.optional(),
      author: singleLine.optional(),
      // The article's writer, when the front matter names one: it wins over the scraped page's byline.
      byline: singleLine.optional(),
      tags: tagsField.optional().transform((tags) => tags ?? []),
      category: singleLine.optional(),
      source: absoluteUrl.optional(),
      slug: slugField.optional(),
      draft: booleanField.optional().transform((draft) => draft ?? false),
      // `clean: false`: the body is the article as it is (no page furniture is looked for).
      clean: booleanField.optional().transform((clean) => clean ?? true),
    }),
  );
}
export type FrontMatter = z.infer<ReturnType<typeof frontMatterSchema>>;

export function isHttpUrl(value: string): boolean {
  // One parse, not canParse() and then a second one: every post's source URL goes through here.
  let protocol: string;
  try {
    ({ protocol } = new URL(value));
  } catch {
    return false;
  }
  return protocol === 'http:' || protocol === 'https:';
}

// C0 controls other than tab/newline, DEL, C1 controls, lone surrogates and U+FFFE/U+FFFF are illegal
// in XML 1.0 and meaningless in text: they are dropped wherever post text enters the model.
const CONTROL_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

// The same set without lookarounds, to test for first: nearly every text has none (a test is far cheaper than a replace).
const ANY_CONTROL_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/u;

export function stripControlChars(text: string): string {
  return ANY_CONTROL_CHAR.test(text) ? text.replace(CONTROL_CHARS, '') : text;
}

function emptyToUndefined(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return value;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}
