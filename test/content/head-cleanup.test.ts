// What a post's head takes from the cleanup of its scraped body (issue 16 §2): the writer (the front
// matter's byline wins), the exact time on a day-only date (a disagreement warns, the front matter wins),
// the cover's credit, an excerpt from the article; the warnings when the body is kept as it is; and the
// opt-out. Through parsePost, as the loader and the body reader use it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyOfSource, parseFrontMatter } from '../../src/content/front-matter.js';
import { findArticle } from '../../src/content/furniture.js';
import { type ParseResult, parsePost } from '../../src/content/parse.js';
import { REPO } from '../helpers/site.js';

const SAMPLE_FILE = '2026-11-23-regional-lenders-pause-bnpl-partnerships.md';
const SAMPLE = readFileSync(path.join(REPO, 'content', SAMPLE_FILE), 'utf8');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'furniture');
const UTC = { timezone: 'UTC' };

function ok(result: ParseResult) {
  if (!result.ok) throw new Error(result.errors.map(String).join('\n'));
  return result;
}

/** The sample with its front matter changed: `edit` gets the front matter's lines. */
function sampleWith(edit: (lines: string[]) => string[]): string {
  const end = SAMPLE.indexOf('\n---\n', 4);
  const head = SAMPLE.slice(4, end).split('\n');
  return `---\n${edit(head).join('\n')}${SAMPLE.slice(end)}`;
}
/** The field set to `value`, its folded continuation lines (indented) gone with it. */
const setField = (name: string, value: string) => (lines: string[]) => {
  const i = lines.findIndex((l) => l.startsWith(`${name}:`));
  if (i < 0) return [...lines, `${name}: ${value}`];
  let end = i + 1;
  while (end < lines.length && /^\s/.test(lines[end]!)) end++;
  return [...lines.slice(0, i), `${name}: ${value}`, ...lines.slice(end)];
};

describe('the head of the sample post', () => {
  const { head, post, warnings } = ok(parsePost(SAMPLE_FILE, SAMPLE, UTC));

  it('takes the writer from the byline, and keeps the front matter author beside it', () => {
    expect(head.writer).toBe('Dana Whitcombe');
    expect(head.author).toBe('NewsBot');
  });

  it('takes the posted time on the front matter day, with the zone as written', () => {
    expect(head.date.toISOString()).toBe('2026-11-23T12:42:00.000Z');
    expect(head.dateZone).toEqual({ zone: 'UTC-5', label: 'EST' });
  });

  it('takes the image credit for the cover', () => {
    expect(head.imageCredit).toBe('Harbor Desk / Example Wire');
  });

  it('derives the excerpt from the article: the front matter one begins with the furniture', () => {
    expect(head.frontMatterExcerpt).toMatch(/^In Brief Posted:/);
    expect(head.excerpt).toMatch(/^Three regional banks have quietly paused/);
  });

  it('reads a body that is the article alone, the same as findArticle cut', () => {
    const fields = parseFrontMatter(SAMPLE_FILE, SAMPLE, UTC);
    if (!fields.ok) throw new Error('invalid');
    const cut = findArticle(bodyOfSource(SAMPLE), fields.fields, UTC);
    expect(post.body).toBe(cut.article);
    expect(post.body.split('\n\n')).toHaveLength(4);
    expect(post.wordCount).toBeLessThan(200);
  });

  it('warns about nothing', () => {
    expect(warnings).toEqual([]);
  });
});

