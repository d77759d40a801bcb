// `broadsheet build --explain FILE`: what the cleanup of scraped bodies keeps and removes of one post, by
// which rule, and the facts the page furniture held (writer, posted time, image credit, topics). Reads that
// one file; writes nothing.
import path from 'node:path';
import type { CleanConfig } from '../config.js';
import { ContentError } from '../errors.js';
import { bodyOfSource, frontMatterText, parseFrontMatter } from '../content/front-matter.js';
import { findArticle, type ArticleCut, type FurnitureRules } from '../content/furniture.js';
import { readPostFile } from '../content/read-entries.js';

export interface Explanation {
  /** The file as given. */
  file: string;
  title: string;
  cut: ArticleCut;
}

/** The configured rules, compiled (the config has checked that each compiles). */
export function furnitureRules(clean: CleanConfig): FurnitureRules {
  const compile = (source: string) => new RegExp(source, 'iu');
  return { dropLines: clean.dropLines.map(compile), endMarkers: clean.endMarkers.map(compile), zones: clean.zones };
}

/** The cleanup of one post file (`file` as given, against `cwd`), named in messages as given. */
export function explainPost(file: string, options: { cwd: string; timezone: string; clean: CleanConfig }): Explanation {
  const full = path.resolve(options.cwd, file);
  let bytes: Buffer;
  try {
    bytes = readPostFile(full);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      cause instanceof ContentError ? cause.message : code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(cause));
    throw new ContentError({ file, message: `cannot be read: ${reason}`, hint: 'give the path of a post file', cause });
  }
  const parsed = parseFrontMatter(path.basename(full), frontMatterText(bytes), { timezone: options.timezone });
  if (!parsed.ok) {
    const first = parsed.errors[0]!;
    throw new ContentError({ file, field: first.field, message: first.message, hint: first.hint });
  }
  const body = bodyOfSource(bytes.toString('utf8'));
  const cut = findArticle(body, parsed.fields, { timezone: options.timezone, rules: furnitureRules(options.clean) });
  return { file, title: parsed.fields.title, cut };
}
