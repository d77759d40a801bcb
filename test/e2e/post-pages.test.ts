// Post pages (issue 15 §1): what a page shows and tells platforms, and which pages a rebuild touches.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createSiteBuilder } from '../../src/core/build.js';
import { jsonForScript } from '../../src/web/post-page.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function newSite() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-pages-'));
  roots.push(root);
  const content = path.join(root, 'content');
  await mkdir(content);
  const out = path.join(root, 'out');
  const build = (feeds: Record<string, unknown> = {}) =>
    createSiteBuilder(
      parseConfig({
        site: { title: 'Gazette', url: 'https://news.example.com/', timezone: 'UTC', image: 'https://news.example.com/logo.png' },
        feeds,
        paths: { content, out, data: path.join(root, 'data') },
      }),
      { now: () => NOW, cwd: '/' },
    ).build();
  const page = (slug: string) => readFileSync(path.join(out, 'posts', slug, 'index.html'), 'utf8');
  return { content, out, build, page };
}

const source = (o: { title: string; date: string; category?: string; extra?: string; body?: string }) =>
  `---\ntitle: ${JSON.stringify(o.title)}\ndate: ${o.date}\ncategory: ${o.category ?? 'Science'}\n${o.extra ?? ''}---\n${o.body ?? 'Body.'}\n`;

