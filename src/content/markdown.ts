// Markdown → safe HTML: the one configured renderer and sanitizer, plus scraped-body cleanup. Pure.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

export { cleanBody } from './clean.js';

// Indented code blocks are disabled: scraped bodies indent ordinary lines with tabs, and a reader
// must see paragraphs, not <pre><code>. Genuine code survives in fenced blocks (``` or ~~~).
const md = new MarkdownIt({ html: true, linkify: true, typographer: false }).disable('code');
// markdown-it leaves a link it distrusts (javascript:, data:, …) as literal text, so readers would see
// "[x](javascript:alert(1))". Every link is parsed instead; sanitize-html's scheme allowlist below
// then drops the bad href (and any image left without a src), keeping only the link text.
md.validateLink = () => true;

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'style'),
  'img',
  'figure',
  'figcaption',
  'picture',
  'del',
  'ins',
  'sup',
  'sub',
  'details',
  'summary',
];

function absolutize(value: string | undefined, baseUrl: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  // A fragment-only link ("#top") resolves too: a feed reader or mail client has no page to scroll.
  if (trimmed === '') return trimmed;
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
