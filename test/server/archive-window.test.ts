// A digest over a window the bare /archive/<id>/ does not serve (90 days; a send that ends "now") still
// links to a page that answers 200 with its posts: sent through the real server, SMTP sink and SQLite file.
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, startServedSite, type PostFile, type ServedSite } from '../helpers/served-site.js';

/** Posts over three months: the oldest is 80 days before NOW, well past the 62 days a bare id serves. */
const POSTS: PostFile[] = [
  { file: '2026-09-10-early.md', title: 'An early post from September', date: '2026-09-10T09:00:00Z', category: 'Science' },
  { file: '2026-10-15-middle.md', title: 'A post from the middle of October', date: '2026-10-15T09:00:00Z', category: 'Finance' },
  { file: '2026-11-29-today.md', title: 'A post from this very morning', date: '2026-11-29T08:00:00Z', category: 'Science' },
];
const DAY = 86_400_000;
const viewInBrowser = (html: string) => /<a href="([^"]+)"[^>]*>View in browser<\/a>/.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('the "view in browser" link of a long or unaligned window', () => {
  let site: ServedSite;
  beforeAll(async () => {
    site = await startServedSite({ posts: POSTS });
  });
  afterAll(() => site.close());

  it('`send --since` 90 days ago mails a link that answers 200 with every post of the digest', async () => {
    await site.store.add({ email: 'long.window@example.org', categories: [], status: 'active' }, NOW);
    const report = await site.core.sendDigest({ since: new Date(NOW.getTime() - 90 * DAY) });
    expect(report.submitted).toBe(1);
    const [message] = site.sink.to('long.window@example.org');
    const parsed = await simpleParser(message!.raw);
    const link = viewInBrowser(String(parsed.html));
    expect(link).toMatch(/^https:\/\/news\.example\.com\/archive\/2026-08-31\.\.2026-11-29\/\?w=/);

    const res = await fetch(site.local(link!));
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const post of POSTS) expect(page).toContain(post.title);
    expect(page).not.toContain('token=');
  });

  it('a preview over 90 days whole days links to a page that answers 200; the bare id of that window stays 404', async () => {
    const preview = await site.core.previewInMemory({ since: new Date('2026-09-01T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') });
    const link = viewInBrowser(preview!.html);
    expect(link).toMatch(/^https:\/\/news\.example\.com\/archive\/2026-09-01\.\.2026-11-30\/\?w=/);
    const res = await fetch(site.local(link!));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(POSTS[0]!.title);
    expect((await fetch(`${site.base}/archive/2026-09-01..2026-11-30/`)).status).toBe(404);
  });

  it('an altered window or signature answers 404', async () => {
    const preview = await site.core.previewInMemory({ since: new Date('2026-09-01T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') });
    const link = new URL(viewInBrowser(preview!.html)!);
    const w = link.searchParams.get('w')!;
    const earlier = w.replace(/^(\d+)/, (ms) => String(Number(ms) - DAY));
    for (const forged of [earlier, `${w.slice(0, -2)}xx`, '1-2.abc']) {
      const res = await fetch(`${site.base}${link.pathname}?w=${encodeURIComponent(forged)}`);
      expect(res.status).toBe(404);
    }
  });
});
