// The helpers several stages share: escaping, URLs, one-line text, Liquid error mapping; and their one rule,
// that src/shared depends on no stage and does no I/O.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.js';
import { escapeHtml } from '../../src/shared/html.js';
import { liquidError } from '../../src/shared/liquid.js';
import { oneLine } from '../../src/shared/text.js';
import { postUrl, siteUrl } from '../../src/shared/urls.js';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`Tom & "Jerry" <tj> 'x'`)).toBe('Tom &amp; &quot;Jerry&quot; &lt;tj&gt; &#39;x&#39;');
  });

  it('returns text with nothing to escape as it is', () => {
    expect(escapeHtml('Reader 12 · 東京')).toBe('Reader 12 · 東京');
  });
});

describe('siteUrl / postUrl', () => {
  it('keeps the sub-path a site lives under, with or without a trailing slash', () => {
    expect(siteUrl('https://example.org/news/', '/feed.xml')).toBe('https://example.org/news/feed.xml');
    expect(siteUrl('https://example.org/news', 'feed.xml')).toBe('https://example.org/news/feed.xml');
  });

  it('fills the post path pattern with the encoded slug and category', () => {
    const post = { slug: 'café & co', category: { slug: 'open-source' } };
    expect(postUrl(post, 'https://example.org/', '/:category/:slug/')).toBe('https://example.org/open-source/caf%C3%A9%20%26%20co/');
  });
});

describe('oneLine', () => {
  it('joins every kind of line break and run of blanks into one space', () => {
    expect(oneLine(' Weekly\r\ndigest\u2028for \t you\u0085 ')).toBe('Weekly digest for you');
  });
});

describe('liquidError', () => {
  it('names the template file under its folder, with line and column', () => {
    const engine = new Liquid({ templates: { 'page.liquid': 'one\n{{ a | nofilter }}' }, strictFilters: true });
    let cause: unknown;
    try {
      engine.parse('one\n{{ a | nofilter }}', 'page.liquid');
    } catch (e) {
      cause = e;
    }
    const err = liquidError('templates/pages', cause);
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.file).toBe(path.join('templates/pages', 'page.liquid:2:1'));
    expect(err.message).toBe('undefined filter: nofilter');
  });

  it('names just the folder when Liquid gives no file', () => {
    expect(liquidError('templates', new Error('boom')).file).toBe('templates');
  });
});

describe('src/shared', () => {
  it('imports no stage folder and no I/O module', () => {
    const dir = path.join(import.meta.dirname, '../../src/shared');
    const allowed = new Set(['node:path', '../errors.js']);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const [, specifier] of source.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)) {
        expect({ file, specifier, allowed: allowed.has(specifier!) || specifier!.startsWith('./') }).toEqual({ file, specifier, allowed: true });
      }
    }
  });
});
