// One post file's front matter → its validated fields, or every problem found in it. Pure: no disk,
// no clock. Kept free of Markdown (and its sanitizer): it runs on every post, the body on a few.
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { ContentError } from '../errors.js';
import { cleanBody } from './clean.js';
import { chooseExcerpt, wholeExcerpt } from './excerpt.js';
import { frontMatterSchema, stripControlChars, type PostHead } from './schema.js';
import { slugFromFile, toSlug } from './slug.js';

/** What the front matter decides about a post: its head, less the file and hash. */
/** What the front matter alone gives: the head but its file, hash and excerpt (which may need the body). */
export type PostFields = Omit<PostHead, 'file' | 'hash' | 'excerpt'>;

export type FrontMatterResult = { ok: true; fields: PostFields } | { ok: false; errors: ContentError[] };

/**
 * One post file's head, from its bytes and their hash: only the front matter becomes a string (the
 * body is decoded later, for the shown posts only: decoding 50,000 bodies doubled a build's peak memory).
 */
export function parseHead(
  file: string,
  bytes: Uint8Array,
  hash: string,
  options: { timezone: string },
): { ok: true; head: PostHead } | { ok: false; errors: ContentError[] } {
  const result = parseFrontMatter(file, frontMatterText(bytes), options);
  if (!result.ok) return result;
  const { fields } = result;
  // The list pages show every post's excerpt: kept with the head, so they never read a body. The body is
  // decoded and parsed only when the front matter's excerpt is missing or cut mid-word.
  const excerpt =
    wholeExcerpt(fields.frontMatterExcerpt) ??
    chooseExcerpt(fields.frontMatterExcerpt, bodyOfSource(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')), fields.title);
  return { ok: true, head: { file, hash, ...fields, excerpt } };
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
export function parseFrontMatter(file: string, source: string, options: { timezone: string }): FrontMatterResult {
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
    },
  };
}

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
