// One post file's front matter → its validated fields, or every problem found in it. Pure: no disk,
// no clock. Kept free of Markdown (and its sanitizer): it runs on every post, the body on a few.
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { ContentError } from '../errors.js';
import { cleanBody } from './clean.js';
import { DateTime } from 'luxon';
import { chooseExcerpt, cleanExcerpt, wholeExcerpt } from './excerpt.js';
import { findArticle, type ArticleCut, type FurnitureRules } from './furniture.js';
import { frontMatterSchema, stripControlChars, type PostHead } from './schema.js';
import { slugFromFile, toSlug } from './slug.js';

/**
 * What the front matter alone gives: the head but what may need the body (its file and hash; the excerpt;
 * what the page furniture says), and what the front matter says of the body.
 */
export type PostFields = Omit<PostHead, 'file' | 'hash' | 'excerpt' | 'writer' | 'imageCredit' | 'dateZone' | 'article'> & {
  /** The writer the front matter names (`byline:`): it wins over the page furniture's. */
  byline: string | undefined;
  /** False (`clean: false`): the body is the article as it is. */
  clean: boolean;
  /** The date was written as a day (2026-01-29), not an instant: a posted time on that day on the page makes it exact. */
  dateIsDay: boolean;
};

/** How post files are read: the site timezone, and the site's own furniture rules for cleaning bodies. */
export interface ReadOptions {
  /** IANA timezone for dates written without an offset. */
  timezone: string;
  /** The site's extra furniture rules (config `clean`); none by default. */
  rules?: FurnitureRules | undefined;
}

/** A parsed head, and what its cleanup warns about (named by the post's file). */
export type HeadResult = { ok: true; head: PostHead; warnings: ContentError[] } | { ok: false; errors: ContentError[] };

export type FrontMatterResult = { ok: true; fields: PostFields } | { ok: false; errors: ContentError[] };

/**
 * One post file's head, from its bytes and their hash: only the front matter becomes a string (the
 * body is decoded later, for the shown posts only: decoding 50,000 bodies doubled a build's peak memory).
 */
export function parseHead(file: string, bytes: Uint8Array, hash: string, options: ReadOptions): HeadResult {
  const result = parseFrontMatter(file, frontMatterText(bytes), options);
  if (!result.ok) return result;
  const { byline, clean, dateIsDay, ...fields } = result.fields;
  const plain = { file, hash, ...fields, writer: byline, imageCredit: undefined, dateZone: undefined, article: undefined };
  // The list pages show every post's excerpt: kept with the head, so they never read a body. Without the
  // cleanup, the body is decoded and parsed only when the front matter's excerpt is missing or cut mid-word.
  const source = () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (!clean) {
    const excerpt = wholeExcerpt(fields.frontMatterExcerpt) ?? chooseExcerpt(fields.frontMatterExcerpt, bodyOfSource(source()), fields.title);
    return { ok: true, head: { ...plain, excerpt }, warnings: [] };
  }
  const body = bodyOfSource(source());
  const cut = findArticle(body, fields, { timezone: options.timezone, rules: options.rules });
  const warnings: ContentError[] = [];
  if (cut.kind === 'kept') {
    if (cut.reason.code !== 'no-furniture') {
      warnings.push(
        new ContentError({
          file,
          field: 'body',
          message: `${cut.reason.message}; its page furniture, if any, is published with it`,
          hint: "`broadsheet build --explain` on this file shows what the rules find; name the site's furniture in the config's `clean` section, or set `clean: false` in the front matter",
        }),
      );
    }
    const excerpt = wholeExcerpt(fields.frontMatterExcerpt) ?? chooseExcerpt(fields.frontMatterExcerpt, body, fields.title);
    return { ok: true, head: { ...plain, excerpt }, warnings };
  }
  const { facts } = cut;
  let { date, updated } = fields;
  let dateZone: PostHead['dateZone'];
  const posted = facts.posted?.time;
  if (posted && posted.dayAgreement !== 'different-day') {
    // The front matter gave the day; the page gives the time on it. An instant written in the front matter wins.
    if (dateIsDay) {
      date = posted.instant;
      dateZone = { zone: posted.zone, label: posted.writtenZone };
    }
  } else if (posted) {
    warnings.push(
      new ContentError({
        file,
        field: 'date',
        message: `the page says it was posted "${facts.posted!.text}", not on the front matter's date (${isoDay(fields.date, options.timezone)}): the front matter's date is kept`,
        hint: 'correct the date in the front matter, or the posted line in the body',
      }),
    );
  }
  const pageUpdated = facts.updated?.time?.instant;
  if (updated === undefined && pageUpdated !== undefined && pageUpdated > date) updated = pageUpdated;
  // A machine-made excerpt taken from the top of the scraped page begins with its furniture ("In Brief
  // Posted: 2:11 PM PST · …"): the excerpt is then the article's own.
  const given = fields.frontMatterExcerpt !== undefined && !isFurnitureExcerpt(fields.frontMatterExcerpt, cut) ? fields.frontMatterExcerpt : undefined;
  const excerpt = wholeExcerpt(given) ?? chooseExcerpt(given, cut.article, fields.title);
  return {
    ok: true,
    head: { ...plain, date, updated, excerpt, writer: byline ?? facts.byline, imageCredit: facts.imageCredit, dateZone, article: cut.span },
    warnings,
  };
}

/** An excerpt that starts with the first line the cleanup removed from the top of the body. */
function isFurnitureExcerpt(excerpt: string, cut: Extract<ArticleCut, { kind: 'cut' }>): boolean {
  const first = cut.removed[0];
  if (first === undefined || first.line - 1 >= cut.span.start) return false;
  const squeeze = (text: string) => cleanExcerpt(text).toLocaleLowerCase('en');
  const line = squeeze(first.text);
  return line !== '' && squeeze(excerpt).startsWith(line);
}

