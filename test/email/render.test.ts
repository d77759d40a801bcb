// renderDigestEmail + personalize with the real templates/ folder: the sample content's digest, an
// adversarial digest built from Post builders, per-subscriber substitution, and broken templates.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomUtils, parseDocument } from 'htmlparser2';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { loadPosts } from '../../src/content/load.js';
import { readBodies } from '../../src/content/read-bodies.js';
import { publishPosts } from '../../src/content/publish.js';
import type { Post } from '../../src/content/schema.js';
import { buildDigest, defaultWindow, postsInWindow, type Digest } from '../../src/digest/build.js';
import { personalize, renderDigestEmail, type Recipient, type RenderedDigestEmail } from '../../src/email/render.js';
import { loadTemplates, type Templates } from '../../src/email/templates.js';
import { TemplateError } from '../../src/errors.js';
import { post } from '../helpers/posts.js';
import { tempDir } from '../helpers/temp-dir.js';

// A pass-through recorder around the real mjml2html: it proves which validation level each render used.
const mjmlCalls = vi.hoisted(() => [] as Array<{ validationLevel: unknown; errors: unknown[] }>);
vi.mock('mjml', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import('mjml') }>()).default;
  const recording: typeof real = async (input, options) => {
    const result = await real(input, options);
    mjmlCalls.push({ validationLevel: options?.validationLevel, errors: result.errors });
    return result;
  };
  return { default: recording };
});

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const NOW = new Date('2026-11-29T12:00:00Z');
const SITE_URL = 'https://news.example.com/';
const POSTAL_ADDRESS = '1 Rue de l’Exemple & Fils, 75001 Paris';
/** Gmail clips an HTML part over 102 KB; stay under it with a margin for the MIME encoding. */
const GMAIL_CLIP_BYTES = 102_000;
/** The site's key for the signed "view in browser" links of windows a bare archive id does not name. */
const SIGNING_KEY = 'render-test-signing-key';

const config = parseConfig({
  site: { title: 'The Test Times', url: SITE_URL, author: { name: 'The Desk' }, timezone: 'UTC' },
  email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: POSTAL_ADDRESS },
});

const at = (iso: string) => new Date(iso);
const WINDOW = { since: at('2026-11-23T00:00:00Z'), until: at('2026-11-30T00:00:00Z') };

const HOSTILE_TITLES = [
  '<script>alert(1)</script>',
  `& < > " '`,
  'Not {{ site.title }} evaluated',
  'A {% raw %} tag that stays text',
  'Launch day 🚀🎉 for the 👩🏽‍💻 team',
  '東京に新しい図書館が開館 📚',
  'معرض الخط العربي يفتح أبوابه',
  // Looks like one of the render's placeholders: it must be printed, never substituted.
  'BSPH0123456789abcdefUNSUBSCRIBEURLX',
];
const HOSTILE_EXCERPT = '<img src=x onerror=alert(1)> & {{ recipient.email }}';

/** 30 posts over 6 categories of different sizes (8, 7, 5, 4, 3, 3). */
function adversarialPosts(): Post[] {
  const categories: Array<[string, number]> = [
    ['World', 8],
    ['Arts & Culture', 7],
    ['Science', 5],
    ['Technology', 4],
    ['Sport', 3],
    ['Business', 3],
  ];
  const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, '-');
  const assigned = categories.flatMap(([name, count]) => Array.from({ length: count }, () => ({ name, slug: slugOf(name) })));
  return assigned.map((category, i) =>
    post({
      slug: `post-${i}`,
      title: HOSTILE_TITLES[i] ?? `Post ${i}: an ordinary headline about the week's news`,
      date: new Date(WINDOW.since.getTime() + i * 5 * 3600_000),
      category,
      excerpt:
        i === 9 ? HOSTILE_EXCERPT : i % 7 === 6 ? '' : `Two sentences of summary for post ${i}, as an editor would write them. They run to a realistic length.`,
      // A third without cover, a third absolute (with & in the query), a third relative to the post.
      coverImage: i % 3 === 0 ? undefined : i % 3 === 1 ? `https://images.example.com/${i}.jpg?w=600&h=300` : 'cover.jpg',
      author: i % 2 === 0 ? 'Ana <Ed> & Co' : undefined,
      readingMinutes: 3,
    }),
  );
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

type Node = ReturnType<typeof parseDocument>;
type Element = ReturnType<typeof DomUtils.findAll>[number];
const findAll = (doc: Node, test: (el: Element) => boolean) => DomUtils.findAll(test, doc.children);
const attr = (el: Element, name: string) => DomUtils.getAttributeValue(el, name);
const textOf = (node: Node | Element) => DomUtils.textContent(node);
const hasClass = (el: Element, name: string) => (attr(el, 'class') ?? '').split(/\s+/).includes(name);
const parentLink = (el: Element) => (el.parent && DomUtils.isTag(el.parent) && el.parent.name === 'a' ? attr(el.parent, 'href') : undefined);

