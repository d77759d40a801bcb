import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePost, type ParseResult } from '../../src/content/parse.js';
import type { Post } from '../../src/content/schema.js';

const PARIS = { timezone: 'Europe/Paris' };
const SEED = '/work/shared/seed/000_3f00ea5a46aaec6b.txt';

/** A post file: the given front matter lines, then a body. */
const file = (frontMatter: string, body = 'A short body paragraph.') => `---\n${frontMatter}\n---\n${body}\n`;

function ok(result: ParseResult): Post {
  if (!result.ok) throw new Error(`expected a post, got: ${result.errors.map((e) => e.describe()).join('; ')}`);
  return result.post;
}

function problems(result: ParseResult): string[] {
  if (result.ok) throw new Error(`expected errors, got a post titled ${JSON.stringify(result.post.title)}`);
  return result.errors.map((e) => e.describe());
}

const parse = (frontMatter: string, body?: string, options = PARIS) => parsePost('posts/a.md', file(frontMatter, body), options);

describe('parsePost dates', () => {
  it.each([
    ["'2026-01-29'", '2026-01-28T23:00:00.000Z'],
    ['2026-01-29', '2026-01-28T23:00:00.000Z'],
    ["'2026-07-01'", '2026-06-30T22:00:00.000Z'],
  ])('reads the date-only date %s as midnight in the configured timezone', (date, expected) => {
    expect(ok(parse(`title: T\ndate: ${date}`)).date.toISOString()).toBe(expected);
  });

  it('reads a date-only date as midnight UTC when the configured timezone is UTC', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29', undefined, { timezone: 'UTC' })).date.toISOString()).toBe('2026-01-29T00:00:00.000Z');
  });

  it.each([
    ['2026-01-29T14:11:00-08:00', '2026-01-29T22:11:00.000Z'],
    ["'2026-01-29T14:11:00+05:30'", '2026-01-29T08:41:00.000Z'],
    ['2026-01-29T14:11:00Z', '2026-01-29T14:11:00.000Z'],
  ])('keeps the offset written in the full ISO date-time %s', (date, expected) => {
    expect(ok(parse(`title: T\ndate: ${date}`)).date.toISOString()).toBe(expected);
  });

  it.each([
    ["'Thu, 29 Jan 2026 14:11:00 -0800'", '2026-01-29T22:11:00.000Z'],
    ['Thu, 29 Jan 2026 14:11:00 GMT', '2026-01-29T14:11:00.000Z'],
  ])('reads the RFC 2822 date %s', (date, expected) => {
    expect(ok(parse(`title: T\ndate: ${date}`)).date.toISOString()).toBe(expected);
  });

  describe('a date-time without an offset', () => {
    const machineTimezone = process.env.TZ;
    afterEach(() => {
      if (machineTimezone === undefined) delete process.env.TZ;
      else process.env.TZ = machineTimezone;
    });

    it.each(['UTC', 'America/Los_Angeles', 'Asia/Tokyo'])('is read in the configured timezone, not the machine timezone (machine on %s)', (machine) => {
      process.env.TZ = machine;
      // Guard: the machine timezone really changed, so the test can tell the two apart.
      const expectedOffset = { UTC: 0, 'America/Los_Angeles': 480, 'Asia/Tokyo': -540 }[machine];
      expect(new Date('2026-01-29T12:00:00Z').getTimezoneOffset()).toBe(expectedOffset);

      expect(ok(parse('title: T\ndate: 2026-01-29T14:11:00')).date.toISOString()).toBe('2026-01-29T13:11:00.000Z');
      expect(ok(parse("title: T\ndate: '2026-01-29 14:11:00'")).date.toISOString()).toBe('2026-01-29T13:11:00.000Z');
      expect(ok(parse('title: T\ndate: 2026-01-29')).date.toISOString()).toBe('2026-01-28T23:00:00.000Z');
    });
  });

  it.each(["'2026-13-45'", '2026-13-45', '2026-02-30'])('rejects the impossible date %s instead of rolling it over', (date) => {
    const [message, ...rest] = problems(parse(`title: T\ndate: ${date}`));
    expect(rest).toEqual([]);
    expect(message).toContain('posts/a.md');
    expect(message).toContain('date');
    expect(message).toContain(`"${date.replace(/'/g, '')}"`);
  });

  it('reads an updated date like the publication date', () => {
    const post = ok(parse('title: T\ndate: 2026-01-29\nupdated: 2026-01-30T10:00:00'));
    expect(post.updated?.toISOString()).toBe('2026-01-30T09:00:00.000Z');
  });

  it('leaves updated undefined when it is not given', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29')).updated).toBeUndefined();
  });
});

