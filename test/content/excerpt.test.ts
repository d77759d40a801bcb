import { describe, expect, it } from 'vitest';
import { EXCERPT_MAX, chooseExcerpt, countWords, isCutMidWord, readingMinutes, truncateAtWord } from '../../src/content/excerpt.js';

const PROSE = 'OpenAI, a company already valued at a great deal, is looking for more money from investors this quarter.';

describe('isCutMidWord', () => {
  it.each(['Amazon is reportedly in talks to inve...', 'talks to inve…', 'raised 50...', 'ending in 東京…'])('sees %j as cut mid-word', (text) => {
    expect(isCutMidWord(text)).toBe(true);
  });

  it.each(['A whole sentence.', 'It trails off ...', 'It trails off …', 'Wait for it…!', 'No punctuation at all', ''])('sees %j as whole', (text) => {
    expect(isCutMidWord(text)).toBe(false);
  });
});

describe('chooseExcerpt', () => {
  it('keeps the front matter excerpt when it is whole', () => {
    expect(chooseExcerpt('A short, complete summary.', PROSE, 'Title')).toBe('A short, complete summary.');
  });

  it('cleans tags and white space out of the front matter excerpt', () => {
    expect(chooseExcerpt('  A <em>short</em>\n  summary.  ', PROSE, 'Title')).toBe('A short summary.');
  });

  it('derives the excerpt from the body when the front matter has none', () => {
    expect(chooseExcerpt(undefined, PROSE, 'Title')).toBe(PROSE);
    expect(chooseExcerpt('   ', PROSE, 'Title')).toBe(PROSE);
  });

  it('derives the excerpt from the body when the front matter one is cut mid-word', () => {
    expect(chooseExcerpt('In Brief Posted: 2:11 PM Amazon is reportedly in talks to inve...', PROSE, 'Title')).toBe(PROSE);
  });

  it('skips page furniture and a repeated title to reach the first real paragraph', () => {
    const body = [
      'In Brief',
      'Posted:',
      '2:11 PM PST · January 29, 2026',
      'Image Credits:Jane Doe/Agency / Photo Library',
      'Jane Writer',
      'Amazon is reportedly in talks to invest in OpenAI',
      PROSE,
      'A later paragraph that should not be chosen because it comes second.',
    ].join('\n\n');
    expect(chooseExcerpt(undefined, body, 'Amazon is reportedly in talks to invest in OpenAI')).toBe(PROSE);
  });

  it('accepts a short paragraph as prose when it ends like a sentence', () => {
    expect(chooseExcerpt(undefined, 'Posted:\n\nThe deal closed on Friday afternoon.', 'T')).toBe('The deal closed on Friday afternoon.');
  });

  it('falls back to the first non-title paragraph when none reads like prose', () => {
    expect(chooseExcerpt(undefined, 'Title\n\nIn Brief\n\nPosted:', 'Title')).toBe('In Brief');
  });

  it('cuts a long derived excerpt at a word boundary with an ellipsis', () => {
    const long = `${'word '.repeat(100)}end.`;
    const excerpt = chooseExcerpt(undefined, long, 'T');
    expect(excerpt.length).toBeLessThanOrEqual(EXCERPT_MAX + 1);
    expect(excerpt).toMatch(/^(word )*word…$/);
  });

  it('keeps only the whole words of a cut front matter excerpt when the body has nothing to offer', () => {
    expect(chooseExcerpt('Amazon is reportedly in talks to inve...', '', 'T')).toBe('Amazon is reportedly in talks to…');
  });

  it('gives an empty excerpt when there is nothing at all', () => {
    expect(chooseExcerpt(undefined, '', 'T')).toBe('');
  });
});

describe('truncateAtWord', () => {
  it('returns text within the limit unchanged', () => {
    expect(truncateAtWord('short text', 20)).toBe('short text');
    expect(truncateAtWord('exactly ten', 11)).toBe('exactly ten');
  });

  it('cuts at the last word boundary and ends with "…"', () => {
    expect(truncateAtWord('one two three four', 10)).toBe('one two…');
    expect(truncateAtWord('one two three four', 13)).toBe('one two three…');
  });

  it('drops punctuation left dangling before the ellipsis', () => {
    expect(truncateAtWord('first, second; third', 14)).toBe('first, second…');
    expect(truncateAtWord('first - second', 8)).toBe('first…');
  });

  it('never leaves a partial word when a boundary is near enough', () => {
    const text = 'The quick brown fox jumps over the lazy dog again and again';
    for (let max = 20; max < text.length; max++) {
      const cut = truncateAtWord(text, max);
      const head = cut.slice(0, -1);
      expect(cut.endsWith('…')).toBe(true);
      expect(head.length).toBeLessThanOrEqual(max);
      expect(text.startsWith(head)).toBe(true);
      expect(text[head.length]).toMatch(/[\s,]/);
    }
  });

  it('cuts one very long word hard at the limit', () => {
    expect(truncateAtWord('x'.repeat(30), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('countWords', () => {
  it('counts words in prose, contractions and hyphenated words as one', () => {
    expect(countWords('It’s a well-known fact that $50B is a lot.')).toBe(9);
  });

  it('ignores link targets and HTML tags', () => {
    expect(countWords('See [the report](https://ex.com/a-very-long/path-here) <b>now</b>.')).toBe(4);
  });

  it('ignores fenced code', () => {
    expect(countWords('Two words\n\n```\nlots of code words here\n```')).toBe(2);
  });

  it('counts zero words in an empty body', () => {
    expect(countWords('')).toBe(0);
  });
});

describe('readingMinutes', () => {
  it.each([
    [0, 1],
    [100, 1],
    [230, 1],
    [345, 2],
    [460, 2],
    [1000, 4],
  ])('gives %i words %i minute(s) at 230 words a minute, at least one', (words, minutes) => {
    expect(readingMinutes(words)).toBe(minutes);
  });
});