/** Every href/src in the raw HTML, Outlook conditional comments included, entities decoded. */
const urlsIn = (html: string) => [...html.matchAll(/\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) => (m[1] ?? m[2]!).replace(/&amp;/g, '&'));

const ada: Recipient = {
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  unsubscribeUrl: 'https://news.example.com/unsubscribe?token=ada-1&lang=en',
  preferencesUrl: 'https://news.example.com/preferences?token=ada-2&lang=en',
};
const grace: Recipient = {
  email: 'grace.hopper@example.net',
  name: 'Grace Brewster Hopper',
  unsubscribeUrl: 'https://news.example.com/unsubscribe?token=grace-1-longer-token',
  preferencesUrl: 'https://news.example.com/preferences?token=grace-2-longer-token',
};

let templates: Templates;
beforeAll(async () => {
  templates = await loadTemplates(TEMPLATES, config.email.subject);
});

describe('renderDigestEmail on the sample content', () => {
  it('renders the default window of content/ at MJML strict level with no errors', async () => {
    const loaded = await loadPosts(CONTENT, undefined, { timezone: config.site.timezone });
    expect(loaded.errors).toEqual([]);
    const published = publishPosts(loaded.posts, { drafts: false, future: false, now: NOW });
    const window = defaultWindow(NOW, config.site.timezone);
    const shown = await readBodies(CONTENT, postsInWindow(published.posts, window), { timezone: config.site.timezone, displayDir: CONTENT });
    const digest = buildDigest(
      shown.map((r) => r.post),
      window,
      config,
    );
    expect(digest.postCount).toBeGreaterThan(0);

    mjmlCalls.length = 0;
    const rendered = await renderDigestEmail(digest, templates, config, SIGNING_KEY);

    expect(mjmlCalls).toHaveLength(1);
    expect(mjmlCalls[0]).toEqual({ validationLevel: 'strict', errors: [] });
    const doc = parseDocument(rendered.html);
    const titles = findAll(doc, (el) => el.name === 'td' && hasClass(el, 'title')).map((el) => textOf(el).trim());
    expect(titles).toEqual(digest.sections.flatMap((s) => s.posts.map((p) => p.title)));
  });
});

