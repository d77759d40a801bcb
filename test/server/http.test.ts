// The HTTP server end to end on loopback: a built temp site served by createServer() on 127.0.0.1:0,
// a real SQLite file and a real SMTP sink, queried with fetch (and node:http where raw bytes matter).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../src/delivery/mailer.js';
import { subscriberLinks } from '../../src/email/message.js';
import { signToken } from '../../src/email/tokens.js';
import { freshServedSite, NOW, POSTS, PREVIEW_TOKEN, SITE_URL, startServedSite, type ServedSite } from '../helpers/served-site.js';

const HOSTILE_TITLE = 'Night & Day <script>alert("title")</script>';
const HOSTILE_CATEGORY = 'Tips <img src=x onerror=alert(1)>';
const HOSTILE_POSTS = [
  ...POSTS,
  { file: '2026-11-26-hostile.md', title: 'A post filed under a hostile category', date: '2026-11-26T07:00:00Z', category: HOSTILE_CATEGORY },
];
const CATEGORY_SLUGS = ['finance', 'open-source', 'science'];
const IN_WINDOW = POSTS.filter((p) => p.date >= '2026-11-23');

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request whose body arrives exactly as sent (fetch would decompress it). */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const postForm = (url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of ([] as string[]).concat(value)) body.append(name, v);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: body.toString() });
};
const postJson = (url: string, value: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(value) });

/** What no client may ever see: stack frames, source paths, raw error names. */
function expectNothingInternal(body: string, site?: ServedSite): void {
  expect(body).not.toMatch(/^\s*at\s+\S.*:\d+:\d+\)?\s*$/m);
  expect(body).not.toMatch(/\bat .*\.(ts|js|mjs|cjs):\d+/);
  expect(body).not.toMatch(/node_modules|\/src\/|file:\/\//);
  expect(body).not.toMatch(/\b\w*Error\b:/);
  if (site) expect(body).not.toContain(site.root);
}

const confirmLinkIn = (mail: ParsedMail): string => {
  const match = /https:\/\/news\.example\.com\/confirm\?token=[\w.-]+/.exec(mail.text ?? '');
  if (!match) throw new Error(`no confirmation link in:\n${mail.text}`);
  return match[0];
};

