import { describe, expect, it } from 'vitest';
import { publishPosts, type PublishOptions } from '../../src/content/publish.js';
import type { Post } from '../../src/content/schema.js';
import { post as basePost } from '../helpers/posts.js';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-05-06T12:00:00Z');

/** A post on NOW's day, before it. */
const post = (o: Partial<Post> = {}): Post => basePost({ date: at('2026-05-06T08:00:00Z'), ...o });

const options = (o: Partial<PublishOptions> = {}): PublishOptions => ({ drafts: false, future: false, now: NOW, ...o });

describe('publishPosts: drafts and future posts', () => {
  const draft = post({ file: 'draft.md', slug: 'draft', draft: true });
  const future = post({ file: 'future.md', slug: 'future', date: at('2026-05-07T00:00:00Z') });
  const live = post({ file: 'live.md', slug: 'live' });

  it('leaves drafts and future posts out by default, and counts them', () => {
    const published = publishPosts([draft, future, live], options());
    expect(published.posts.map((p) => p.slug)).toEqual(['live']);
    expect(published.skipped).toEqual({ drafts: 1, future: 1 });
    expect(published.warnings).toEqual([]);
  });

  it('includes drafts when the options ask for them', () => {
    const published = publishPosts([draft, future, live], options({ drafts: true }));
    expect(published.posts.map((p) => p.slug).sort()).toEqual(['draft', 'live']);
    expect(published.skipped).toEqual({ drafts: 0, future: 1 });
  });

  it('includes future posts when the options ask for them', () => {
    const published = publishPosts([draft, future, live], options({ future: true }));
    expect(published.posts.map((p) => p.slug)).toEqual(['future', 'live']);
    expect(published.skipped).toEqual({ drafts: 1, future: 0 });
  });

  it('counts a future draft once, as a draft', () => {
    const published = publishPosts([post({ draft: true, date: at('2027-01-01T00:00:00Z') })], options());
    expect(published.skipped).toEqual({ drafts: 1, future: 0 });
  });

  it('publishes a post dated exactly now', () => {
    expect(publishPosts([post({ date: NOW })], options()).posts).toHaveLength(1);
  });

  it('does not mutate the posts it is given', () => {
    const input = [post({ file: 'b.md', slug: 'x', date: at('2026-05-02T00:00:00Z') }), post({ file: 'a.md', slug: 'x', date: at('2026-05-01T00:00:00Z') })];
    const copy = structuredClone(input);
    publishPosts(input, options());
    expect(input).toEqual(copy);
  });
});

describe('publishPosts: colliding slugs', () => {
  it('keeps both posts; the later one by date gets "-2" and a warning names both files', () => {
    const older = post({ file: 'news/older.md', slug: 'deal', date: at('2026-05-01T00:00:00Z') });
    const newer = post({ file: 'archive/newer.md', slug: 'deal', date: at('2026-05-02T00:00:00Z') });
    const published = publishPosts([newer, older], options());

    expect(published.posts.map((p) => [p.file, p.slug])).toEqual([
      ['archive/newer.md', 'deal-2'],
      ['news/older.md', 'deal'],
    ]);
    expect(published.warnings).toHaveLength(1);
    const warning = published.warnings[0]!;
    expect(warning.file).toBe('archive/newer.md');
    expect(warning.field).toBe('slug');
    expect(warning.describe()).toContain('archive/newer.md');
    expect(warning.describe()).toContain('news/older.md');
    expect(warning.describe()).toContain('"deal-2"');
  });

  it('breaks a date tie by path: the later path gets "-2"', () => {
    const date = at('2026-05-01T00:00:00Z');
    const published = publishPosts([post({ file: 'b.md', slug: 'x', date }), post({ file: 'a.md', slug: 'x', date })], options());
    expect(Object.fromEntries(published.posts.map((p) => [p.file, p.slug]))).toEqual({ 'a.md': 'x', 'b.md': 'x-2' });
    expect(published.warnings[0]?.describe()).toMatch(/^b\.md: slug: .*a\.md/);
  });

  it('does not clobber a post whose own slug is already "x-2": the next collision gets "-3"', () => {
    const first = post({ file: 'first.md', slug: 'x', date: at('2026-05-01T00:00:00Z') });
    const own = post({ file: 'own.md', slug: 'x-2', date: at('2026-05-02T00:00:00Z') });
    const third = post({ file: 'third.md', slug: 'x', date: at('2026-05-03T00:00:00Z') });
    const published = publishPosts([third, own, first], options());

    expect(Object.fromEntries(published.posts.map((p) => [p.file, p.slug]))).toEqual({
      'first.md': 'x',
      'own.md': 'x-2',
      'third.md': 'x-3',
    });
    expect(published.warnings).toHaveLength(1);
    expect(published.warnings[0]?.file).toBe('third.md');
  });

  it('numbers three posts with one slug "-2" and "-3", oldest first', () => {
    const published = publishPosts(
      [
        post({ file: 'c.md', slug: 'x', date: at('2026-05-03T00:00:00Z') }),
        post({ file: 'a.md', slug: 'x', date: at('2026-05-01T00:00:00Z') }),
        post({ file: 'b.md', slug: 'x', date: at('2026-05-02T00:00:00Z') }),
      ],
      options(),
    );
    expect(Object.fromEntries(published.posts.map((p) => [p.file, p.slug]))).toEqual({ 'a.md': 'x', 'b.md': 'x-2', 'c.md': 'x-3' });
    expect(published.warnings.map((w) => w.file)).toEqual(['b.md', 'c.md']);
    expect(new Set(published.posts.map((p) => p.slug)).size).toBe(3);
  });

  it('does not count a left-out draft as taking a slug', () => {
    const published = publishPosts(
      [post({ file: 'draft.md', slug: 'x', draft: true, date: at('2026-05-01T00:00:00Z') }), post({ file: 'live.md', slug: 'x' })],
      options(),
    );
    expect(published.posts.map((p) => p.slug)).toEqual(['x']);
    expect(published.warnings).toEqual([]);
  });
});