describe('renderDigestEmail + personalize on an adversarial digest', () => {
  let digest: Digest;
  let rendered: RenderedDigestEmail;
  let html: string;
  let text: string;
  let doc: Node;
  const allPosts = () => digest.sections.flatMap((s) => s.posts);

  beforeAll(async () => {
    digest = buildDigest(adversarialPosts(), WINDOW, config);
    rendered = await renderDigestEmail(digest, templates, config, SIGNING_KEY);
    ({ html, text } = personalize(rendered, ada));
    doc = parseDocument(html);
  });

  it('builds the digest the test expects: 30 posts in 6 sections', () => {
    expect(digest.postCount).toBe(30);
    expect(digest.sections.map((s) => [s.name, s.postCount])).toEqual([
      ['World', 8],
      ['Arts & Culture', 7],
      ['Science', 5],
      ['Technology', 4],
      ['Business', 3],
      ['Sport', 3],
    ]);
  });

  it('keeps the HTML part under the 102 KB at which Gmail clips a message', () => {
    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  it('leaves no MJML tag, Liquid syntax or placeholder from the templates in the HTML or the text', () => {
    // Titles and excerpts carry "{{", "{%" and "BSPH" on purpose: remove them, then nothing may be left.
    const data = [...HOSTILE_TITLES, HOSTILE_EXCERPT];
    const htmlWithoutData = data.reduce((acc, d) => acc.replaceAll(escapeHtml(d), ''), html);
    const textWithoutData = data.reduce((acc, d) => acc.replaceAll(d, ''), text);
    for (const residue of ['<mj-', '{{', '{%', 'BSPH']) {
      expect({ residue, inHtml: htmlWithoutData.includes(residue), inText: textWithoutData.includes(residue) }).toEqual({
        residue,
        inHtml: false,
        inText: false,
      });
    }
  });

  it('prints template syntax and placeholder-like text in post titles literally, in HTML and text', () => {
    const titles = findAll(doc, (el) => el.name === 'td' && hasClass(el, 'title')).map((el) => textOf(el).trim());
    const lines = text.split('\n');
    for (const title of ['Not {{ site.title }} evaluated', 'A {% raw %} tag that stays text', 'BSPH0123456789abcdefUNSUBSCRIBEURLX']) {
      expect(titles).toContain(title);
      expect(lines).toContain(title);
    }
  });

  it('makes every href and src an absolute https URL', () => {
    const urls = urlsIn(html);
    expect(urls.length).toBeGreaterThan(60);
    for (const url of urls) expect({ url, protocol: URL.canParse(url) ? new URL(url).protocol : 'not absolute' }).toEqual({ url, protocol: 'https:' });
  });

  it('escapes a hostile title in the HTML and keeps it verbatim in the text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img[^>]*onerror/i);
    expect(findAll(doc, (el) => el.name === 'script')).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text.split('\n')).toContain('<script>alert(1)</script>');
    expect(text.split('\n')).toContain(`& < > " '`);
  });

  it('shows each section in digest order, each with its posts in order', () => {
    const headings = new Set(digest.sections.map((s) => `${s.name} · ${s.postCount}`));
    const seen = findAll(
      doc,
      (el) =>
        (el.name === 'td' && hasClass(el, 'title')) ||
        (el.name === 'div' && headings.has(textOf(el).trim()) && !DomUtils.findOne((d) => d.name === 'div', el.children)),
    ).map((el) => (el.name === 'td' ? `post: ${textOf(el).trim()}` : `section: ${textOf(el).trim()}`));
    expect(seen).toEqual(digest.sections.flatMap((s) => [`section: ${s.name} · ${s.postCount}`, ...s.posts.map((p) => `post: ${p.title}`)]));
  });

  it('gives a post with a cover image one image with width, height and alt, and a post without none', () => {
    const images = findAll(doc, (el) => el.name === 'img');
    for (const p of allPosts()) {
      const own = images.filter((img) => parentLink(img) === p.url);
      if (p.coverImage === undefined) {
        expect({ slug: p.slug, images: own.length }).toEqual({ slug: p.slug, images: 0 });
        continue;
      }
      expect(own.map((img) => ({ src: attr(img, 'src'), alt: attr(img, 'alt'), width: attr(img, 'width'), height: attr(img, 'height') }))).toEqual([
        { src: p.coverImage, alt: p.title, width: String(config.email.cover.width), height: String(config.email.cover.height) },
      ]);
      expect(p.coverImage).toMatch(/^https:\/\//);
    }
  });

  it('links every title to its post', () => {
    const titleLinks = findAll(
      doc,
      (el) =>
        el.name === 'a' &&
        !!el.parent &&
        DomUtils.isTag(el.parent) &&
        el.parent.parent !== null &&
        DomUtils.isTag(el.parent.parent) &&
        hasClass(el.parent.parent, 'title'),
    );
    expect(titleLinks.map((a) => [textOf(a), attr(a, 'href')])).toEqual(allPosts().map((p) => [p.title, p.url]));
  });

  it('ends with unsubscribe and preferences links and the postal address from config', () => {
    const links = findAll(doc, (el) => el.name === 'a').map((a) => [textOf(a).trim(), attr(a, 'href')]);
    expect(links).toContainEqual(['Unsubscribe', ada.unsubscribeUrl]);
    expect(links).toContainEqual(['Choose categories', ada.preferencesUrl]);
    expect(textOf(doc)).toContain(POSTAL_ADDRESS);
    expect(text).toContain(`Unsubscribe: ${ada.unsubscribeUrl}\n`);
    expect(text).toContain(`Choose categories: ${ada.preferencesUrl}\n`);
    expect(text.split('\n')).toContain(POSTAL_ADDRESS);
  });

  it('writes a plain text with section headings in order, titles, and post URLs as plain lines, without HTML tags', () => {
    const lines = text.split('\n');
    const headingAt = digest.sections.map((s) => lines.indexOf(`== ${s.name} (${s.postCount}) ==`));
    expect(headingAt.every((i) => i >= 0)).toBe(true);
    expect(headingAt).toEqual([...headingAt].sort((a, b) => a - b));
    for (const p of allPosts()) {
      expect(lines).toContain(p.title);
      expect(lines).toContain(p.url);
    }
    const withoutData = [...HOSTILE_TITLES, HOSTILE_EXCERPT, 'Ana <Ed> & Co'].reduce((acc, d) => acc.replaceAll(d, ''), text);
    expect(withoutData).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(withoutData).not.toMatch(/&(amp|lt|gt|quot|#\d+);/);
  });
});

describe('personalize', () => {
  let rendered: RenderedDigestEmail;
  beforeAll(async () => {
    rendered = await renderDigestEmail(buildDigest(adversarialPosts().slice(0, 6), WINDOW, config), templates, config, SIGNING_KEY);
  });

  const greeting = (html: string) => textOf(parseDocument(html)).match(/Hello [^,]*,/)?.[0];

  it('gives two subscribers their own links and names, and otherwise byte-identical HTML and text', () => {
    const a = personalize(rendered, ada);
    const b = personalize(rendered, grace);
    const mask = (s: string, r: Recipient, encode: (t: string) => string) =>
      [r.unsubscribeUrl, r.preferencesUrl, r.email, r.name!].reduce((acc, value, i) => acc.replaceAll(encode(value), `[value ${i}]`), s);

    expect(a.html).toContain(`href="${escapeHtml(ada.unsubscribeUrl)}"`);
    expect(b.html).toContain(`href="${escapeHtml(grace.unsubscribeUrl)}"`);
    expect(a.html).not.toContain(grace.name!);
    expect(greeting(a.html)).toBe('Hello Ada Lovelace,');
    expect(greeting(b.html)).toBe('Hello Grace Brewster Hopper,');
    expect(mask(a.html, ada, escapeHtml)).toBe(mask(b.html, grace, escapeHtml));
    expect(mask(a.text, ada, (t) => t)).toBe(mask(b.text, grace, (t) => t));
    expect(a.subject).toBe(b.subject);
  });

  it('escapes markup in a name in the HTML', () => {
    const { html, text } = personalize(rendered, { ...ada, name: 'Ada <b>Bold</b>' });
    expect(html).toContain('Hello Ada &lt;b&gt;Bold&lt;/b&gt;,');
    expect(findAll(parseDocument(html), (el) => el.name === 'b')).toEqual([]);
    expect(text).toContain('Hello Ada <b>Bold</b>,');
  });

  it('writes a name with a line break on one line', () => {
    const { html, text } = personalize(rendered, { ...ada, name: 'Ada\r\nBcc: victim@example.com\nLovelace' });
    expect(greeting(html)).toBe('Hello Ada Bcc: victim@example.com Lovelace,');
    expect(text).toContain('Hello Ada Bcc: victim@example.com Lovelace,');
  });

  it('fills a subscriber name used in the subject template, on one line', async () => {
    const personal = await loadTemplates(TEMPLATES, '{{ recipient.name }}, your {{ site.title }} digest');
    const email = await renderDigestEmail(buildDigest(adversarialPosts().slice(0, 2), WINDOW, config), personal, config, SIGNING_KEY);
    expect(personalize(email, { ...ada, name: 'Ada\nLovelace' }).subject).toBe(`Ada Lovelace, your ${config.site.title} digest`);
    expect(personalize(email, grace).subject).not.toContain('BSPH');
  });

  it('greets a subscriber without a name as "there"', () => {
    for (const name of [undefined, '', ' \n ']) {
      const { html, text } = personalize(rendered, { ...ada, name });
      expect(greeting(html)).toBe('Hello there,');
      expect(text).toContain('Hello there,');
    }
  });
});

describe('loadTemplates with a broken template', () => {
  /** A private copy of templates/. */
  async function copyTemplates(): Promise<string> {
    const dir = await tempDir('templates');
    await cp(TEMPLATES, dir, { recursive: true });
    return dir;
  }

  /** A copy where `line` is inserted so that it becomes line `lineNo` of `file`. */
  async function brokenCopy(file: string, lineNo: number, line: string): Promise<string> {
    const dir = await copyTemplates();
    const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
    lines.splice(lineNo - 1, 0, line);
    await writeFile(path.join(dir, file), lines.join('\n'));
    return dir;
  }

  async function loadError(dir: string): Promise<TemplateError> {
    const err = await loadTemplates(dir, config.email.subject).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }

  it('names the file and line of a Liquid syntax error in a partial', async () => {
    const dir = await brokenCopy('partials/post-card.mjml.liquid', 3, '  {% iff post.title %}');
    const err = await loadError(dir);
    expect(err.describe()).toBe(`${path.join(dir, 'partials/post-card.mjml.liquid')}:3:3: tag "iff" not found`);
  });

  it.each([
    ['an unknown MJML tag', '    <mj-txt>oops</mj-txt>', 'mj-txt'],
    ['a section nested in a column', '    <mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>', 'mj-section'],
  ])('names the file and line of %s in a partial', async (_, line, tag) => {
    const dir = await brokenCopy('partials/section.mjml.liquid', 3, line);
    const err = await loadError(dir);
    expect(err.describe()).toMatch(new RegExp(`^${escapeRegExp(path.join(dir, 'partials/section.mjml.liquid'))}:3: ${tag}: is not valid MJML`));
  });

  it('names the missing plain-text template', async () => {
    const dir = await copyTemplates();
    await rm(path.join(dir, 'digest.txt.liquid'));
    const err = await loadError(dir);
    expect(err.describe()).toBe(
      `${path.join(dir, 'digest.txt.liquid')}: is missing (restore it from the Broadsheet repository or point paths.templates at a complete folder)`,
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
