// The digest in light and dark mode: rendered in Chromium with the emulated colour scheme, every visible
// piece of text (body, links, category labels, muted lines; the digest has no buttons) against the background it sits
// on meets WCAG AA (4.5:1), and the dark scheme really is dark.
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textContrast } from '../helpers/contrast.js';
import { type DigestServer, HAS_CHROMIUM, launchChromium, openDigest, renderDigestHtml, startDigestServer } from '../helpers/digest-in-browser.js';

const SHOTS = '/tmp/f-mail-shots';
const AA_BODY_TEXT = 4.5;

describe.skipIf(!HAS_CHROMIUM)('the digest in light and dark mode (Chromium)', () => {
  let browser: Browser;
  let server: DigestServer;
  let html: string;
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    html = await renderDigestHtml('content');
    server = await startDigestServer({ '/digest.html': html });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('declares both schemes and carries the dark styles and the Outlook.com hooks', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark">');
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(html).toContain('[data-ogsc]');
    expect(html).toContain('[data-ogsb]');
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 1280]) {
      it(`${colorScheme}, ${width} px: text, links, category labels and muted lines meet ${AA_BODY_TEXT}:1 against their background`, async () => {
        const page = await openDigest(browser, server, '/digest.html', { width, images: 'loaded', colorScheme });
        const samples = await textContrast(page);
        await page.screenshot({ path: `${SHOTS}/${colorScheme}-sample-${width}.png`, fullPage: true });
        await page.context().close();

        for (const kind of ['text', 'link', 'label', 'muted'] as const)
          expect(
            samples.some((s) => s.kind === kind),
            kind,
          ).toBe(true);
        const poor = samples.filter((s) => s.ratio < AA_BODY_TEXT).map((s) => `${s.kind} "${s.text}": ${s.ratio.toFixed(2)}:1`);
        expect(poor).toEqual([]);
        // Dark means dark: every piece of text sits on a dark background (and in light, on a light one).
        for (const s of samples) {
          if (colorScheme === 'dark') expect(s.background, s.text).toBeLessThan(0.05);
          else expect(s.background, s.text).toBeGreaterThan(0.8);
        }
      });
    }
  }
});
