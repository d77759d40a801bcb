// Planning post pages: which page shows what, and prints that a full build (heads) and an incremental
// one (build cache rows) compute alike.
import { describe, expect, it } from 'vitest';
import { planPages, postOfRow, rowOf, type PagePost } from '../../src/output/post-pages.js';

const head = (file: string, day: number, title = file): PagePost => ({
  file,
  slug: file.replace(/\.md$/, ''),
  title,
  date: new Date(Date.UTC(2026, 10, day)),
  hash: `hash-${file}`,
  // Key order as the loader sets it.
  category: { name: 'Science', slug: 'science' },
});

describe('planPages', () => {
  it('links each page to its older and newer neighbour in its category', () => {
    const planned = planPages([head('a.md', 1), head('c.md', 3), head('b.md', 2)], '/posts/:slug/', 'k');
    expect(planned.map((p) => [p.path, p.previous?.slug ?? null, p.next?.slug ?? null])).toEqual([
      ['posts/c/index.html', 'b', null],
      ['posts/b/index.html', 'a', 'c'],
      ['posts/a/index.html', null, 'b'],
    ]);
  });

  it('gives a post the same print from its head as from the row its last build kept', () => {
    const heads = [head('a.md', 1), head('b.md', 2), head('c.md', 3)];
    const full = planPages(heads, '/posts/:slug/', 'k');
    const rows = full.map((p) => rowOf(p, { size: 1, mtimeMs: 1 }));
    // An incremental build: b's head read again, its neighbours from their rows.
    const incremental = planPages([postOfRow(rows[0]!), heads[1]!, postOfRow(rows[2]!)], '/posts/:slug/', 'k');
    expect(incremental.map((p) => p.print)).toEqual(full.map((p) => p.print));
  });

  it('changes a page’s print when its neighbour’s title changes, and only then', () => {
    const before = planPages([head('a.md', 1), head('b.md', 2), head('c.md', 3)], '/posts/:slug/', 'k');
    const after = planPages([head('a.md', 1), head('b.md', 2, 'B, retitled'), head('c.md', 3)], '/posts/:slug/', 'k');
    const changed = after.filter((p, i) => p.print !== before[i]!.print).map((p) => p.post.file);
    // b's own page does not show its title in the print (its hash does: the file changed); its neighbours do.
    expect(changed.sort()).toEqual(['a.md', 'c.md']);
  });
});