describe('parsePost tags and category', () => {
  it('reads tags written as a YAML list', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29\ntags:\n  - Ai\n  - Openai')).tags).toEqual(['Ai', 'Openai']);
  });

  it('reads tags written as one comma-separated string, trimmed and de-duplicated case-insensitively', () => {
    const post = ok(parse("title: T\ndate: 2026-01-29\ntags: ' AI, ai ,Openai,, OPENAI , Amazon '"));
    expect(post.tags).toEqual(['AI', 'Openai', 'Amazon']);
  });

  it('de-duplicates tags in a list case-insensitively, keeping the first spelling', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29\ntags: [Finance, finance, " FINANCE "]')).tags).toEqual(['Finance']);
  });

  it('gives no tags when the field is absent', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29')).tags).toEqual([]);
  });

  it.each([
    ['Finance', 'Finance', 'finance'],
    ['FINANCE', 'FINANCE', 'finance'],
    ["'  Personal   Finance '", 'Personal Finance', 'personal-finance'],
  ])('turns the category %s into a display name and a slug', (written, name, slug) => {
    expect(ok(parse(`title: T\ndate: 2026-01-29\ncategory: ${written}`)).category).toEqual({ name, slug });
  });

  it('files a post without a category under "Uncategorized"', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29')).category).toEqual({ name: 'Uncategorized', slug: 'uncategorized' });
  });
});

describe('parsePost file encodings', () => {
  it('parses a file that starts with a UTF-8 byte order mark', () => {
    const post = ok(parsePost('a.md', `\uFEFF${file('title: Bom\ndate: 2026-01-29')}`, PARIS));
    expect(post.title).toBe('Bom');
  });

  it('parses a file with CRLF line endings and leaves no carriage return in the body', () => {
    const source = '---\r\ntitle: Windows\r\ndate: 2026-01-29\r\n---\r\nFirst line.\r\n\r\nSecond paragraph.\r\n';
    const post = ok(parsePost('a.md', source, PARIS));
    expect(post.title).toBe('Windows');
    expect(post.date.toISOString()).toBe('2026-01-28T23:00:00.000Z');
    expect(post.body).toBe('First line.\n\nSecond paragraph.');
  });
});

