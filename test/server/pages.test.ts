// The front page, category pages and the 404 page, built and served by the real server.
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServedSite, type ServedSite } from '../helpers/served-site.js';

let site: ServedSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});
const html = async (p: string) => {
  const res = await fetch(site!.base + p, { headers: { accept: 'text/html' } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};
const titlesIn = (body: string) => [...body.matchAll(/<h2><a href="([^"]+)">([^<]+)<\/a><\/h2>/g)].map((m) => [m[1], m[2]]);

describe('list pages', () => {
  it('the front page lists the newest posts with date, excerpt and category, then pages on', async () => {
    site = await startServedSite({ config: { site: { postsPerPage: 3 } } });
    const front = await html('/');
    expect(front.status).toBe(200);
    expect(titlesIn(front.body)).toEqual([
      ['https://news.example.com/posts/borrowscope/', 'Borrowscope draws Rust lifetimes as timelines'],
      ['https://news.example.com/posts/payroll/', 'Credit unions &amp; banks test same-day payroll'],
      ['https://news.example.com/posts/tide-gauges/', 'Tide gauges open fifteen years of readings'],
    ]);
    expect(front.body).toContain(
      '<time datetime="2026-11-27T08:30:00Z">Nov 27, 2026</time> · <a href="https://news.example.com/categories/open-source/">Open Source</a>',
    );
    expect(front.body).toContain('<p>The body of &#34;Borrowscope draws Rust lifetimes as timelines&#34;, with a few plain words.</p>');
    expect(front.body).toContain('<a href="https://news.example.com/page/2/" rel="next">');
    // Subscribe form and feeds as before, after the posts.
    expect(front.body.indexOf('id="subscribe"')).toBeGreaterThan(front.body.indexOf('class="posts"'));
    expect(front.body).toContain('<a href="https://news.example.com/feeds.opml">');
    const second = await html('/page/2/');
    expect(second.status).toBe(200);
    expect(titlesIn(second.body).map(([, title]) => title)).toEqual(['An older post about harbour cranes']);
    expect(second.body).toContain('<a href="https://news.example.com/" rel="prev">');
    expect(second.body).not.toContain('rel="next"');
    expect((await html('/page/3/')).status).toBe(404);
  });

  it('each category has its posts, its own feeds and a subscribe form with it ticked', async () => {
    site = await startServedSite();
    const science = await html('/categories/science/');
    expect(science.status).toBe(200);
    expect(titlesIn(science.body).map(([, title]) => title)).toEqual(['Tide gauges open fifteen years of readings', 'An older post about harbour cranes']);
    expect(science.body).toContain(
      '<link rel="alternate" type="application/rss+xml" title="The Sample Times: Science (RSS)" href="https://news.example.com/categories/science/feed.xml">',
    );
    expect(science.body).not.toContain('href="https://news.example.com/feed.xml"');
    expect(science.body).toContain('<input type="checkbox" name="categories" value="science" checked>');
    expect(science.body).toContain('<input type="checkbox" name="categories" value="finance">');
    // The form posts to the route that reads those categories.
    const res = await fetch(`${site.base}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=ada%40example.org&categories=science&timezone=UTC',
    });
    expect(res.status).toBe(202);
    await site.core.settled();
    expect((await site.store.findByEmail('ada@example.org'))?.categories).toEqual(['science']);
  });

  it('a category that loses its last post loses its page; an unchanged list page is not rewritten', async () => {
    site = await startServedSite();
    expect((await html('/categories/finance/')).status).toBe(200);
    await unlink(path.join(site.root, 'content', '2026-11-25-payroll.md'));
    const report = await site.core.build();
    expect(report.removed).toEqual(expect.arrayContaining(['categories/finance/index.html']));
    expect(existsSync(path.join(site.outDir, 'categories/finance/index.html.br'))).toBe(false);
    expect((await html('/categories/finance/')).status).toBe(404);
    expect(report.written).toContain('index.html');
    // A Science post retitled: the front page and Science's are rewritten; Open Source's, which lists
    // the same post as before, is kept as it is.
    const file = path.join(site.root, 'content', '2026-10-01-older.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('An older post about harbour cranes', 'Harbour cranes, retitled'));
    const retitled = await site.core.build();
    expect(retitled.written).toEqual(expect.arrayContaining(['index.html', 'categories/science/index.html']));
    expect(retitled.written).not.toContain('categories/open-source/index.html');
    expect(retitled.unchanged).toContain('categories/open-source/index.html');
    expect((await html('/categories/science/')).body).toContain('Harbour cranes, retitled');
  });
});

describe('compression', () => {
  it('sends the site pages (written plain) compressed to clients that accept it, and a page rewritten over stale compressed copies loses them', async () => {
    site = await startServedSite();
    for (const p of ['/', '/categories/science/', '/posts/borrowscope/']) {
      const file = path.join(site.outDir, ...p.split('/').filter(Boolean), 'index.html');
      expect(existsSync(`${file}.br`), p).toBe(false);
      for (const encoding of ['br', 'gzip']) {
        const res = await fetch(site.base + p, { headers: { accept: 'text/html', 'accept-encoding': encoding } });
        expect([res.status, res.headers.get('content-encoding')], `${p} ${encoding}`).toEqual([200, encoding]);
        // fetch decodes it: the page as built.
        expect(await res.text()).toBe(await readFile(file, 'utf8'));
      }
    }
    // Copies an earlier build left beside a page would be sent in its place: a rewrite removes them.
    const page = path.join(site.outDir, 'posts', 'borrowscope', 'index.html');
    for (const suffix of ['.gz', '.br']) await writeFile(`${page}${suffix}`, 'stale');
    const file = path.join(site.root, 'content', '2026-11-27-borrowscope.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('with a few plain words', 'with a few new words'));
    const report = await site.core.build();
    expect(report.written).toContain('posts/borrowscope/index.html');
    for (const suffix of ['.gz', '.br']) expect(existsSync(`${page}${suffix}`), suffix).toBe(false);
    const res = await fetch(`${site.base}/posts/borrowscope/`, { headers: { accept: 'text/html', 'accept-encoding': 'br' } });
    expect(await res.text()).toContain('with a few new words');
  });
});

describe('the 404 page', () => {
  it('is the built 404.html, with status 404, for a browser; JSON clients still get JSON', async () => {
    site = await startServedSite();
    const page = await html('/no/such/page/');
    expect([page.status, page.type]).toEqual([404, 'text/html; charset=utf-8']);
    expect(page.body).toContain('<h1>Not found</h1>');
    expect(page.body).toContain('<a href="https://news.example.com/">');
    const json = await fetch(`${site.base}/no/such/page/`, { headers: { accept: 'application/json' } });
    expect([json.status, await json.json()]).toEqual([404, { error: 'Nothing lives at /no/such/page/.' }]);
  });
});