describe('serving the built output', () => {
  let site: ServedSite;
  beforeAll(async () => {
    site = await startServedSite();
  });
  afterAll(() => site.close());

  it.each([
    ['feed.xml', 'application/rss+xml; charset=utf-8'],
    ['atom.xml', 'application/atom+xml; charset=utf-8'],
    ['feed.json', 'application/feed+json; charset=utf-8'],
    ['feeds.opml', 'text/x-opml; charset=utf-8'],
    ['feed.xsl', 'text/xsl; charset=utf-8'],
    ['categories/open-source/feed.xml', 'application/rss+xml; charset=utf-8'],
    ['categories/open-source/atom.xml', 'application/atom+xml; charset=utf-8'],
  ])('serves %s as %s, byte for byte, with validators and a Cache-Control', async (file, type) => {
    const res = await fetch(`${site.base}/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('etag')).toMatch(/^(W\/)?"[^"]+"$/);
    expect(new Date(res.headers.get('last-modified') ?? '').getTime()).not.toBeNaN();
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(await res.text()).toBe(await readFile(path.join(site.outDir, file), 'utf8'));
  });

  // Conditional requests go through node:http: fetch adds "Cache-Control: no-cache" to any request with
  // If-None-Match or If-Modified-Since, which asks the server for a full answer. Feed readers send neither.
  it('answers 304 with no body when If-None-Match carries the ETag', async () => {
    const first = await raw(`${site.base}/feed.xml`);
    const etag = String(first.headers.etag);
    const again = await raw(`${site.base}/feed.xml`, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    expect(again.body.length).toBe(0);
    const listed = await raw(`${site.base}/feed.xml`, { 'if-none-match': `"something-else", ${etag}` });
    expect(listed.status).toBe(304);
    // Each encoding is a representation with its own strong ETag (RFC 9110 8.8.3): a reader that asks
    // for gzip revalidates with the ETag its gzip answer carried.
    const gzippedFirst = await raw(`${site.base}/feed.xml`, { 'accept-encoding': 'gzip' });
    const gzipped = await raw(`${site.base}/feed.xml`, { 'if-none-match': String(gzippedFirst.headers.etag), 'accept-encoding': 'gzip' });
    expect(gzipped.status).toBe(304);
    expect(gzipped.body.length).toBe(0);
  });

  it('answers 304 when If-Modified-Since is the Last-Modified date', async () => {
    const first = await raw(`${site.base}/atom.xml`);
    const again = await raw(`${site.base}/atom.xml`, { 'if-modified-since': String(first.headers['last-modified']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const older = await raw(`${site.base}/atom.xml`, { 'if-modified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' });
    expect(older.status).toBe(200);
  });

  it('lets If-None-Match take precedence: a stale ETag gets 200 even when If-Modified-Since would match', async () => {
    const first = await raw(`${site.base}/feed.json`);
    const lastModified = String(first.headers['last-modified']);
    expect((await raw(`${site.base}/feed.json`, { 'if-modified-since': lastModified })).status).toBe(304);
    const res = await raw(`${site.base}/feed.json`, { 'if-none-match': '"an-older-version"', 'if-modified-since': lastModified });
    expect(res.status).toBe(200);
    expect(res.body.equals(await readFile(path.join(site.outDir, 'feed.json')))).toBe(true);
  });

  it('compresses with gzip and with brotli when asked, and the decoded bytes are the file', async () => {
    const file = await readFile(path.join(site.outDir, 'feed.xml'));
    expect(file.length).toBeGreaterThan(1024);
    const gzip = await raw(`${site.base}/feed.xml`, { 'accept-encoding': 'gzip' });
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(file)).toBe(true);
    const br = await raw(`${site.base}/feed.xml`, { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(file)).toBe(true);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    // Sent as the build compressed them, once: not compressed again for each request.
    expect(br.body.equals(await readFile(path.join(site.outDir, 'feed.xml.br')))).toBe(true);
    expect(gzip.body.equals(await readFile(path.join(site.outDir, 'feed.xml.gz')))).toBe(true);
    const atom = await raw(`${site.base}/categories/science/atom.xml`, { 'accept-encoding': 'gzip, br' });
    expect(atom.headers['content-encoding']).toBe('br');
    expect(atom.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(atom.body.equals(await readFile(path.join(site.outDir, 'categories', 'science', 'atom.xml.br')))).toBe(true);
    const plain = await raw(`${site.base}/feed.xml`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(file)).toBe(true);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await raw(`${site.base}/feed.xml`, {}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(res.headers.etag).toBeTruthy();
    expect(res.headers['last-modified']).toBeTruthy();
    expect(res.body.length).toBe(0);
  });

  it('gives a browser (Accept: text/html) the feed as a readable page, with Vary: Accept', async () => {
    const res = await fetch(`${site.base}/feed.xml`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('vary')).toMatch(/\baccept\b/i);
    const html = await res.text();
    expect(html).toContain('This is a <strong>feed</strong>');
    for (const post of POSTS) expect(html).toContain(post.title.replace('&', '&amp;'));
    // A feed reader still gets the XML, and caches know the two answers differ.
    const reader = await fetch(`${site.base}/feed.xml`, { headers: { accept: 'application/rss+xml, */*' } });
    expect(reader.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(reader.headers.get('vary')).toMatch(/\baccept\b/i);
  });

  it('points the XML feeds at the XSL stylesheet it serves', async () => {
    const rss = await (await fetch(`${site.base}/feed.xml`)).text();
    const atom = await (await fetch(`${site.base}/atom.xml`)).text();
    const pi = /<\?xml-stylesheet [^?]*href="https:\/\/news\.example\.com\/feed\.xsl"[^?]*\?>/;
    expect(rss).toMatch(pi);
    expect(atom).toMatch(pi);
    const xsl = await fetch(`${site.base}/feed.xsl`);
    expect(xsl.status).toBe(200);
    expect(await xsl.text()).toContain('<xsl:stylesheet');
  });

  it('serves an index page with discovery links for the site and every category, and the subscribe form', async () => {
    const res = await fetch(`${site.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBeTruthy();
    const html = await res.text();
    const head = html.slice(0, html.indexOf('</head>'));
    for (const dir of ['', ...CATEGORY_SLUGS.map((s) => `categories/${s}/`)]) {
      expect(head).toContain(`<link rel="alternate" type="application/rss+xml" title="`);
      expect(head).toMatch(new RegExp(`<link rel="alternate" type="application/rss\\+xml" [^>]*href="${SITE_URL}${dir}feed\\.xml"`));
      expect(head).toMatch(new RegExp(`<link rel="alternate" type="application/atom\\+xml" [^>]*href="${SITE_URL}${dir}atom\\.xml"`));
      expect(head).toMatch(new RegExp(`<link rel="alternate" type="application/feed\\+json" [^>]*href="${SITE_URL}${dir}feed\\.json"`));
    }
    expect(html).toMatch(/<form method="post" action="https:\/\/news\.example\.com\/subscribe"/);
    expect(html).toMatch(/<input type="email" name="email"/);
    for (const slug of CATEGORY_SLUGS) expect(html).toContain(`<input type="checkbox" name="categories" value="${slug}">`);
  });

  it('answers an unknown path with a 404 page that shows no internals', async () => {
    const res = await fetch(`${site.base}/no/such/file.xml`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toContain('Not found');
    expectNothingInternal(body, site);
  });
});

describe('subscribing (double opt-in)', () => {
  it('takes a form, stores a pending subscriber with categories and timezone, and mails a signed confirmation link', async () => {
    const site = await freshServedSite();
    const res = await postForm(`${site.base}/subscribe`, { email: 'Ada@Example.org', categories: ['science', 'finance'], timezone: 'Europe/Paris' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('Check your inbox');

    const stored = await site.store.findByEmail('ada@example.org');
    expect(stored).toMatchObject({ status: 'pending', categories: ['finance', 'science'], timezone: 'Europe/Paris' });
    const [mail] = site.sink.to('ada@example.org');
    expect(mail).toBeDefined();
    expect(mail!.parsed.headers.has('list-unsubscribe')).toBe(false);
    const link = confirmLinkIn(mail!.parsed);
    // The token expires: its payload carries an expiry confirmDays (7) after now.
    const payload = JSON.parse(Buffer.from(new URL(link).searchParams.get('token')!.split('.')[0]!, 'base64url').toString('utf8')) as { x?: number };
    expect(payload.x).toBe(Math.floor(NOW.getTime() / 1000) + 7 * 86_400);

    const confirmed = await fetch(site.local(link));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect((await site.store.findByEmail('ada@example.org'))?.status).toBe('active');
    const welcome = site.sink.to('ada@example.org')[1];
    expect(welcome?.parsed.subject).toMatch(/welcome/i);
    expect(welcome?.parsed.text).toContain('/unsubscribe?token=');

    const twice = await fetch(site.local(link));
    expect(twice.status).toBe(200);
    expect(await twice.text()).toContain('already confirmed');
    expect(site.sink.to('ada@example.org')).toHaveLength(2);
  });

  it('ignores a timezone that is not an IANA zone', async () => {
    const site = await freshServedSite();
    await postForm(`${site.base}/subscribe`, { email: 'tz@example.org', timezone: '<b>Mars/Olympus</b>' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(await site.store.findByEmail('tz@example.org')).toMatchObject({ status: 'pending', timezone: null, categories: [] });
  });

  it('answers a known (active) address exactly as a new one, and mails only the new one', async () => {
    const site = await freshServedSite();
    await site.store.add({ email: 'known@example.org', categories: [], status: 'active' }, NOW);
    const known = await postForm(`${site.base}/subscribe`, { email: 'known@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    const fresh = await postForm(`${site.base}/subscribe`, { email: 'new@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(known.status).toBe(fresh.status);
    expect(await known.text()).toBe(await fresh.text());
    expect(site.sink.to('known@example.org')).toHaveLength(0);
    expect(site.sink.to('new@example.org')).toHaveLength(1);
    expect((await site.store.findByEmail('known@example.org'))?.status).toBe('active');

    const knownJson = await postJson(`${site.base}/subscribe`, { email: 'known@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    const freshJson = await postJson(`${site.base}/subscribe`, { email: 'other@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(knownJson.status).toBe(freshJson.status);
    expect(await knownJson.text()).toBe(await freshJson.text());
  });

  it('takes JSON too, and answers in JSON', async () => {
    const site = await freshServedSite();
    const res = await postJson(`${site.base}/subscribe`, { email: 'json@example.org', categories: ['Open Source'], timezone: 'America/New_York' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ status: 'pending' });
    expect(await site.store.findByEmail('json@example.org')).toMatchObject({ status: 'pending', categories: ['open-source'], timezone: 'America/New_York' });
    expect(site.sink.to('json@example.org')).toHaveLength(1);
  });

  it('ignores category values that are not names (JSON numbers, objects) instead of failing', async () => {
    const site = await freshServedSite();
    const numbers = await postJson(`${site.base}/subscribe`, { email: 'numbers@example.org', categories: [1, 'science', { a: 1 }] });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(numbers.status).toBe(202);
    expect((await site.store.findByEmail('numbers@example.org'))?.categories).toEqual(['science']);
    const object = await postJson(`${site.base}/subscribe`, { email: 'object@example.org', categories: { a: 1 } });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(object.status).toBe(202);
    expect((await site.store.findByEmail('object@example.org'))?.categories).toEqual([]);
  });

  it('lets an unsubscribed address sign up again, through a new confirmation', async () => {
    const site = await freshServedSite();
    const { subscriber } = await site.store.add({ email: 'again@example.org', categories: [], status: 'active' }, NOW);
    await site.store.unsubscribe(subscriber.id, NOW);
    const res = await postForm(`${site.base}/subscribe`, { email: 'again@example.org', categories: 'finance' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(res.status).toBe(202);
    expect(await site.store.findByEmail('again@example.org')).toMatchObject({ status: 'pending', categories: ['finance'] });
    const [mail] = site.sink.to('again@example.org');
    expect((await fetch(site.local(confirmLinkIn(mail!.parsed)))).status).toBe(200);
    expect((await site.store.findByEmail('again@example.org'))?.status).toBe('active');
  });

  it('refuses an invalid address with 400 (form and JSON) and stores and mails nothing', async () => {
    const site = await freshServedSite();
    const form = await postForm(`${site.base}/subscribe`, { email: 'not an address' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('is not an email address');
    const json = await postJson(`${site.base}/subscribe`, { email: 'nobody@' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: expect.stringMatching(/valid email address/) });
    const missing = await postForm(`${site.base}/subscribe`, {});
    expect(missing.status).toBe(400);
    expect(await site.store.list()).toHaveLength(0);
    expect(site.sink.messages).toHaveLength(0);
  });

  it('stops a flood from one address with 429 after server.subscribeRateLimit requests', async () => {
    const site = await freshServedSite({ config: { server: { subscribeRateLimit: 3 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postForm(`${site.base}/subscribe`, { email: `flood${i}@example.org` });
      statuses.push(res.status);
      await res.arrayBuffer(); // an unread body keeps its connection busy, and the server's close waits for it
    }
    expect(statuses).toEqual([202, 202, 202]);
    const blocked = await postForm(`${site.base}/subscribe`, { email: 'flood3@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(blocked.status).toBe(429);
    const body = await blocked.text();
    expect(body).toContain('Too many requests');
    expectNothingInternal(body, site);
    expect(await site.store.findByEmail('flood3@example.org')).toBeUndefined();
    // Reading feeds is not limited.
    const feed = await fetch(`${site.base}/feed.xml`);
    expect(feed.status).toBe(200);
    await feed.arrayBuffer();
  });

  it('refuses a body over 16 KB with 413 and no internals', async () => {
    const site = await freshServedSite();
    const res = await postForm(`${site.base}/subscribe`, { email: 'big@example.org', padding: 'x'.repeat(17 * 1024) });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(res.status).toBe(413);
    const body = await res.text();
    expect(body).toContain('too large');
    expectNothingInternal(body, site);
    const json = await fetch(`${site.base}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'big@example.org', padding: 'x'.repeat(17 * 1024) }),
    });
    expect(json.status).toBe(413);
    expectNothingInternal(await json.text(), site);
    expect(await site.store.list()).toHaveLength(0);
  });

  it('answers malformed JSON with 400 and no internals', async () => {
    const site = await freshServedSite();
    const res = await fetch(`${site.base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": "a@example.org",' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expectNothingInternal(body, site);
    expect(body).not.toContain('Unexpected');
  });

  it('keeps answering as usual when the mail server is gone: nothing internal leaks', async () => {
    const broken: Mailer = {
      description: 'a mailer that always fails',
      maxInFlight: 1,
      async send() {
        throw Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:1 at ${import.meta.url}`), { code: 'ECONNECTION' });
      },
      async close() {},
    };
    const site = await freshServedSite({ mailer: broken });
    // The confirmation goes out after the answer (so timing cannot tell known addresses from new
    // ones): a mail server failure is logged, and the visitor sees the usual answer, nothing internal.
    const res = await postForm(`${site.base}/subscribe`, { email: 'down@example.org' });
    await site.core.settled();
    expect(res.status).toBe(202);
    const body = await res.text();
    expect(body).not.toContain('ECONNREFUSED');
    expectNothingInternal(body, site);
    expect((await site.store.findByEmail('down@example.org'))?.status).toBe('pending');
    const json = await postJson(`${site.base}/subscribe`, { email: 'down2@example.org' });
    await site.core.settled();
    expect(json.status).toBe(202);
    expect(JSON.stringify(await json.json())).not.toContain('ECONNREFUSED');
  });

  it('does not confirm with an altered, forged or wrong-purpose token', async () => {
    const site = await freshServedSite();
    await postForm(`${site.base}/subscribe`, { email: 'careful@example.org' });
    await site.core.settled(); // confirmation requests go out after the answer
    const link = confirmLinkIn(site.sink.to('careful@example.org')[0]!.parsed);
    const token = new URL(link).searchParams.get('token')!;
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const forged = signToken({ purpose: 'confirm', email: 'careful@example.org' }, 'a-key-that-is-not-the-sites-key-000000');
    const wrongPurpose = subscriberLinks('careful@example.org', await site.signingKey(), site.config).unsubscribeUrl.split('token=')[1]!;
    for (const bad of [altered, forged, wrongPurpose, '', 'garbage']) {
      const res = await fetch(`${site.base}/confirm?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('not valid');
    }
    expect((await site.store.findByEmail('careful@example.org'))?.status).toBe('pending');
  });

  it('does not confirm with an expired link', async () => {
    const site = await freshServedSite();
    const expired = signToken({ purpose: 'confirm', email: 'late@example.org', expires: Math.floor(NOW.getTime() / 1000) - 60 }, await site.signingKey());
    await site.store.add({ email: 'late@example.org', categories: [], status: 'pending' }, NOW);
    const res = await fetch(`${site.base}/confirm?token=${expired}`);
    expect(res.status).toBe(400);
    expect((await site.store.findByEmail('late@example.org'))?.status).toBe('pending');
  });
});

describe('unsubscribing and preferences', () => {
  async function subscriber(site: ServedSite, email: string, categories: string[] = []) {
    const { subscriber } = await site.store.add({ email, categories, status: 'active' }, NOW);
    const links = subscriberLinks(email, await site.signingKey(), site.config);
    return { subscriber, unsubscribe: site.local(links.unsubscribeUrl), preferences: site.local(links.preferencesUrl) };
  }
  const status = async (site: ServedSite, email: string) => (await site.store.findByEmail(email))?.status;

  it('GET only shows a confirm button (mail scanners follow links) and unsubscribes nobody', async () => {
    const site = await freshServedSite();
    const { unsubscribe } = await subscriber(site, 'reader@example.org');
    const res = await fetch(unsubscribe);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<form method="post" action="\/unsubscribe\?token=[^"]+">/);
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain('<button type="submit">Unsubscribe</button>');
    expect(await status(site, 'reader@example.org')).toBe('active');
    expect((await fetch(unsubscribe, { method: 'HEAD' })).status).toBe(200);
    expect(await status(site, 'reader@example.org')).toBe('active');
  });

  it('POST List-Unsubscribe=One-Click unsubscribes at once, and a second POST says already', async () => {
    const site = await freshServedSite();
    const { unsubscribe } = await subscriber(site, 'leaver@example.org');
    const first = await postForm(unsubscribe, { 'List-Unsubscribe': 'One-Click' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Unsubscribed');
    expect(await status(site, 'leaver@example.org')).toBe('unsubscribed');
    const second = await postForm(unsubscribe, { 'List-Unsubscribe': 'One-Click' });
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('already unsubscribed');
    expect(await status(site, 'leaver@example.org')).toBe('unsubscribed');
  });

  it('takes the one-click POST as multipart/form-data too (RFC 8058 allows both encodings)', async () => {
    const site = await freshServedSite();
    const { unsubscribe } = await subscriber(site, 'multipart@example.org');
    const boundary = '---FormBoundaryjWmhtjORrn';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const res = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Unsubscribed');
    expect(await status(site, 'multipart@example.org')).toBe('unsubscribed');
  });

  it('a repeated token parameter is a link that is not valid, not a server error', async () => {
    const site = await freshServedSite();
    const { unsubscribe, preferences } = await subscriber(site, 'twice@example.org', ['science']);
    const good = new URL(unsubscribe).searchParams.get('token')!;
    const unsub = await postForm(`${site.base}/unsubscribe?token=${good}&token=nonsense`, { 'List-Unsubscribe': 'One-Click' });
    expect(unsub.status).toBe(400);
    expect(await unsub.text()).toContain('not valid');
    const prefs = await fetch(`${site.base}/preferences?token=${new URL(preferences).searchParams.get('token')}&token=nonsense`);
    expect(prefs.status).toBe(400);
    const confirm = await fetch(`${site.base}/confirm?token=a&token=b`);
    expect(confirm.status).toBe(400);
    expect(await status(site, 'twice@example.org')).toBe('active');
  });

  it('an altered or forged token says plainly it is not valid and changes nothing', async () => {
    const site = await freshServedSite();
    const { unsubscribe } = await subscriber(site, 'target@example.org');
    const token = new URL(unsubscribe).searchParams.get('token')!;
    const [body, mac] = token.split('.') as [string, string];
    // Another subscriber's address in the payload, the original signature: the MAC no longer matches.
    const swapped = `${Buffer.from(JSON.stringify({ p: 'unsubscribe', e: 'someone-else@example.org' })).toString('base64url')}.${mac}`;
    const flipped = `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    const forged = signToken({ purpose: 'unsubscribe', email: 'target@example.org' }, 'a-key-that-is-not-the-sites-key-000000');
    await site.store.add({ email: 'someone-else@example.org', categories: [], status: 'active' }, NOW);
    for (const bad of [swapped, flipped, forged, `${token}.extra`]) {
      const res = await postForm(`${site.base}/unsubscribe?token=${encodeURIComponent(bad)}`, { 'List-Unsubscribe': 'One-Click' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This link is not valid');
    }
    expect(await status(site, 'target@example.org')).toBe('active');
    expect(await status(site, 'someone-else@example.org')).toBe('active');
  });

  it("a subscriber's token unsubscribes that subscriber and nobody else", async () => {
    const site = await freshServedSite();
    const a = await subscriber(site, 'a@example.org');
    await subscriber(site, 'b@example.org');
    await postForm(a.unsubscribe, { 'List-Unsubscribe': 'One-Click' });
    expect(await status(site, 'a@example.org')).toBe('unsubscribed');
    expect(await status(site, 'b@example.org')).toBe('active');
  });

  it('a preferences token cannot unsubscribe (tokens carry their purpose)', async () => {
    const site = await freshServedSite();
    const { preferences } = await subscriber(site, 'prefs@example.org');
    const token = new URL(preferences).searchParams.get('token')!;
    const res = await postForm(`${site.base}/unsubscribe?token=${token}`, { 'List-Unsubscribe': 'One-Click' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('not valid');
    expect(await status(site, 'prefs@example.org')).toBe('active');
  });

  it('the preferences page lists every category, ticks the chosen ones, and saves slugs', async () => {
    const site = await freshServedSite();
    const { preferences, subscriber: s } = await subscriber(site, 'chooser@example.org', ['science']);
    const page = await fetch(preferences);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('chooser@example.org');
    expect(html).toContain('<input type="checkbox" name="categories" value="science" checked>');
    expect(html).toContain('<input type="checkbox" name="categories" value="finance">');
    expect(html).toContain('<input type="checkbox" name="categories" value="open-source">');

    const saved = await postForm(preferences, { categories: ['finance', 'open-source'] });
    expect(saved.status).toBe(200);
    const after = await saved.text();
    expect(after).toContain('Saved.');
    expect(after).toContain('value="finance" checked');
    expect((await site.store.get(s.id))?.categories).toEqual(['finance', 'open-source']);

    const none = await fetch(preferences, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(none.status).toBe(200);
    expect((await site.store.get(s.id))?.categories).toEqual([]);
  });

  it('preferences refuse an unsubscribe token and an altered one, and change nothing', async () => {
    const site = await freshServedSite();
    const { unsubscribe, preferences, subscriber: s } = await subscriber(site, 'steady@example.org', ['science']);
    const unsubToken = new URL(unsubscribe).searchParams.get('token')!;
    const prefsToken = new URL(preferences).searchParams.get('token')!;
    for (const bad of [unsubToken, `${prefsToken.slice(0, -1)}${prefsToken.endsWith('A') ? 'B' : 'A'}`]) {
      const get = await fetch(`${site.base}/preferences?token=${bad}`);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain('not valid');
      const post = await postForm(`${site.base}/preferences?token=${bad}`, { categories: 'finance' });
      expect(post.status).toBe(400);
    }
    expect((await site.store.get(s.id))?.categories).toEqual(['science']);
  });
});

describe('the publisher preview', () => {
  let site: ServedSite;
  beforeAll(async () => {
    site = await startServedSite();
  });
  afterAll(() => site.close());

  it('shows the digest at 600 px and 375 px side by side, a window picker, and links to text and .eml', async () => {
    const res = await fetch(`${site.base}/preview`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toMatch(/<iframe [^>]*src="\/preview\/digest\.html"[^>]*style="width:600px;/);
    expect(html).toMatch(/<iframe [^>]*src="\/preview\/digest\.html"[^>]*style="width:375px;/);
    expect(html).toContain('<input type="date" name="since" value="2026-11-23">');
    expect(html).toContain('<input type="date" name="until" value="2026-11-29">');
    expect(html).toContain('href="/preview/digest.txt"');
    expect(html).toContain('href="/preview/digest.eml"');
    expect(html).not.toContain('hold no posts');
    expect(html).toContain(`${IN_WINDOW.length} post(s)`);

    const digest = await (await fetch(`${site.base}/preview/digest.html`)).text();
    for (const post of IN_WINDOW) expect(digest).toContain(post.title.replace('&', '&amp;'));
    const text = await fetch(`${site.base}/preview/digest.txt`);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    for (const post of IN_WINDOW) expect(await text.clone().text()).toContain(post.title);
  });

  it('serves the .eml, which parses as the message a subscriber gets', async () => {
    const res = await fetch(`${site.base}/preview/digest.eml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('message/rfc822');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="digest.eml"');
    const mail = await simpleParser(Buffer.from(await res.arrayBuffer()));
    expect(mail.subject).toContain('The Sample Times');
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    for (const post of IN_WINDOW) {
      expect(mail.text).toContain(post.title);
      expect(mail.html || '').toContain(post.title.replace('&', '&amp;'));
    }
  });

  it('the window picker narrows the digest, and an empty window says so', async () => {
    const narrow = await (await fetch(`${site.base}/preview?since=2026-11-27&until=2026-11-29`)).text();
    expect(narrow).toContain('1 post(s)');
    expect(narrow).toContain('href="/preview/digest.txt?since=2026-11-27&amp;until=2026-11-29"');
    const text = await (await fetch(`${site.base}/preview/digest.txt?since=2026-11-27&until=2026-11-29`)).text();
    expect(text).toContain(POSTS[2]!.title);
    expect(text).not.toContain(POSTS[0]!.title);
    const empty = await fetch(`${site.base}/preview?since=2026-01-01&until=2026-01-07`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('Nothing to preview');
    expect((await fetch(`${site.base}/preview/digest.html?since=2026-01-01&until=2026-01-07`)).status).toBe(404);
  });

  it('turns away other hosts without the preview token, and lets them in with it', async () => {
    const remote = { remoteAddress: '203.0.113.5' };
    for (const url of ['/preview', '/preview/digest.html', '/preview/digest.eml']) {
      const denied = await site.app.inject({ ...remote, method: 'GET', url });
      expect(denied.statusCode).toBe(403);
      expect(denied.body).not.toContain(POSTS[2]!.title);
      const wrong = await site.app.inject({ ...remote, method: 'GET', url: `${url}?token=not-the-token` });
      expect(wrong.statusCode).toBe(403);
    }
    const allowed = await site.app.inject({ ...remote, method: 'GET', url: `/preview?token=${PREVIEW_TOKEN}` });
    expect(allowed.statusCode).toBe(200);
    // The token travels with the window picker and the links, or the next click would be refused.
    expect(allowed.body).toContain(`<input type="hidden" name="token" value="${PREVIEW_TOKEN}">`);
    expect(allowed.body).toContain(`src="/preview/digest.html?token=${PREVIEW_TOKEN}"`);
    const frame = await site.app.inject({ ...remote, method: 'GET', url: `/preview/digest.html?token=${PREVIEW_TOKEN}` });
    expect(frame.statusCode).toBe(200);
    expect(frame.body).toContain(POSTS[2]!.title);
  });

  it('does not take a request forwarded by a reverse proxy on this host for the publisher', async () => {
    const proxied = await site.app.inject({ remoteAddress: '127.0.0.1', method: 'GET', url: '/preview', headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(proxied.statusCode).toBe(403);
    const forwarded = await site.app.inject({
      remoteAddress: '127.0.0.1',
      method: 'GET',
      url: '/preview/digest.eml',
      headers: { forwarded: 'for=203.0.113.5' },
    });
    expect(forwarded.statusCode).toBe(403);
    const withToken = await site.app.inject({
      remoteAddress: '127.0.0.1',
      method: 'GET',
      url: `/preview?token=${PREVIEW_TOKEN}`,
      headers: { 'x-forwarded-for': '203.0.113.5' },
    });
    expect(withToken.statusCode).toBe(200);
    const local = await site.app.inject({ remoteAddress: '127.0.0.1', method: 'GET', url: '/preview' });
    expect(local.statusCode).toBe(200);
  });

  it('a repeated window bound is answered, not a server error', async () => {
    const res = await fetch(`${site.base}/preview?since=2026-11-01&since=2026-11-27`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('1 post(s)');
  });

  it('falls back to the most recent week with posts when the last 7 days have none, and says so', async () => {
    const later = await freshServedSite({ now: new Date('2027-03-15T12:00:00Z') });
    const html = await (await fetch(`${later.base}/preview`)).text();
    expect(html).toContain('The last 7 days hold no posts: this is the most recent week that does');
    // The newest post is 2026-11-27: the week ending that day.
    expect(html).toContain('2026-11-21 to 2026-11-27');
    const digest = await (await fetch(`${later.base}/preview/digest.html`)).text();
    expect(digest).toContain(POSTS[2]!.title);
  });
});

describe('the archive ("view in browser")', () => {
  let site: ServedSite;
  beforeAll(async () => {
    site = await startServedSite();
  });
  afterAll(() => site.close());

  it("serves a digest's page by its id, carrying nobody's token", async () => {
    const res = await fetch(`${site.base}/archive/2026-11-23..2026-11-30/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    for (const post of IN_WINDOW) expect(html).toContain(post.title.replace('&', '&amp;'));
    expect(html).not.toContain('token=');
  });

  it('the digest links to its own archive page', async () => {
    const text = await (await fetch(`${site.base}/preview/digest.html`)).text();
    expect(text).toContain(`${SITE_URL}archive/2026-11-23..2026-11-30/`);
  });

  it.each(['2020-01-01..2020-01-08', 'not-an-id', '2026-11-30..2026-11-23', '2026-01-01..2026-12-31'])('answers 404 for %s', async (id) => {
    const res = await fetch(`${site.base}/archive/${id}/`);
    expect(res.status).toBe(404);
    expectNothingInternal(await res.text(), site);
  });
});

describe('escaping', () => {
  let site: ServedSite;
  beforeAll(async () => {
    site = await startServedSite({ config: { site: { title: HOSTILE_TITLE } }, posts: HOSTILE_POSTS });
  });
  afterAll(() => site.close());

  const expectEscaped = (html: string) => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;');
  };

  it('escapes a hostile site title and category name on every page', async () => {
    const { preferencesUrl, unsubscribeUrl } = subscriberLinks('x@example.org', await site.signingKey(), site.config);
    await site.store.add({ email: 'x@example.org', categories: [], status: 'active' }, NOW);
    const pages = [
      await fetch(`${site.base}/`),
      await fetch(`${site.base}/feed.xml`, { headers: { accept: 'text/html' } }),
      await fetch(site.local(preferencesUrl)),
      await fetch(site.local(unsubscribeUrl)),
      await fetch(`${site.base}/preview`),
      await fetch(`${site.base}/nothing-here`),
      await fetch(`${site.base}/confirm?token=bad`),
      await postForm(`${site.base}/subscribe`, { email: 'new@example.org' }),
    ];
    await site.core.settled();
    for (const res of pages) expectEscaped(await res.text());
    const index = await (await fetch(`${site.base}/`)).text();
    expect(index).toContain('Tips &lt;img src=x onerror=alert(1)&gt;');
    const prefs = await (await fetch(site.local(preferencesUrl))).text();
    expect(prefs).toContain('Tips &lt;img src=x onerror=alert(1)&gt;');
    const digest = await (await fetch(`${site.base}/preview/digest.html`)).text();
    expect(digest).not.toContain('<img src=x');
    expect(digest).not.toContain('<script>alert');
  });

  it('escapes what the visitor typed', async () => {
    const res = await postForm(`${site.base}/subscribe`, { email: '"><script>alert(1)</script>' });
    await site.core.settled(); // confirmation requests go out after the answer
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const missing = await fetch(`${site.base}/%3Cscript%3Ealert(1)%3C/script%3E`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<script>alert(1)');
  });
});
