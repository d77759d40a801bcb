// One post file's front matter → its validated fields, or every problem found in it. Pure: no disk,
// no clock. Kept free of Markdown (and its sanitizer): it runs on every post, the body on a few.
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { ContentError } from '../errors.js';
import { frontMatterSchema, stripControlChars, type Post } from './schema.js';
import { slugFromFile, toSlug } from './slug.js';

/** What the front matter decides about a post; the body-derived fields come later, and only if needed. */
export type PostFields = Omit<Post, 'file' | 'excerpt' | 'body' | 'wordCount' | 'readingMinutes'> & {
  /** The excerpt as written (cleaned later; derived from the body when missing or cut mid-word). */
  frontMatterExcerpt: string | undefined;
};

export type FrontMatterResult =
  | { ok: true; fields: PostFields; /** The Markdown body as written (uncleaned). */ body: string }
  | { ok: false; errors: ContentError[] };

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
      errors: [new ContentError({ file, field: 'front matter', message: 'is missing: expected the file to start with a "---" line, then YAML (title, date, …), then "---"' })],
    };
  }
  // gray-matter parses the front matter block only: handing it whole 2 MB bodies made it the
  // slowest step of large builds, and the body needs nothing from it.
  const headEnd = frontMatterEnd(text);
  let data: unknown;
  let body: string;
  try {
    // Scraped files carry stray control characters: js-yaml rejects a whole file over one
    // ("non-printable characters") and they are illegal in feed XML, so they go before parsing.
    const parsed = matter(stripControlChars(text.slice(0, headEnd)), MATTER_OPTIONS);
    data = parsed.data;
    body = parsed.content + text.slice(headEnd);
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
    body,
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
