// The server on the open internet (issue #13, section 5), against the real server on 127.0.0.1:0:
// security headers on every answer, Fastify's own errors in the site's format, who may open /preview
// without its token, the archive page cache and the render rate limits.
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundledTemplates, createCore } from '../../src/core.js';
import { createServer } from '../../src/drivers/server.js';
import { loadPages } from '../../src/web/pages.js';
import { writePostFile } from '../helpers/posts.js';
import { freshServedSite, NOW, PREVIEW_TOKEN, type ServedSite } from '../helpers/served-site.js';

const ARCHIVE = '/archive/2026-11-23..2026-11-30/';
const SECURITY = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy'] as const;

/** A second server over a site's core (or another core), with its own options, on 127.0.0.1:0. */
async function serverOver(s: ServedSite, options: { renderRateLimit?: number; core?: ServedSite['core'] } = {}): Promise<string> {
  const app = await createServer(options.core ?? s.core, await loadPages(bundledTemplates()), s.config, {
    outDir: s.outDir,
    previewToken: PREVIEW_TOKEN,
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  onTestFinished(async () => {
    app.server.closeAllConnections();
    await app.close();
  });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}
const directive = (res: Response, name: string) =>
  (res.headers.get('content-security-policy') ?? '')
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

describe('security headers', () => {
  it('every kind of answer carries the CSP, nosniff, same-origin framing and no-referrer', async () => {
    const s = await freshServedSite();
    const requests: Array<[string, RequestInit?]> = [
      ['/'],
      ['/feed.xml'],
      ['/feed.json'],
      ['/feed.xml', { headers: { accept: 'text/html' } }],
      ['/nope'],
      ['/preview'],
      ['/preview/digest.html'],
      [ARCHIVE],
      ['/%c0%ae'],
      ['/confirm?token=forged'],
      ['/subscribe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"x"}' }],
    ];
    for (const [url, init] of requests) {
      const res = await fetch(`${s.base}${url}`, init);
      expect.soft(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect.soft(res.headers.get('x-frame-options'), url).toBe('SAMEORIGIN');
      expect.soft(res.headers.get('referrer-policy'), url).toBe('no-referrer');
      expect.soft(directive(res, 'default-src'), url).toBe("default-src 'none'");
      expect.soft(directive(res, 'frame-ancestors'), url).toBe("frame-ancestors 'self'");
      expect.soft(directive(res, 'base-uri'), url).toBe("base-uri 'none'");
    }
  });

  it("the page CSP allows the index's own inline script by its hash, and no other inline script", async () => {
    const s = await freshServedSite();
    const res = await fetch(`${s.base}/`);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]!).digest('base64');
    expect(directive(res, 'script-src')).toBe(`script-src 'self' 'sha256-${hash}'`);
    // Forms post to the public site.url (another origin than the loopback address) and to nowhere else.
    expect(directive(res, 'form-action')).toBe("form-action 'self' https://news.example.com");
  });

  it('a digest shown as a page may use inline CSS and remote images, never a script', async () => {
    const s = await freshServedSite();
    for (const url of ['/preview/digest.html', ARCHIVE]) {
      const res = await fetch(`${s.base}${url}`);
      expect(res.status).toBe(200);
      expect(directive(res, 'style-src')).toContain("'unsafe-inline'");
      expect(directive(res, 'img-src')).toContain('https:');
      expect(directive(res, 'script-src')).toBeUndefined(); // default-src 'none' applies
    }
  });

  it('a URL Fastify cannot decode gets the same security headers as any other error page', async () => {
    const s = await freshServedSite();
    const bad = await fetch(`${s.base}/%c0%ae`);
    const missing = await fetch(`${s.base}/nope`);
    for (const name of SECURITY) expect(bad.headers.get(name), name).toBe(missing.headers.get(name));
  });
});