describe('parsePost problems', () => {
  it('names the file and the field when the title is missing', () => {
    const [message] = problems(parse('date: 2026-01-29'));
    expect(message).toContain('posts/a.md');
    expect(message).toContain('title');
    expect(message).toContain('missing');
  });

  it('says what was found when the title is not text', () => {
    const [message] = problems(parse('title: [a, b]\ndate: 2026-01-29'));
    expect(message).toBe('posts/a.md: title: expected text, got a list');
  });

  it('names the file, the field and the value when the date cannot be read', () => {
    const [message] = problems(parse('title: T\ndate: soon'));
    expect(message).toContain('posts/a.md');
    expect(message).toContain('date');
    expect(message).toContain('"soon"');
  });

  it('names the file, the field and the value when the cover image is not a URL', () => {
    const [message] = problems(parse("title: T\ndate: 2026-01-29\ncoverImage: 'javascript:alert(1)'"));
    expect(message).toContain('posts/a.md');
    expect(message).toContain('coverImage');
    expect(message).toContain('"javascript:alert(1)"');
  });

  it('accepts a cover image path relative to the post', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29\ncoverImage: images/cover.png')).coverImage).toBe('images/cover.png');
  });

  it('names the file, the field and the value when the source is not an absolute URL', () => {
    const [message] = problems(parse('title: T\ndate: 2026-01-29\nsource: techcrunch.com/amazon'));
    expect(message).toContain('posts/a.md');
    expect(message).toContain('source');
    expect(message).toContain('"techcrunch.com/amazon"');
  });

  it('reports every bad field of one file at once', () => {
    const messages = problems(parse('date: soon\nsource: nope'));
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => m.split(': ')[1])).toEqual(['title', 'date', 'source']);
  });

  it('gives a YAML syntax error the file, line and column where it is', () => {
    // Line 4 of the file is "author: Ann: Smith"; js-yaml stops at its second colon (column 12).
    const result = parsePost('posts/a.md', '---\ntitle: T\ndate: 2026-01-29\nauthor: Ann: Smith\n---\nBody.\n', PARIS);
    const [message] = problems(result);
    expect(message).toMatch(/^posts\/a\.md:4:12: front matter: is not valid YAML: /);
    expect(!result.ok && result.errors[0]?.file).toBe('posts/a.md:4:12');
    expect(!result.ok && result.errors[0]?.cause).toBeInstanceOf(Error);
  });

  it('points a YAML error on the first front matter line at line 2 of the file', () => {
    const [message] = problems(parsePost('posts/a.md', '---\ntitle: Ann: Smith\ndate: 2026-01-29\n---\nBody.\n', PARIS));
    expect(message).toMatch(/^posts\/a\.md:2:11: front matter: is not valid YAML/);
  });

  it('reports a file with no front matter, naming the file', () => {
    const [message] = problems(parsePost('posts/plain.md', 'Just a paragraph of text.\n', PARIS));
    expect(message).toContain('posts/plain.md');
    expect(message).toContain('front matter');
    expect(message).toContain('missing');
  });

  it('reports front matter that is a list instead of key: value pairs', () => {
    const [message] = problems(parse('- a\n- b'));
    expect(message).toBe('posts/a.md: front matter: expected YAML key: value pairs');
  });
});

describe('parsePost text cleanup', () => {
  it('turns a title holding a line break into one line', () => {
    expect(ok(parse('title: "First line\\nsecond line"\ndate: 2026-01-29')).title).toBe('First line second line');
    expect(ok(parse('title: |\n  First line\n  second line\ndate: 2026-01-29')).title).toBe('First line second line');
  });

  it('strips control characters escaped in quoted front matter values', () => {
    const post = ok(
      parse('title: "Bell\\u0007 rings\\u0000"\ndate: 2026-01-29\nauthor: "Ann\\u0008"\ntags: ["a\\u0001i"]\nexcerpt: "An excerpt\\u001B that is whole."'),
    );
    expect(post.title).toBe('Bell rings');
    expect(post.author).toBe('Ann');
    expect(post.tags).toEqual(['ai']);
    expect(post.excerpt).toBe('An excerpt that is whole.');
  });

  it('strips raw control characters in the file instead of rejecting it', () => {
    const post = ok(parsePost('a.md', '---\ntitle: Bell\u0007 rings\ndate: 2026-01-29\n---\nBody \u0000with\u000B noise.\n', PARIS));
    expect(post.title).toBe('Bell rings');
    expect(post.body).toBe('Body with noise.');
  });

  it('keeps tabs and line breaks, which are not control characters to strip', () => {
    const post = ok(parsePost('a.md', file('title: T\ndate: 2026-01-29', '```\n\tindented();\n```'), PARIS));
    expect(post.body).toBe('```\n\tindented();\n```');
  });

  it('takes the slug from the file name without its leading date', () => {
    expect(ok(parsePost('2026/2026-01-29-big-deal.md', file('title: T\ndate: 2026-01-29'), PARIS)).slug).toBe('big-deal');
  });

  it('takes the slug from front matter when given, slugified', () => {
    expect(ok(parse('title: T\ndate: 2026-01-29\nslug: My Custom Slug')).slug).toBe('my-custom-slug');
  });

  it.each([
    ['true', true],
    ["'yes'", true],
    ['false', false],
  ])('reads draft: %s as %s', (value, expected) => {
    expect(ok(parse(`title: T\ndate: 2026-01-29\ndraft: ${value}`)).draft).toBe(expected);
  });
});

