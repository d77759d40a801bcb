// The post file builder writes what it is given: every field parses back as written, whatever the title.
import { describe, expect, it } from 'vitest';
import { parsePost } from '../../src/content/parse.js';
import { postSource } from './posts.js';

const parsed = (source: string) => {
  const result = parsePost('a.md', source, { timezone: 'UTC' });
  if (!result.ok) throw new Error(result.errors.map((e) => e.describe()).join('; '));
  return result.post;
};

describe('postSource', () => {
  it('quotes text, so titles, categories and tags that look like YAML come back as written', () => {
    for (const title of ['Ada: a "quoted" title # not a comment', '- like a list item', "'single' & [bracketed] {braced}", 'yes', '2026-11-20']) {
      const post = parsed(postSource({ title, date: '2026-11-20T08:00:00Z', category: 'Arts & Culture: Reviews', tags: ['a: b', 'no'] }));
      expect(post.title).toBe(title);
      expect(post.category.name).toBe('Arts & Culture: Reviews');
      expect(post.tags).toEqual(['a: b', 'no']);
    }
  });

  it('writes the date, draft and body given; by default a published post whose body names its title', () => {
    const draft = parsed(postSource({ title: 'T', date: '2026-11-20', category: 'News', draft: true, body: 'First.\n\nSecond.' }));
    expect([draft.date.toISOString(), draft.draft, draft.body]).toEqual(['2026-11-20T00:00:00.000Z', true, 'First.\n\nSecond.']);
    const plain = parsed(postSource({ title: 'Harbour cranes return', date: '2026-11-20T08:00:00Z', category: 'News' }));
    expect([plain.date.toISOString(), plain.draft, plain.tags, plain.body]).toEqual([
      '2026-11-20T08:00:00.000Z',
      false,
      [],
      'Harbour cranes return, in a few words.',
    ]);
  });
});
