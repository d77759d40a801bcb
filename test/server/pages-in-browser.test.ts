// The site's pages as a reader sees them: Chromium at phone and desktop width, images served from a local
// server (the covers and body images of real posts live on other hosts), through the real server and its
// security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { textContrast } from '../helpers/contrast.js';
import { type DigestServer, HAS_CHROMIUM, launchChromium, startDigestServer } from '../helpers/digest-in-browser.js';
import { startServedSite, type ServedSite } from '../helpers/served-site.js';

interface Measured {
  scrollWidth: number;
  viewport: number;
  images: Array<{ src: string; loaded: boolean; width: number; column: number }>;
}
/** Page-side JavaScript, as text (the project's TypeScript has no DOM library): the page's width and each image's box. */
const MEASURE = `(() => ({
  scrollWidth: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
  images: [...document.images].map((img) => ({
    src: img.src,
    loaded: img.complete && img.naturalWidth > 0,
    width: img.getBoundingClientRect().width,
    column: (img.closest('main') ?? document.body).getBoundingClientRect().width,
  })),
}))()`;

const LONG = 'https://example.com/an/address/with/no/place/to/break/it/that/goes/on/and/on/and/on/for/ever';

describe.skipIf(!HAS_CHROMIUM)('the site pages in Chromium', () => {
  let images: DigestServer;
  let site: ServedSite;
  let browser: Browser;
  beforeAll(async () => {
    images = await startDigestServer({});
    site = await startServedSite({
      posts: [
        {
          file: '2026-11-20-covered.md',
          title: `A post with a cover, a wide figure and ${LONG}`,
          date: '2026-11-20T09:00:00Z',
          category: 'Science',
          coverImage: `${images.base}/cover.png`,
          body: `The opening paragraph of a post that carries a cover image and a very wide figure below.\n\n![a figure wider than any phone](${images.base}/figure.png)\n\nAnd a link to ${LONG} written out.`,
        },
        { file: '2026-11-18-plain.md', title: 'A plain post', date: '2026-11-18T09:00:00Z', category: 'Science' },
        { file: '2026-11-10-other.md', title: 'A post in another category', date: '2026-11-10T09:00:00Z', category: 'Finance' },
      ],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await images?.close();
  });

  for (const width of [375, 1280]) {
    it(`at ${width} px: every page fits the screen, and the cover and body images load and fit their column`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/.test(m.text())) blocked.push(m.text());
      });
      for (const [path, status] of [
        ['/', 200],
        ['/posts/covered/', 200],
        ['/categories/science/', 200],
        ['/no/such/page/', 404],
      ] as const) {
        const res = await page.goto(site.base + path, { waitUntil: 'load' });
        expect(res?.status(), path).toBe(status);
        const seen = (await page.evaluate(MEASURE)) as Measured;
        expect(seen.scrollWidth, `${path}: no sideways scroll`).toBeLessThanOrEqual(seen.viewport);
        for (const img of seen.images) {
          expect(img.loaded, `${path}: ${img.src} loaded`).toBe(true);
          expect(img.width, `${path}: ${img.src} fits`).toBeLessThanOrEqual(img.column);
        }
        if (path === '/posts/covered/') expect(seen.images.map((i) => new URL(i.src).pathname)).toEqual(['/cover.png', '/figure.png']);
      }
      expect(blocked).toEqual([]);
      await context.close();
    });
  }
});

describe.skipIf(!HAS_CHROMIUM)('the site pages in light and dark mode (Chromium)', () => {
  let site: ServedSite;
  let browser: Browser;
  beforeAll(async () => {
    site = await startServedSite();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: text, links and muted lines meet 4.5:1 against their background on the front, post, category and 404 pages`, async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 800 }, colorScheme });
      const page = await context.newPage();
      for (const path of ['/', '/posts/borrowscope/', '/categories/science/', '/no/such/page/']) {
        await page.goto(site.base + path, { waitUntil: 'load' });
        const samples = await textContrast(page);
        // Not vacuous: each page has text and links, and all but the 404 page muted lines (dates, meta).
        const kinds = path.startsWith('/no/') ? (['text', 'link'] as const) : (['text', 'link', 'muted'] as const);
        for (const kind of kinds)
          expect(
            samples.some((s) => s.kind === kind),
            `${path}: ${kind}`,
          ).toBe(true);
        expect(samples.filter((s) => s.ratio < 4.5).map((s) => `${path} ${s.kind} "${s.text}": ${s.ratio.toFixed(2)}:1`)).toEqual([]);
        // Dark means dark, light means light (a button has its own colour; its contrast is checked above).
        for (const s of samples.filter((s) => s.kind !== 'button')) {
          if (colorScheme === 'dark') expect(s.background, `${path} ${s.text}`).toBeLessThan(0.05);
          else expect(s.background, `${path} ${s.text}`).toBeGreaterThan(0.8);
        }
      }
      await context.close();
    });
  }
});