describe('publishPosts: categories', () => {
  it('unifies "finance" and "Finance" under one name, the most used spelling', () => {
    const published = publishPosts(
      [
        post({ file: 'a.md', slug: 'a', category: { name: 'finance', slug: 'finance' } }),
        post({ file: 'b.md', slug: 'b', category: { name: 'Finance', slug: 'finance' } }),
        post({ file: 'c.md', slug: 'c', category: { name: 'Finance', slug: 'finance' } }),
      ],
      options(),
    );
    expect(published.posts.map((p) => p.category)).toEqual([
      { name: 'Finance', slug: 'finance' },
      { name: 'Finance', slug: 'finance' },
      { name: 'Finance', slug: 'finance' },
    ]);
  });

  it('settles a tie between spellings the same way whatever the input order', () => {
    const lower = post({ file: 'a.md', slug: 'a', category: { name: 'finance', slug: 'finance' } });
    const upper = post({ file: 'b.md', slug: 'b', category: { name: 'Finance', slug: 'finance' } });
    const names = (posts: Post[]) => [...new Set(publishPosts(posts, options()).posts.map((p) => p.category.name))];
    expect(names([lower, upper])).toEqual(['Finance']);
    expect(names([upper, lower])).toEqual(['Finance']);
  });

  it('leaves distinct categories apart', () => {
    const published = publishPosts(
      [post({ file: 'a.md', slug: 'a' }), post({ file: 'b.md', slug: 'b', category: { name: 'Finance', slug: 'finance' } })],
      options(),
    );
    expect(published.posts.map((p) => p.category.name)).toEqual(['News', 'Finance']);
  });
});

describe('publishPosts: order', () => {
  it('orders posts newest first, then by slug', () => {
    const published = publishPosts(
      [
        post({ file: '1.md', slug: 'old', date: at('2026-05-01T00:00:00Z') }),
        post({ file: '2.md', slug: 'zeta', date: at('2026-05-03T00:00:00Z') }),
        post({ file: '3.md', slug: 'alpha', date: at('2026-05-03T00:00:00Z') }),
        post({ file: '4.md', slug: 'mid', date: at('2026-05-02T00:00:00Z') }),
      ],
      options(),
    );
    expect(published.posts.map((p) => p.slug)).toEqual(['alpha', 'zeta', 'mid', 'old']);
  });

  it('gives the same order whatever order the posts come in', () => {
    const posts = [
      post({ file: '1.md', slug: 'b', date: at('2026-05-01T00:00:00Z') }),
      post({ file: '2.md', slug: 'a', date: at('2026-05-01T00:00:00Z') }),
      post({ file: '3.md', slug: 'c', date: at('2026-05-02T00:00:00Z') }),
    ];
    const forward = publishPosts(posts, options()).posts.map((p) => p.file);
    const backward = publishPosts([...posts].reverse(), options()).posts.map((p) => p.file);
    expect(forward).toEqual(['3.md', '2.md', '1.md']);
    expect(backward).toEqual(forward);
  });
});
