// The digest in light and dark mode: rendered in Chromium with the emulated colour scheme, every visible
// piece of text (body, links, category labels, muted lines; the digest has no buttons) against the background it sits
// on meets WCAG AA (4.5:1), and the dark scheme really is dark.
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DigestServer, HAS_CHROMIUM, launchChromium, openDigest, renderDigestHtml, startDigestServer } from '../helpers/digest-in-browser.js';

const SHOTS = '/tmp/f-mail-shots';
const AA_BODY_TEXT = 4.5;

interface Sample {
  text: string;
  kind: 'link' | 'label' | 'muted' | 'text';
  ratio: number;
  /** Relative luminance of the effective background. */
  background: number;
}

/**
 * Each visible element with text of its own: its computed colour against the nearest opaque background
 * up its ancestors (the canvas, white, if none). Page-side JavaScript, as text: the project's TypeScript
 * has no DOM library.
 */
const TEXT_CONTRAST = `(() => {
  const rgba = (css) => {
    const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\\d.]+/g) ?? []).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const backgroundOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const samples = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent.trim()).join(' ').trim();
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!own || box.width === 0 || box.height === 0 || style.visibility === 'hidden' || style.opacity === '0') continue;
    const fg = luminance(rgba(style.color));
    const bg = luminance(backgroundOf(el));
    const kind = el.closest('a') ? 'link' : el.closest('.bs-label') ? 'label' : el.closest('.muted') ? 'muted' : 'text';
    samples.push({ text: own.slice(0, 60), kind, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05), background: bg });
  }
  return samples;
})()`;
const textContrast = (page: Page) => page.evaluate(TEXT_CONTRAST) as Promise<Sample[]>;

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