describe('the front matter decides, where it speaks', () => {
  it('a byline: in the front matter is the writer, whatever the page says', () => {
    const { head } = ok(parsePost('p.md', sampleWith(setField('byline', 'Ines Okafor')), UTC));
    expect(head.writer).toBe('Ines Okafor');
    expect(head.imageCredit).toBe('Harbor Desk / Example Wire');
  });

  it('a date with a time in the front matter wins over the page, silently when the day agrees', () => {
    const { head, warnings } = ok(parsePost('p.md', sampleWith(setField('date', "'2026-11-23T09:00:00-05:00'")), UTC));
    expect(head.date.toISOString()).toBe('2026-11-23T14:00:00.000Z');
    expect(head.dateZone).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('a posted time on another day than the front matter date: the date is kept, and a warning names the file and both', () => {
    const { head, warnings } = ok(parsePost('p.md', sampleWith(setField('date', "'2026-11-25'")), UTC));
    expect(head.date.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(head.dateZone).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.describe()).toBe(
      'p.md: date: the page says it was posted "7:42 AM EST · November 23, 2026", not on the front matter\'s date (2026-11-25): the front matter\'s date is kept (correct the date in the front matter, or the posted line in the body)',
    );
    // The rest of the cleanup still holds.
    expect(head.writer).toBe('Dana Whitcombe');
  });

  it('clean: false publishes the body as it is: no writer, no time, no credit, the furniture in the body', () => {
    const { head, post, warnings } = ok(parsePost('p.md', sampleWith(setField('clean', 'false')), UTC));
    expect([head.writer, head.imageCredit, head.dateZone, head.article]).toEqual([undefined, undefined, undefined, undefined]);
    expect(head.date.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(post.body).toBe(bodyOfSource(SAMPLE));
    expect(post.body).toContain('Image Credits:Harbor Desk');
    expect(warnings).toEqual([]);
  });

  it('clean: must be true or false', () => {
    const result = parsePost('p.md', sampleWith(setField('clean', 'maybe')), UTC);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.describe()).toBe('p.md: clean: expected true or false, got "maybe"');
  });

  it('an Updated line on the page gives the post its update time, unless the front matter gives one', () => {
    const withUpdate = SAMPLE.replace('7:42 AM EST · November 23, 2026\n', '7:42 AM EST · November 23, 2026\n\nUpdated: 9:15 AM EST · November 24, 2026\n');
    const { head } = ok(parsePost('p.md', withUpdate, UTC));
    expect(head.updated?.toISOString()).toBe('2026-11-24T14:15:00.000Z');
    expect(head.date.toISOString()).toBe('2026-11-23T12:42:00.000Z');
    const given = ok(parsePost('p.md', withUpdate.replace("date: '2026-11-23'", "date: '2026-11-23'\nupdated: '2026-11-25'"), UTC));
    expect(given.head.updated?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('a whole excerpt of the writer’s own is kept', () => {
    const { head } = ok(parsePost('p.md', sampleWith(setField('excerpt', 'Three banks pause BNPL deals.')), UTC));
    expect(head.excerpt).toBe('Three banks pause BNPL deals.');
  });
});

describe('bodies kept as they are', () => {
  it('furniture with no evidence of where the article starts: kept, with a warning naming the file and the way out', () => {
    const source = readFileSync(path.join(FIXTURES, 'no-start-evidence.md'), 'utf8');
    const { head, post, warnings } = ok(parsePost('culture/museum.md', source, UTC));
    expect(head.article).toBeUndefined();
    expect(post.body).toBe(bodyOfSource(source));
    expect(warnings.map((w) => [w.file, w.field])).toEqual([['culture/museum.md', 'body']]);
    expect(warnings[0]!.message).toMatch(/^kept as it is: the title is not repeated near the top/);
    expect(warnings[0]!.hint).toContain('broadsheet build --explain');
    expect(warnings[0]!.hint).toContain('clean: false');
  });

  it('a hand-written post with no furniture: kept, without a warning', () => {
    const source = '---\ntitle: Notes\ndate: 2026-11-01\n---\nA plain paragraph of my own.\n\nAnother one.\n';
    const { head, post, warnings } = ok(parsePost('notes.md', source, UTC));
    expect([head.article, head.writer, warnings]).toEqual([undefined, undefined, []]);
    expect(post.body).toBe('A plain paragraph of my own.\n\nAnother one.');
  });
});

describe('every fixture: the body read with the head is the article findArticle cut', () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.md'))) {
    it(name, () => {
      const source = readFileSync(path.join(FIXTURES, name), 'utf8');
      const fields = parseFrontMatter(name, source, UTC);
      if (!fields.ok) throw new Error('invalid');
      const cut = findArticle(bodyOfSource(source), fields.fields, UTC);
      const { post, head } = ok(parsePost(name, source, UTC));
      expect(post.body).toBe(cut.article);
      expect(head.article === undefined).toBe(cut.kind === 'kept');
    });
  }
});
