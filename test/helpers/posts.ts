// Posts for tests: a Post builder for the pure stages, and post files (front matter and a body) for the
// stages that read a content folder.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Post } from '../../src/content/schema.js';

/**
 * A published post with every field filled and nothing remarkable: give only what the test is about.
 * `file` follows `slug` unless given.
 */
export function post(o: Partial<Post> = {}): Post {
  const slug = o.slug ?? 'a';
  return {
    file: `${slug}.md`,
    slug,
    title: 'A',
    date: new Date('2026-11-25T08:00:00Z'),
    updated: undefined,
    excerpt: '',
    coverImage: undefined,
    author: undefined,
    writer: undefined,
    imageCredit: undefined,
    dateZone: undefined,
    tags: [],
    category: { name: 'News', slug: 'news' },
    source: undefined,
    draft: false,
    body: '',
    wordCount: 0,
    readingMinutes: 1,
    ...o,
  };
}

/** A post file's front matter and body. */
export interface PostSource {
  title: string;
  /** As written in the front matter: an ISO date or date-time. */
  date: string;
  category: string;
  tags?: readonly string[];
  draft?: boolean;
  coverImage?: string;
  /** Markdown; by default one line naming the title. */
  body?: string;
}

/** A post file in a content folder. */
export interface PostFile extends PostSource {
  /** Relative to the content folder. */
  file: string;
}

/** The text of a post file. Strings are quoted (JSON is YAML), so any title is safe. */
export function postSource(p: PostSource): string {
  const lines = ['---', `title: ${JSON.stringify(p.title)}`, `date: ${p.date}`, `category: ${JSON.stringify(p.category)}`];
  if (p.tags) lines.push(`tags: [${p.tags.map((t) => JSON.stringify(t)).join(', ')}]`);
  if (p.draft) lines.push('draft: true');
  if (p.coverImage) lines.push(`coverImage: ${JSON.stringify(p.coverImage)}`);
  const body = p.body ?? `${p.title}, in a few words.`;
  return `${lines.join('\n')}\n---\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

export function writePostFile(dir: string, p: PostFile): Promise<void> {
  return writeFile(path.join(dir, p.file), postSource(p));
}
