import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Post } from '../../src/content/schema.js';
import { buildDigest, defaultWindow } from '../../src/digest/build.js';
import { post as basePost } from '../helpers/posts.js';

const at = (iso: string) => new Date(iso);
const post = (o: Partial<Post> = {}): Post => basePost({ excerpt: 'An excerpt.', ...o });
const config = parseConfig({ site: { url: 'https://news.example.com/', timezone: 'Europe/Paris', author: { name: 'Desk' } } });
const window = { since: at('2026-11-23T00:00:00Z'), until: at('2026-11-30T00:00:00Z') };

describe('buildDigest', () => {
  it('keeps only posts in the half-open window [since, until)', () => {
    const digest = buildDigest(
      [
        post({ slug: 'at-since', date: window.since }),
        post({ slug: 'at-until', date: window.until }),
        post({ slug: 'before', date: at('2026-11-22T23:59:59Z') }),
        post({ slug: 'inside', date: at('2026-11-29T23:59:59Z') }),
      ],
      window,
      config,
    );
    expect(digest.sections.flatMap((s) => s.posts.map((p) => p.slug))).toEqual(['inside', 'at-since']);
    expect(digest.postCount).toBe(2);
  });

  it('orders categories by post count, then name, and posts newest first', () => {
    const digest = buildDigest(
      [
        post({ slug: 's1', category: { name: 'Science', slug: 'science' }, date: at('2026-11-24T08:00:00Z') }),
        post({ slug: 'f1', category: { name: 'Finance', slug: 'finance' }, date: at('2026-11-24T08:00:00Z') }),
        post({ slug: 'a1', category: { name: 'AI', slug: 'ai' }, date: at('2026-11-24T08:00:00Z') }),
        post({ slug: 'a2', category: { name: 'AI', slug: 'ai' }, date: at('2026-11-26T08:00:00Z') }),
      ],
      window,
      config,
    );
    expect(digest.sections.map((s) => [s.name, s.postCount])).toEqual([
      ['AI', 2],
      ['Finance', 1],
      ['Science', 1],
    ]);
    expect(digest.sections[0]!.posts.map((p) => p.slug)).toEqual(['a2', 'a1']);
  });

  it('counts the most used tags case-insensitively, per section and overall', () => {
    const digest = buildDigest(
      [
        post({ slug: 'x', tags: ['Rust', 'cli'] }),
        post({ slug: 'y', tags: ['rust'] }),
        post({ slug: 'z', tags: ['go'], category: { name: 'Dev', slug: 'dev' } }),
      ],
      window,
      config,
    );
    expect(digest.topTags[0]).toEqual({ name: 'Rust', count: 2 });
    expect(digest.sections.find((s) => s.slug === 'news')!.topTags.map((t) => t.name)).toEqual(['Rust', 'cli']);
  });

  it('gives each post an absolute URL, an absolute cover image and the site author as fallback', () => {
    const digest = buildDigest([post({ slug: 'hello', coverImage: 'cover.png' })], window, config);
    const only = digest.sections[0]!.posts[0]!;
    expect(only.url).toBe('https://news.example.com/posts/hello/');
    expect(only.coverImage).toBe('https://news.example.com/posts/hello/cover.png');
    expect(only.author).toBe('Desk');
  });

  it('names the window by its calendar days in the site timezone', () => {
    expect(buildDigest([], { since: at('2026-11-22T23:00:00Z'), until: at('2026-11-29T23:00:00Z') }, config).id).toBe('2026-11-23..2026-11-30');
  });
});

describe('defaultWindow', () => {
  it('covers the seven days up to and including today in the given timezone', () => {
    // 23:30 UTC on the 29th is already the 30th in Paris.
    const w = defaultWindow(at('2026-11-29T23:30:00Z'), 'Europe/Paris');
    expect(w.since.toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(w.until.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });

  it('is the same all day long, so repeated builds write the same digest.json', () => {
    const morning = defaultWindow(at('2026-11-29T00:00:01Z'), 'UTC');
    const evening = defaultWindow(at('2026-11-29T23:59:59Z'), 'UTC');
    expect(evening).toEqual(morning);
  });

  it('spans a daylight-saving change by calendar days, not 168 hours', () => {
    const w = defaultWindow(at('2026-10-27T12:00:00Z'), 'Europe/Paris');
    expect(w.since.toISOString()).toBe('2026-10-20T22:00:00.000Z');
    expect(w.until.toISOString()).toBe('2026-10-27T23:00:00.000Z');
  });
});