describe('parsePost on the seed post', () => {
  const seed = () => readFileSync(SEED, 'utf8');

  it('parses the seed post with every front matter field', () => {
    const post = ok(parsePost('000_3f00ea5a46aaec6b.md', seed(), PARIS));
    expect(post.title).toBe('Amazon is reportedly in talks to invest $50B in OpenAI');
    // The front matter gives the day; the page's "Posted: 2:11 PM PST · January 29, 2026" the time on it.
    expect(post.date.toISOString()).toBe('2026-01-29T22:11:00.000Z');
    expect(post.dateZone).toEqual({ zone: 'UTC-8', label: 'PST' });
    expect(post.author).toBe('AIVibe');
    expect(post.writer).toBe('Lucas Ropek');
    expect(post.imageCredit).toBe('Michael Nagle/Bloomberg / Getty Images');
    expect(post.tags).toEqual(['Ai', 'Openai']);
    expect(post.category).toEqual({ name: 'Finance', slug: 'finance' });
    expect(post.coverImage).toMatch(/^https:\/\/images\.unsplash\.com\/photo-1559526324-4b87b5e36e44\?/);
    expect(post.source).toBe('https://techcrunch.com/2026/01/29/amazon-is-reportedly-in-talks-to-invest-50-billion-in-openai/');
    expect(post.draft).toBe(false);
    expect(post.wordCount).toBeGreaterThan(150);
  });

  it('replaces the excerpt cut mid-word ("inve...") with one derived from the first real paragraph', () => {
    const post = ok(parsePost('000_3f00ea5a46aaec6b.md', seed(), PARIS));
    expect(post.excerpt.startsWith('OpenAI, a company')).toBe(true);
    expect(post.excerpt).not.toContain('inve...');
    expect(post.excerpt).not.toContain('In Brief');
    expect(post.excerpt.endsWith('…')).toBe(true);
  });

  it('cleans the scraped body: no tab-indented lines, no runs of blank lines, only the four paragraphs of the article', () => {
    const { body } = ok(parsePost('000_3f00ea5a46aaec6b.md', seed(), PARIS));
    expect(body).not.toMatch(/^\t/m);
    expect(body).not.toMatch(/\n\n\n/);
    const paragraphs = body.split('\n\n');
    expect(paragraphs).toHaveLength(4);
    expect(paragraphs[0]).toMatch(/^OpenAI, a company already valued at \$500 billion/);
    expect(paragraphs[3]).toMatch(/designed to exclusively run Anthropic models\.$/);
    for (const furniture of ['In Brief', 'Posted:', 'Image Credits', 'Lucas Ropek', 'Topics', 'Tickets']) expect(body).not.toContain(furniture);
  });
});

describe('parsePost and gray-matter', () => {
  it('does not share results between two parses of the same text (no gray-matter cache)', () => {
    const text = file('title: T\ndate: 2026-01-29\ntags: [one, two]');
    const first = ok(parsePost('a.md', text, PARIS));
    first.tags.push('mutated');
    first.tags[0] = 'changed';
    const second = ok(parsePost('a.md', text, PARIS));
    expect(second.tags).toEqual(['one', 'two']);
    expect(second).not.toBe(first);
  });
});
