// Excerpts: clean the front matter's, or derive one from the first real paragraph. Pure.
import MarkdownIt, { type Token } from 'markdown-it';

// Paragraph text only: no linkify (its URL matching dominated profiles of large builds), and indented code
// off as in markdown.ts, so a paragraph here is a paragraph there.
const mdText = new MarkdownIt({ html: true, linkify: false, typographer: false }).disable('code');

/** Longest derived excerpt, in characters, before it is cut at a word boundary. */
export const EXCERPT_MAX = 240;

/** A machine-made excerpt cut mid-word ends in a letter followed straight by an ellipsis ("inve..."). */
export function isCutMidWord(excerpt: string): boolean {
  return /[\p{L}\p{N}](\.\.\.|…)$/u.test(excerpt);
}

/** The front matter's excerpt, cleaned, when it is whole (chooseExcerpt takes it over the body); else undefined. */
export function wholeExcerpt(frontMatterExcerpt: string | undefined): string | undefined {
  const given = frontMatterExcerpt === undefined ? '' : cleanExcerpt(frontMatterExcerpt);
  return given && !isCutMidWord(given) ? given : undefined;
}

export function cleanExcerpt(raw: string): string {
  return raw
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * The post's excerpt: the front matter's when it is present and whole; otherwise the first real
 * paragraph of the body (one that reads like prose, not page furniture), cut at a word boundary.
 */
export function chooseExcerpt(frontMatterExcerpt: string | undefined, body: string, title: string): string {
  const given = frontMatterExcerpt === undefined ? '' : cleanExcerpt(frontMatterExcerpt);
  if (given && !isCutMidWord(given)) return given;
  const derived = deriveExcerpt(body, title);
  if (derived) return derived;
  if (!given) return '';
  // Nothing to derive from: keep the cut excerpt's whole words only, and still mark it as cut
  // (removing just the "..." left the fragment "inve" reading as a finished sentence).
  const whole = given.replace(/\S*(\.\.\.|…)$/u, '').replace(/[\s,;:.\-–—]+$/u, '');
  return whole ? `${truncateAtWord(whole, EXCERPT_MAX).replace(/…$/u, '')}…` : '';
}

export function deriveExcerpt(body: string, title: string): string {
  const normalisedTitle = title.toLocaleLowerCase('en');
  const isProse = (text: string) => {
    const words = text.split(' ').length;
    return text.toLocaleLowerCase('en') !== normalisedTitle && (words >= 12 || (words >= 6 && /[.!?…]["”’)]?$/u.test(text)));
  };
  // The first real paragraph is nearly always near the top: parse a prefix ending at a blank line
  // first, and the whole body only when the prefix holds no prose.
  const cut = body.length > PREFIX ? body.indexOf('\n\n', PREFIX) : -1;
  if (cut > 0) {
    for (const text of paragraphTexts(body.slice(0, cut))) if (isProse(text)) return truncateAtWord(text, EXCERPT_MAX);
  }
  // The first prose paragraph, else the first that is not the title.
  let fallback: string | undefined;
  for (const text of paragraphTexts(body)) {
    if (isProse(text)) return truncateAtWord(text, EXCERPT_MAX);
    if (fallback === undefined && text.toLocaleLowerCase('en') !== normalisedTitle) fallback = text;
  }
  return fallback === undefined ? '' : truncateAtWord(fallback, EXCERPT_MAX);
}

const PREFIX = 2000;

export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const lastSpace = cut.lastIndexOf(' ');
  const head = (lastSpace > max * 0.5 ? cut.slice(0, lastSpace) : text.slice(0, max)).replace(/[\s,;:.\-–—]+$/u, '');
  return `${head}…`;
}

/** Words in a Markdown body, ignoring link targets and markup. */
export function countWords(body: string): number {
  const text = body
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/\]\([^)]*\)/g, ' ')
    .replace(/<[^>]*>/g, ' ');
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/** Minutes to read at 230 words a minute, at least one. */
export function readingMinutes(words: number): number {
  return Math.max(1, Math.round(words / 230));
}

/**
 * The plain text of each top-level paragraph, in order (for excerpts), made as it is asked for: the
 * blocks are parsed at once, but a paragraph's inline content only when the caller reaches it (an
 * excerpt usually stops at the third or fourth).
 */
export function* paragraphTexts(body: string): Generator<string, void, undefined> {
  const env = {};
  const blocks: Token[] = [];
  mdText.block.parse(body, mdText, env, blocks);
  for (let i = 0; i < blocks.length; i++) {
    const token = blocks[i]!;
    if (token.type !== 'paragraph_open' || token.level !== 0) continue;
    const inline = blocks[i + 1];
    if (inline?.type !== 'inline') continue;
    const children: Token[] = [];
    mdText.inline.parse(inline.content, mdText, env, children);
    const text = children
      .map((child) => {
        // text_special (an escaped character) is text: the core rule that joins them is not run here.
        if (child.type === 'text' || child.type === 'text_special' || child.type === 'code_inline') return child.content;
        if (child.type === 'softbreak' || child.type === 'hardbreak') return ' ';
        return '';
      })
      .join('')
      .replace(/\s+/gu, ' ')
      .trim();
    if (text) yield text;
  }
}