describe('post pages', () => {
  it('show the post with canonical, OpenGraph, Twitter and JSON-LD metadata, its neighbours, the subscribe form and the feeds', async () => {
    const site = await newSite();
    await writeFile(path.join(site.content, 'old.md'), source({ title: 'Old', date: '2026-11-01' }));
    await writeFile(
      path.join(site.content, 'mid.md'),
      source({
        title: 'Mid </script><script>alert(1)</script>',
        date: '2026-11-10',
        extra: 'author: Ada\ntags: [tides, data]\ncoverImage: cover.jpg\nsource: https://elsewhere.example.org/mid\nexcerpt: "Short & sweet"\n',
        body: 'Read [the top](#top) and [more](/about/).',
      }),
    );
    await writeFile(path.join(site.content, 'new.md'), source({ title: 'New', date: '2026-11-20' }));
    await writeFile(path.join(site.content, 'other.md'), source({ title: 'Other', date: '2026-11-15', category: 'Finance' }));
    const report = await site.build();
    expect(report.written).toEqual(expect.arrayContaining(['posts/old/index.html', 'posts/mid/index.html', 'posts/new/index.html', 'posts/other/index.html']));
    // Written plain: the server compresses a page per request.
    for (const suffix of ['.gz', '.br']) expect(existsSync(path.join(site.out, 'posts', 'mid', `index.html${suffix}`))).toBe(false);

    const html = site.page('mid');
    const url = 'https://news.example.com/posts/mid/';
    expect(html).toContain(`<link rel="canonical" href="${url}">`);
    expect(html).toContain('<meta property="og:title" content="Mid &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).toContain('<meta property="og:description" content="Short &amp; sweet">');
    expect(html).toContain('<meta property="og:image" content="https://news.example.com/posts/mid/cover.jpg">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain('<time datetime="2026-11-10T00:00:00.000Z">November 10, 2026</time>');
    expect(html).toContain('href="https://news.example.com/categories/science/"');
    expect(html).toContain('Originally published at <a href="https://elsewhere.example.org/mid" rel="external">elsewhere.example.org</a>');
    // The body the feeds carry: links absolute, fragments too.
    expect(html).toContain('<a href="https://news.example.com/posts/mid/#top">the top</a>');
    expect(html).toContain('<a href="https://news.example.com/about/">more</a>');
    expect(html).toMatch(/rel="prev"><span>← Previous in Science<\/span>Old<\/a>/);
    expect(html).toMatch(/rel="next"><span>Next in Science →<\/span>New<\/a>/);
    expect(html).toContain('<form method="post" action="https://news.example.com/subscribe" id="subscribe">');
    expect(html).toContain('<link rel="alternate" type="application/rss+xml" title="Gazette (RSS)" href="https://news.example.com/feed.xml">');
    expect(html).toContain('href="https://news.example.com/categories/science/atom.xml"');
    // The title's </script> cannot end the JSON-LD element: one <script type=…> element, and it parses.
    const ld = [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
    expect(ld).toHaveLength(1);
    const article = JSON.parse(ld[0]![1]!);
    expect(article).toMatchObject({
      '@type': 'Article',
      headline: 'Mid </script><script>alert(1)</script>',
      datePublished: '2026-11-10T00:00:00.000Z',
      author: { '@type': 'Person', name: 'Ada' },
      image: ['https://news.example.com/posts/mid/cover.jpg'],
      publisher: { '@type': 'Organization', name: 'Gazette', logo: { url: 'https://news.example.com/logo.png' } },
      mainEntityOfPage: url,
    });
    // The oldest has no previous, the newest no next; a category of one has neither.
    expect(site.page('old')).not.toContain('rel="prev"');
    expect(site.page('new')).not.toContain('rel="next"');
    expect(site.page('other')).not.toContain('class="neighbours"');
  });

  it('escape every character that could end or change a script element in JSON-LD', () => {
    const text = jsonForScript({ a: '</script><!-- ]]> & \u2028' });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ a: '</script><!-- ]]> & \u2028' });
  });

  it('a rebuild rewrites the changed post and its neighbours only; a removed post loses its page (and its compressed copies)', async () => {
    const site = await newSite();
    for (let day = 1; day <= 9; day++) await writeFile(path.join(site.content, `p${day}.md`), source({ title: `P${day}`, date: `2026-10-0${day}` }));
    await site.build();
    await writeFile(path.join(site.content, 'p5.md'), source({ title: 'P5, renamed', date: '2026-10-05' }));
    const edited = await site.build();
    expect(edited.written.filter((f) => f.startsWith('posts/')).sort()).toEqual(['posts/p4/index.html', 'posts/p5/index.html', 'posts/p6/index.html']);
    await unlink(path.join(site.content, 'p2.md'));
    const removed = await site.build();
    expect(removed.removed).toEqual(expect.arrayContaining(['posts/p2/index.html']));
    expect(existsSync(path.join(site.out, 'posts', 'p2'))).toBe(false);
    // Its neighbours now point at each other.
    expect(removed.written.filter((f) => f.startsWith('posts/')).sort()).toEqual(['posts/p1/index.html', 'posts/p3/index.html']);
    expect(site.page('p3')).toMatch(/rel="prev"><span>[^<]*<\/span>P1</);
    // Nothing changed: nothing written.
    expect((await site.build()).written).toEqual([]);
  });

  it('feeds.postPages: false writes no pages, and removes those an earlier build wrote (only those)', async () => {
    const site = await newSite();
    await writeFile(path.join(site.content, 'a.md'), source({ title: 'A', date: '2026-11-01' }));
    await site.build();
    await writeFile(path.join(site.out, 'posts', 'mine.html'), 'not Broadsheet’s');
    const off = await site.build({ postPages: false });
    expect(off.removed).toEqual(['posts/a/index.html']);
    expect(readdirSync(path.join(site.out, 'posts'))).toEqual(['mine.html']);
  });

  it('feeds.links: "source" links items to the original; the page still exists and names it', async () => {
    const site = await newSite();
    await writeFile(path.join(site.content, 'a.md'), source({ title: 'A', date: '2026-11-25', extra: 'source: https://elsewhere.example.org/a\n' }));
    await site.build({ links: 'source' });
    const json = JSON.parse(readFileSync(path.join(site.out, 'feed.json'), 'utf8'));
    expect(json.items[0]).toMatchObject({ id: 'https://news.example.com/posts/a/', url: 'https://elsewhere.example.org/a' });
    expect(JSON.parse(readFileSync(path.join(site.out, 'digest.json'), 'utf8')).sections[0].posts[0].url).toBe('https://elsewhere.example.org/a');
    expect(site.page('a')).toContain('Originally published at');
  });
});