/** A date as its day in the site timezone (2026-01-29). */
function isoDay(date: Date, timezone: string): string {
  return DateTime.fromJSDate(date, { zone: timezone }).toISODate() ?? date.toISOString().slice(0, 10);
}

/** The cleaned Markdown body of a post file's text. */
export function bodyOfSource(source: string): string {
  const text = normalizeNewlines(source);
  return cleanBody(stripControlChars(text.slice(frontMatterEnd(text))));
}

/** The file's text up to the end of its front matter (all of it when it has none, for the error). */
export function frontMatterText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  if (buffer.toString('latin1', start, start + 3) !== '---') return buffer.toString('utf8');
  const close = buffer.indexOf('\n---', start + 3);
  if (close < 0) return buffer.toString('utf8');
  const lineEnd = buffer.indexOf('\n', close + 4);
  return buffer.toString('utf8', 0, lineEnd < 0 ? buffer.length : lineEnd + 1);
}

// Passing options (any options) keeps gray-matter from caching every parsed file forever
// (jonschlinkert/gray-matter#43). The YAML core schema has no timestamp type, so dates stay strings
// and are validated by us: js-yaml would turn 2026-13-45 into a Date in 2027.
const MATTER_OPTIONS = {
  engines: { yaml: (text: string) => yaml.load(text, { schema: yaml.CORE_SCHEMA }) as object },
};

const schemas = new Map<string, ReturnType<typeof frontMatterSchema>>();
function schemaFor(timezone: string) {
  let schema = schemas.get(timezone);
  if (!schema) schemas.set(timezone, (schema = frontMatterSchema(timezone)));
  return schema;
}

/** Parse one post's front matter. `file` is its path relative to the content folder (messages, slugs). */
export function parseFrontMatter(file: string, source: string, options: Pick<ReadOptions, 'timezone'>): FrontMatterResult {
  const text = normalizeNewlines(source);
  if (!/^---[ \t]*\n/.test(text)) {
    return {
      ok: false,
      errors: [
        new ContentError({
          file,
          field: 'front matter',
          message: 'is missing: expected the file to start with a "---" line, then YAML (title, date, …), then "---"',
        }),
      ],
    };
  }
  // gray-matter parses the front matter block only: handing it whole 2 MB bodies made it the
  // slowest step of large builds, and the body needs nothing from it.
  const headEnd = frontMatterEnd(text);
  let data: unknown;
  try {
    // Scraped files carry stray control characters: js-yaml rejects a whole file over one
    // ("non-printable characters") and they are illegal in feed XML, so they go before parsing.
    const parsed = matter(stripControlChars(text.slice(0, headEnd)), MATTER_OPTIONS);
    data = parsed.data;
  } catch (cause) {
    return { ok: false, errors: [yamlError(file, cause)] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, errors: [new ContentError({ file, field: 'front matter', message: 'expected YAML key: value pairs' })] };
  }

  // A fresh object goes to the schema: gray-matter's `data` must never be mutated.
  const result = schemaFor(options.timezone).safeParse({ ...data });
  if (!result.success) {
    const errors = result.error.issues.map(
      (issue) => new ContentError({ file, field: issue.path.map(String).join('.') || 'front matter', message: issue.message }),
    );
    return { ok: false, errors };
  }
  const fm = result.data;
  const categoryName = fm.category ?? 'Uncategorized';
  const writtenDate = (data as Record<string, unknown>).date;
  return {
    ok: true,
    fields: {
      slug: fm.slug === undefined ? slugFromFile(file) : toSlug(fm.slug),
      title: fm.title,
      date: fm.date!,
      updated: fm.updated,
      frontMatterExcerpt: fm.excerpt,
      coverImage: fm.coverImage,
      author: fm.author,
      tags: fm.tags,
      category: { name: categoryName, slug: toSlug(categoryName) },
      source: fm.source,
      draft: fm.draft,
      byline: fm.byline,
      clean: fm.clean,
      dateIsDay: typeof writtenDate === 'string' && DAY.test(writtenDate.trim()),
    },
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** BOM dropped, CRLF and CR turned into LF. */
export function normalizeNewlines(source: string): string {
  const unBommed = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return unBommed.includes('\r') ? unBommed.replace(/\r\n?/g, '\n') : unBommed;
}

/** Index just past the closing "---" line of the front matter (the text's length when there is none). */
export function frontMatterEnd(text: string): number {
  const close = text.indexOf('\n---', 3);
  const lineEnd = close < 0 ? -1 : text.indexOf('\n', close + 4);
  return close < 0 ? text.length : lineEnd < 0 ? text.length : lineEnd + 1;
}

function yamlError(file: string, cause: unknown): ContentError {
  if (cause instanceof yaml.YAMLException) {
    // gray-matter hands js-yaml the text right after "---", starting with that line's own "\n",
    // so js-yaml's 0-based line is already the file's line minus one.
    const line = cause.mark ? cause.mark.line + 1 : undefined;
    const column = cause.mark ? cause.mark.column + 1 : undefined;
    return new ContentError({
      file: line === undefined ? file : `${file}:${line}:${column}`,
      field: 'front matter',
      message: `is not valid YAML: ${cause.reason}`,
      hint: 'quote values that contain ": " or start with a special character',
      cause,
    });
  }
  return new ContentError({ file, field: 'front matter', message: `cannot be read: ${(cause as Error).message}`, cause });
}
