// The digest on phones: at 320, 375 and 414 px nothing scrolls sideways, with cover images loaded (from a
// local server) and with images blocked (their alt text shown instead), and covers scale to the column.
// For the sample digest (content/) and for one of long unbreakable words and URLs
// (test/fixtures/content/issue-15-narrow). Measured in Chromium, not guessed from MJML's tables.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DigestServer, HAS_CHROMIUM, launchChromium, openDigest, renderDigestHtml, startDigestServer } from '../helpers/digest-in-browser.js';

const SHOTS = '/tmp/f-mail-shots';
const PHONES = [320, 375, 414];
/** Gmail clips an HTML part over 102 KB, hiding the footer's unsubscribe link. */
const GMAIL_CLIP_BYTES = 102_000;
/** config.email.cover's default: the desktop size, and the shape covers keep as they scale. */
const COVER = { width: 552, height: 276 };
const DIGESTS = {
  sample: '/sample.html',
  'long words': '/long-words.html',
} as const;

interface Measured {
  scrollWidth: number;
  covers: Array<{ alt: string; loaded: boolean; left: number; right: number; width: number; height: number; column: number }>;
}
/**
 * What the page measures: its scroll width, and each cover's box against its column (the cover cell's
 * width less its padding). Page-side JavaScript, as text: the project's TypeScript has no DOM library.
 */
const MEASURE = `(() => ({
  scrollWidth: document.documentElement.scrollWidth,
  covers: [...document.querySelectorAll('.cover img')].map((img) => {
    const cell = img.closest('td.cover');
    const style = getComputedStyle(cell);
    const column = cell.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const box = img.getBoundingClientRect();
    return { alt: img.alt, loaded: img.complete && img.naturalWidth > 0, left: box.left, right: box.right, width: box.width, height: box.height, column };
  }),
}))()`;
const measure = (page: Page) => page.evaluate(MEASURE) as Promise<Measured>;

describe.skipIf(!HAS_CHROMIUM)('the digest on a phone (Chromium)', () => {
  let browser: Browser;
  let server: DigestServer;
  let sample: string;
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    let longWords: string;
    [sample, longWords] = await Promise.all([
      renderDigestHtml('content'),
      renderDigestHtml('test/fixtures/content/issue-15-narrow', '--since', '2026-11-20', '--until', '2026-11-29'),
    ]);
    server = await startDigestServer({ [DIGESTS.sample]: sample, [DIGESTS['long words']]: longWords });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [name, file] of Object.entries(DIGESTS)) {
    for (const images of ['loaded', 'blocked'] as const) {
      it(`${name} digest, images ${images}: no sideways scroll at ${PHONES.join(', ')} px, covers as wide as their column`, async () => {
        for (const width of PHONES) {
          const page = await openDigest(browser, server, file, { width, images });
          const { scrollWidth, covers } = await measure(page);
          if (width === 375) await page.screenshot({ path: `${SHOTS}/phone-${name.replace(' ', '-')}-${images}-${width}.png`, fullPage: true });
          await page.context().close();

          expect(scrollWidth, `${width} px`).toBeLessThanOrEqual(width);
          expect(covers.length).toBeGreaterThan(0);
          for (const cover of covers) {
            expect(cover.loaded, cover.alt).toBe(images === 'loaded');
            expect(cover.left).toBeGreaterThanOrEqual(0);
            expect(cover.right).toBeLessThanOrEqual(width);
            // The column's full width, and the cover's shape (a blocked one keeps the box its alt text sits in).
            expect(Math.abs(cover.width - cover.column), `${cover.alt} at ${width} px`).toBeLessThanOrEqual(1);
            expect(Math.abs(cover.height - (cover.width * COVER.height) / COVER.width)).toBeLessThanOrEqual(1);
          }
        }
      });
    }
  }

  it('the long-words digest has long alt text (its titles), and covers of both shapes', async () => {
    const page = await openDigest(browser, server, DIGESTS['long words'], { width: 375, images: 'loaded' });
    const { covers } = await measure(page);
    await page.context().close();
    expect(Math.max(...covers.map((c) => c.alt.length))).toBeGreaterThan(100);
    expect(server.imageRequests.some((url) => url.includes('tall'))).toBe(true);
  });

  it("the sample digest's HTML stays under Gmail's 102 KB clip, and so does every post of content/ in one digest", async () => {
    const everything = await renderDigestHtml('content', '--since', '2026-01-01', '--until', '2026-11-29');
    expect(Buffer.byteLength(sample)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(Buffer.byteLength(everything)).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  it('on a desktop (1280 px) covers keep their configured size, loaded or blocked', async () => {
    for (const images of ['loaded', 'blocked'] as const) {
      const page = await openDigest(browser, server, DIGESTS.sample, { width: 1280, images });
      const { scrollWidth, covers } = await measure(page);
      await page.screenshot({ path: `${SHOTS}/desktop-sample-${images}-1280.png`, fullPage: true });
      await page.context().close();
      expect(scrollWidth).toBeLessThanOrEqual(1280);
      for (const cover of covers) expect([Math.round(cover.width), Math.round(cover.height)]).toEqual([COVER.width, COVER.height]);
    }
  });
});
