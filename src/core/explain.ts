// `broadsheet build --explain FILE`: what the cleanup of scraped bodies keeps and removes of one post, by
// which rule, the facts the page furniture held (writer, posted time, image credit, topics), and what the
// post gets of them. Reads that one file, as a build reads it; writes nothing.
import path from 'node:path';
import { ContentError } from '../errors.js';
import { contentHash } from '../content/cache-entry.js';
import { bodyOfSource, frontMatterText, parseFrontMatter, parseHead, type ReadOptions } from '../content/front-matter.js';
import { findArticle, type ArticleCut } from '../content/furniture.js';
import { readPostFile } from '../content/read-entries.js';
import type { PostHead } from '../content/schema.js';

export interface Explanation {
  /** The file as given. */
  file: string;
  title: string;
  /** False when the front matter says `clean: false`: the body is published as it is. */
  clean: boolean;
  cut: ArticleCut;
  /** The post as a build reads it: what it took from the furniture. */
  head: Pick<PostHead, 'date' | 'dateZone' | 'writer' | 'author' | 'imageCredit' | 'excerpt'>;
  /** What a build warns about this post (the cleanup's warnings). */
  warnings: ContentError[];
}

/** The cleanup of one post file (`file` as given, against `cwd`), named in messages as given. */
export function explainPost(file: string, options: { cwd: string; reading: ReadOptions }): Explanation {
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
  const parsed = parseFrontMatter(path.basename(full), frontMatterText(bytes), { timezone: options.reading.timezone });
  if (!parsed.ok) {
    const first = parsed.errors[0]!;
    throw new ContentError({ file, field: first.field, message: first.message, hint: first.hint });
  }
  const { fields } = parsed;
  const body = bodyOfSource(bytes.toString('utf8'));
  const cut = findArticle(body, fields, { timezone: options.reading.timezone, rules: options.reading.rules });
  // The head as the build makes it (its date, writer and excerpt follow from the cut), named by the file as given.
  const read = parseHead(file, bytes, contentHash(bytes), options.reading);
  if (!read.ok) throw read.errors[0]!;
  return { file, title: fields.title, clean: fields.clean, cut, head: read.head, warnings: read.warnings };
}