describe("Fastify's own errors in the site's format", () => {
  it('an undecodable URL is a 400 page (or JSON with one sentence), never FST_ERR_BAD_URL', async () => {
    const s = await freshServedSite();
    const page = await fetch(`${s.base}/%c0%ae`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('That request could not be understood.');
    expect(html).not.toContain('FST_');
    const json = await fetch(`${s.base}/%c0%ae`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'That request could not be understood.' });
  });

  it('unknown routes, unknown preview files and malformed bodies answer in the same format', async () => {
    const s = await freshServedSite();
    const unknown = await fetch(`${s.base}/nope`, { headers: { accept: 'application/json' } });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Nothing lives at /nope.' }]);
    const file = await fetch(`${s.base}/preview/secrets.txt`);
    expect(file.status).toBe(404);
    expect(await file.text()).toContain('Nothing lives at /preview/secrets.txt.');
    const body = await fetch(`${s.base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect([body.status, await body.json()]).toEqual([400, { error: 'That request could not be understood.' }]);
  });
});

describe('/preview without its token', () => {
  const open = (s: ServedSite, headers: Record<string, string> = {}, query = '') => fetch(`${s.base}/preview${query}`, { headers }).then((r) => r.status);

  it('without trustProxy: the loopback socket decides, and any forwarding header refuses', async () => {
    const s = await freshServedSite();
    expect(await open(s)).toBe(200);
    // A proxy on this host that sends only X-Real-IP made every visitor look local.
    expect(await open(s, { 'x-real-ip': '203.0.113.9' })).toBe(403);
    expect(await open(s, { 'x-real-ip': '127.0.0.1' })).toBe(403);
    expect(await open(s, { 'x-forwarded-for': '127.0.0.1' })).toBe(403);
    expect(await open(s, { forwarded: 'for=127.0.0.1' })).toBe(403);
    expect(await open(s, { 'x-real-ip': '203.0.113.9' }, `?token=${PREVIEW_TOKEN}`)).toBe(200);
  });

  it('with trustProxy: only a loopback address forwarded in X-Forwarded-For is the publisher', async () => {
    const s = await freshServedSite({ config: { server: { trustProxy: true } } });
    expect(await open(s, { 'x-forwarded-for': '127.0.0.1' })).toBe(200);
    expect(await open(s, { 'x-forwarded-for': '203.0.113.9' })).toBe(403);
    // Through the proxy but without X-Forwarded-For: the client is unknown, not the proxy's own loopback.
    expect(await open(s)).toBe(403);
    expect(await open(s, { 'x-real-ip': '127.0.0.1' })).toBe(403);
    expect(await open(s, { 'x-forwarded-for': '203.0.113.9' }, `?token=${PREVIEW_TOKEN}`)).toBe(200);
  });

  it('with trustProxy set to the proxy address, a client cannot prepend a loopback address', async () => {
    const s = await freshServedSite({ config: { server: { trustProxy: '127.0.0.1' } } });
    expect(await open(s, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' })).toBe(403);
    expect(await open(s, { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' })).toBe(403);
    expect(await open(s, { 'x-forwarded-for': '::1' })).toBe(200);
  });
});

describe('archive pages', () => {
  it("are rendered once and served from memory until the week's posts change", async () => {
    const s = await freshServedSite();
    const { core, reads } = clockCountingCore(s);
    const base = await serverOver(s, { core });
    const get = async (url: string) => {
      const before = reads();
      const res = await fetch(`${base}${url}`);
      expect(res.status).toBe(200);
      return { html: await res.text(), reads: reads() - before };
    };
    await get('/archive/2026-11-24..2026-11-30/'); // loads the posts once
    const cold = await get(ARCHIVE);
    const warm = await get(ARCHIVE);
    expect(warm.html).toBe(cold.html);
    expect(warm.reads).toBeLessThan(cold.reads);

    await writePostFile(path.join(s.root, 'content'), {
      file: '2026-11-26-late.md',
      title: 'A late post on lighthouses',
      date: '2026-11-26T09:00:00Z',
      category: 'Science',
      body: 'Light.',
    });
    const changed = await get(ARCHIVE);
    expect(changed.html).toContain('A late post on lighthouses');
    expect(changed.reads).toBe(cold.reads);
  });

  it('keep the recently used ones: the least recently used is rendered again after 32 others', async () => {
    const s = await freshServedSite();
    const { core, reads } = clockCountingCore(s);
    const cost = async (id: string) => {
      const before = reads();
      expect(await core.archivePage(id)).toBeDefined();
      return reads() - before;
    };
    const ids = Array.from(
      { length: 33 },
      (_, i) => `2026-11-${String(20 + (i % 4)).padStart(2, '0')}..2026-12-${String(1 + Math.floor(i / 4)).padStart(2, '0')}`,
    );
    await cost(ids[0]!);
    const render = await cost('2026-11-19..2026-12-20'); // a first render, posts already loaded
    const hit = await cost(ids[0]!);
    expect(hit).toBeLessThan(render);
    for (const id of ids.slice(1)) await cost(id);
    expect(await cost(ids[32]!)).toBe(hit);
    expect(await cost(ids[0]!)).toBe(render);
  });

  it("archive and preview renders are limited per client, answered in the site's format", async () => {
    const s = await freshServedSite();
    const base = await serverOver(s, { renderRateLimit: 2 });
    for (const url of [ARCHIVE, '/preview/digest.html', '/preview']) {
      expect((await fetch(`${base}${url}`)).status).toBe(200);
      expect((await fetch(`${base}${url}`)).status).toBe(200);
      const limited = await fetch(`${base}${url}`, { headers: { accept: 'application/json' } });
      expect([limited.status, await limited.json()]).toEqual([429, { error: 'Too many requests: try again in a minute.' }]);
    }
  });
});

/** The site's core on a clock that counts its reads: each render stamps its message with the clock, so counting the reads counts the renders. */
function clockCountingCore(s: ServedSite) {
  const counter = { reads: 0 };
  const core = createCore(s.config, {
    now: () => {
      counter.reads++;
      return NOW;
    },
    cwd: s.root,
    store: s.store,
    mailer: s.mailer,
    env: {},
  });
  return { core, reads: () => counter.reads };
}
