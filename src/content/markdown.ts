// Markdown → safe HTML: the one configured renderer and sanitizer, plus scraped-body cleanup. Pure.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Indented code blocks are disabled: scraped bodies indent ordinary lines with tabs, and a reader
// must see paragraphs, not <pre><code>. Genuine code survives in fenced blocks (``` or ~~~).
const md = new MarkdownIt({ html: true, linkify: true, typographer: false }).disable('code');
// markdown-it leaves a link it distrusts (javascript:, data:, …) as literal text, so readers would see
// "[x](javascript:alert(1))". Every link is parsed instead; sanitize-html's scheme allowlist below
// then drops the bad href (and any image left without a src), keeping only the link text.
md.validateLink = () => true;

// Excerpts only need paragraph text: no linkify (its URL matching dominated profiles of large builds).
const mdText = new MarkdownIt({ html: true, linkify: false, typographer: false }).disable('code');

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Clean a scraped Markdown body: normalise line endings, blank out whitespace-only lines,
 * collapse runs of blank lines, and drop leading indentation (outside fenced blocks) that would
 * otherwise nest lines into lists or blockquotes they never belonged to.
 */
export function cleanBody(body: string): string {
  const lines = body.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const opener = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      out.push(line);
      if (opener && opener[0] === fence[0] && opener.length >= fence.length && line.trim() === opener) fence = undefined;
      continue;
    }
    if (opener) {
      fence = opener;
      out.push(line);
      continue;
    }
    if (line.trim() === '') {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      continue;
    }
    // Tab indentation is scraper noise; space-indented list continuations (up to 3+ spaces) are kept.
    // Trailing white space goes on every line (tab-indented ones kept theirs), except a two-space hard break.
    const unindented = /^\t/.test(line) ? line.replace(/^\s+/, '') : line;
    out.push(unindented.replace(/\s+$/, (ws) => (ws === '  ' ? ws : '')));
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'style'),
  'img', 'figure', 'figcaption', 'picture', 'del', 'ins', 'sup', 'sub', 'details', 'summary',
];

function absolutize(value: string | undefined, baseUrl: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return trimmed;
  try {
    return new URL(trimmed, baseUrl).toString();
  } catch {
    return trimmed; // not resolvable: the sanitizer's scheme check decides whether it stays
  }
}

/**
 * Render a cleaned Markdown body to sanitized HTML. Relative links and image sources become
 * absolute against `baseUrl` (the post's own URL): feed readers and mail clients have no base URL.
 */
export function markdownToHtml(body: string, baseUrl: string): string {
  const raw = md.render(body);
  return sanitizeHtml(raw, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      code: ['class'],
      ol: ['start'],
      th: ['colspan', 'rowspan', 'align'],
      td: ['colspan', 'rowspan', 'align'],
    },
    allowedClasses: { code: [/^language-[\w+#-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // script/style/textarea bodies are discarded with their tags (sanitize-html's nonTextTags).
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, ...(attribs.href === undefined ? {} : { href: absolutize(attribs.href, baseUrl)! }) } }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, ...(attribs.src === undefined ? {} : { src: absolutize(attribs.src, baseUrl)! }) } }),
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  }).trim();
}

/** The plain text of each top-level paragraph, in order (for excerpts). */
export function paragraphTexts(body: string): string[] {
  const tokens = mdText.parse(body, {});
  const texts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type !== 'paragraph_open' || token.level !== 0) continue;
    const inline = tokens[i + 1];
    if (!inline || inline.type !== 'inline') continue;
    const text = (inline.children ?? [])
      .map((child) => {
        if (child.type === 'text' || child.type === 'code_inline') return child.content;
        if (child.type === 'softbreak' || child.type === 'hardbreak') return ' ';
        return '';
      })
      .join('')
      .replace(/\s+/gu, ' ')
      .trim();
    if (text) texts.push(text);
  }
  return texts;
}
