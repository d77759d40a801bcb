// WCAG contrast of every visible piece of text in a page open in Chromium: for the digest and the site's
// pages, in light and dark mode.
import type { Page } from 'playwright-core';

export interface Sample {
  text: string;
  kind: 'button' | 'link' | 'label' | 'muted' | 'text';
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
    const kind = el.closest('button') ? 'button' : el.closest('a') ? 'link' : el.closest('.bs-label') ? 'label' : el.closest('.muted, .meta, .post-meta') ? 'muted' : 'text';
    samples.push({ text: own.slice(0, 60), kind, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05), background: bg });
  }
  return samples;
})()`;
export const textContrast = (page: Page) => page.evaluate(TEXT_CONTRAST) as Promise<Sample[]>;
