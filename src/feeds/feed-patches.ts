// Every work-around for the `feed` package (6.0.0) and the xml-js writer it uses, in one place. Pure.
//
// Each patch is named after what upstream does wrong and says what we do instead. For each, the test
// file test/feeds/feed-patches.test.ts calls plain `feed` and asserts that it still does it wrong, and
// that our patched output is right. After an upgrade, a failing "upstream" test names a patch that
// may go. FEED_RELIANCES are upstream behaviours the renderers use as they are, pinned the same way.
//
// Not here: characters that XML forbids (feed and xml-js pass them through) are removed when posts are
// loaded (stripControlChars in content/schema.ts), so the email gets clean text too. This is the only
// module that imports `feed`.
import { randomUUID } from 'node:crypto';
import { Feed, type Enclosure, type Extension, type FeedOptions } from 'feed';
import { escapeHtml } from '../shared/html.js';
import type { FeedChannel, FeedEntry } from './model.js';
import { cdataSection, childElements, element, parseXml, serializeXml, type Element } from './xml.js';

/** The patches, by name, in the order they appear below. */
export const FEED_PATCHES = [
  'updated-defaults-to-now',
  'xml-text-ampersands-decoded',
  'cdata-end-split-once',
  'rss-author-not-an-email',
  'rss-namespaces-need-content',
  'rss-media-namespace-missing',
  'rss-enclosure-type-guessed',
  'atom-text-typed-html',
  'atom-language-dropped',
  'atom-links-incomplete',
  'atom-enclosure-type-guessed',
  'atom-attributes-unescaped',
  'atom-media-credit-missing',
  'json-feed-1.0',
  'json-item-id-optional',
  'json-empty-content',
  'json-external-url-missing',
] as const;
export type FeedPatch = (typeof FEED_PATCHES)[number];

/**
 * Upstream behaviour used as it is:
 * - `rss-guid-is-the-link`: an RSS item with no id or guid gets <guid isPermaLink="true"> holding its
 *   link, which is what we want for a post, so none is given.
 * - `entry-urls-normalised`: links and entry ids go through `new URL()` (which throws on a non-URL and
 *   normalises the rest) while the feed id is copied as is; every URL we give is already a normalised
 *   absolute URL (shared/urls.ts), so the Atom feed id and its self link agree.
 */
export const FEED_RELIANCES = ['rss-guid-is-the-link', 'entry-urls-normalised'] as const;
export type FeedReliance = (typeof FEED_RELIANCES)[number];

// ── updated-defaults-to-now ─────────────────────────────────────────────────────────────────────────
/**
 * Upstream: without `updated`, rss2() writes <lastBuildDate> and atom1() <updated> as the time of the
 * call, so every build differs, and so does its ETag.
 * Ours: every Feed is made here, with `updated` (the newest entry's date) required by the type.
 */
export function createFeed(options: FeedOptions & { updated: Date }): Feed {
  return new Feed(options);
}

// ── xml-text-ampersands-decoded ────────────────────────────────────────────────────────────────────
/**
 * Upstream: element text goes through xml-js's js2xml, which first turns every "&amp;" back into "&"
 * (its "desanitize" step) and only then escapes: an author written "Tom &amp; Jerry" came out as
 * "Tom & Jerry".
 * Ours: plain text given as element text (channel title, description, copyright, names, RSS category
 * names) has each "&" doubled, which cancels that step.
 */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;');
}

// ── cdata-end-split-once ────────────────────────────────────────────────────────────────────────────
/**
 * Upstream: xml-js writes a CDATA section splitting only the first "]]>" in it (`replace`, not
 * `replaceAll`); a second one ends the section early and breaks the document.
 * Ours: RSS item titles (raw text in CDATA) get every later "]]>" split here, so xml-js's split of the
 * first completes the job and the text round-trips exactly (an earlier zero-width-space workaround
 * changed the title). The other CDATA feed@6 writes holds escaped or sanitized HTML, where ">" in
 * text is "&gt;"; the Atom document is re-serialised by ./xml.ts, which splits every "]]>".
 */
export function rssTitle(text: string): string {
  const [head, ...rest] = text.split(']]>');
  return rest.length === 0 ? text : `${head}]]>${rest.join(']]]]><![CDATA[>')}`;
}

// ── rss-author-not-an-email ─────────────────────────────────────────────────────────────────────────
/**
 * Upstream: an item author's name is written as RSS <author>, which RSS 2.0 defines as an email address.
 * Ours: RSS items get no `author`; the name goes in <dc:creator>, as this extension.
 */
export function rssCreator(name: string): Extension {
  return { name: 'dc:creator', objects: { _text: xmlText(name) } };
}

// ── rss-namespaces-need-content ─────────────────────────────────────────────────────────────────────
/**
 * Upstream: rss2() declares xmlns:dc and xmlns:content only when some item has non-empty content, so
 * <dc:creator> in a channel of posts without a body used an undeclared prefix.
 * Ours: RSS content is never empty: the body, else the escaped excerpt (or title) as a paragraph.
 */
export function rssContent(entry: Pick<FeedEntry, 'html' | 'summary' | 'title'>): string {
  return entry.html || `<p>${escapeHtml(entry.summary || entry.title)}</p>`;
}

/** The curator (the front matter's author, when a writer is named besides) as <dc:contributor>, beside the writer's <dc:creator>. */
export function rssContributor(name: string): Extension {
  return { name: 'dc:contributor', objects: { _text: xmlText(name) } };
}

// ── rss-media-namespace-missing ─────────────────────────────────────────────────────────────────────
/**
 * Upstream: rss2() declares only its own namespaces (dc, content, atom, the podcast ones) and has no
 * option to declare another, so an item extension in the Media RSS namespace used an undeclared prefix.
 * Ours: the cover's credit goes as <media:credit> (rssMediaCredit), and declareMediaNamespace adds
 * xmlns:media to the <rss> start tag when some item has one.
 */
export function rssMediaCredit(credit: string): Extension {
  return { name: 'media:credit', objects: { _text: xmlText(credit) } };
}

export const MEDIA_RSS_NAMESPACE = 'http://search.yahoo.com/mrss/';

export function declareMediaNamespace(rss: string, channel: Pick<FeedChannel, 'entries'>): string {
  if (!channel.entries.some((e) => e.imageCredit !== undefined)) return rss;
  // The root's start tag is the first "<rss " of the document (after the declaration and the stylesheet instruction).
  return rss.replace('<rss ', `<rss xmlns:media="${MEDIA_RSS_NAMESPACE}" `);
}

// ── rss-enclosure-type-guessed ──────────────────────────────────────────────────────────────────────
/**
 * Upstream: an enclosure's type is "image/" plus whatever follows the last "." of the URL's path
 * ("image/jpg", or "image//photo-123" for an extension-less CDN URL); an Enclosure object's own
 * `type` wins in rss2().
 * Ours: the cover goes as an object with the type we know (feeds/image-type.ts) and length 0, the
 * convention for an unknown length.
 */
export function rssEnclosure(image: { url: string; type: string }): Enclosure {
  return { url: image.url, type: image.type, length: 0 };
}

// ── atom-text-typed-html ────────────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() marks every entry title and summary type="html", whatever they hold.
 * Ours: the plain-text title and excerpt are HTML-escaped, so a "<" in them stays text.
 */
export function atomText(text: string): string {
  return escapeHtml(text);
}

/*
 * The Atom patches below change atom1()'s output as an XML tree: parsed with xml-js, changed, and
 * written again by ./xml.ts, which escapes every attribute and text fully and splits every "]]>".
 * Entry bodies stand in as short tokens meanwhile and go in last: parsing every body back was most of
 * the cost of a cold build's feeds.
 */

/** A token to give atom1() as entry `i`'s content: `${token}${i}`; patchAtom puts the body there. */
export function atomBodyToken(): string {
  return `broadsheet-content-${randomUUID()}-`;
}

/** atom1()'s output with every Atom patch applied, and the entries' bodies in place of their tokens. */
export function patchAtom(xml: string, channel: FeedChannel, bodyToken: string): string {
  const doc = parseXml(xml);
  const root = childElements(doc, 'feed')[0]!;
  addLanguage(root, channel.language);
  typeFeedLinks(root);
  childElements(root, 'entry').forEach((node, i) => {
    const entry = channel.entries[i]!;
    completeEntryLinks(node, entry);
    labelCategories(node, entry.categories);
    if (entry.imageCredit !== undefined) creditCover(root, node, entry.imageCredit);
  });
  const patched = serializeXml(doc);
  return patched.replace(new RegExp(`<!\\[CDATA\\[${bodyToken}(\\d+)\\]\\]>`, 'g'), (_, i: string) => cdataSection(channel.entries[Number(i)]!.html));
}

// ── atom-language-dropped ───────────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() ignores the `language` option.
 * Ours: xml:lang on <feed>.
 */
function addLanguage(root: Element, language: string): void {
  root.attributes = { ...root.attributes, 'xml:lang': language };
}

// ── atom-links-incomplete ───────────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() writes links without `type`, an entry's page link without `rel`, and has no way to
 * add any other link.
 * Ours: the feed's self and alternate links get their types, each entry's page link rel="alternate" and
 * type="text/html", and after it come the cover (atom-enclosure-type-guessed) and the post's source
 * as a rel="related" link.
 */
function typeFeedLinks(root: Element): void {
  for (const link of childElements(root, 'link')) {
    if (link.attributes?.rel === 'self') link.attributes.type = 'application/atom+xml';
    if (link.attributes?.rel === 'alternate') link.attributes.type = 'text/html';
  }
}

function completeEntryLinks(node: Element, entry: FeedEntry): void {
  for (const link of childElements(node, 'link')) link.attributes = { rel: 'alternate', type: 'text/html', ...link.attributes };
  const extra = [];
  if (entry.image) extra.push(coverEnclosure(entry.image));
  if (entry.source) extra.push(element('link', { rel: 'related', href: entry.source, type: 'text/html' }));
  const elements = node.elements ?? [];
  elements.splice(elements.findLastIndex((c) => c.name === 'link') + 1, 0, ...extra);
}

// ── atom-enclosure-type-guessed ─────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() types an enclosure from the URL's extension, as rss2() does, but ignores the type
 * of an Enclosure object.
 * Ours: atom1() is given no `image`; the cover's rel="enclosure" link, with the type we know, is added
 * to the tree.
 */
function coverEnclosure(image: { url: string; type: string }): Element {
  return element('link', { rel: 'enclosure', href: image.url, type: image.type, length: '0' });
}

// ── atom-media-credit-missing ───────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() has no place for an image's credit, and no way to add an element in another namespace.
 * Ours: the cover's credit goes as <media:credit> (Media RSS, as YouTube's Atom feeds use it) after the
 * entry's links, and <feed> declares xmlns:media.
 */
function creditCover(root: Element, node: Element, credit: string): void {
  root.attributes = { ...root.attributes, 'xmlns:media': MEDIA_RSS_NAMESPACE };
  const elements = node.elements ?? [];
  elements.splice(elements.findLastIndex((c) => c.name === 'link') + 1, 0, element('media:credit', {}, credit));
  node.elements = elements;
}

// ── atom-attributes-unescaped ───────────────────────────────────────────────────────────────────────
/**
 * Upstream: atom1() escapes only "&" in a category's attributes (xml-js adds only '"'), so a "<" in a
 * label makes the document ill-formed.
 * Ours: atom1() is given the terms alone (slugs, safe as they are: atomCategories); the labels are
 * added here, and ./xml.ts escapes them.
 */
export function atomCategories(categories: FeedEntry['categories']): Array<{ term: string }> {
  return categories.map((c) => ({ term: c.term }));
}

function labelCategories(node: Element, categories: FeedEntry['categories']): void {
  childElements(node, 'category').forEach((category, j) => {
    category.attributes = { ...category.attributes, label: categories[j]!.label };
  });
}

// ── json-feed-1.0 ───────────────────────────────────────────────────────────────────────────────────
/**
 * Upstream: json1() writes JSON Feed 1.0: a singular `author` on the feed and on items, no `language`,
 * no `hubs`, indented by four spaces.
 * Ours: the document is rewritten as JSON Feed 1.1: `authors` arrays (an item's writer, then its curator), the channel's language and hub,
 * indented by two spaces with a final newline. (The item ids are json-item-id-optional's.)
 */
export function upgradeJsonFeed(json: string, channel: Pick<FeedChannel, 'language' | 'hub' | 'entries'>): string {
  const doc = JSON.parse(json) as Record<string, unknown> & { items: Json10Item[]; author?: unknown };
  const { version: _v, author, items, ...rest } = doc;
  const upgraded = {
    version: 'https://jsonfeed.org/version/1.1',
    ...rest,
    language: channel.language,
    ...(author ? { authors: [author] } : {}),
    ...(channel.hub ? { hubs: [{ type: 'WebSub', url: channel.hub }] } : {}),
    // json1() writes only an item's first author: the curator, when there is one, is added after the writer.
    items: items.map(({ author: itemAuthor, ...item }, i) => {
      const curator = channel.entries[i]?.curator;
      const authors = [...(itemAuthor ? [itemAuthor] : []), ...(curator === undefined ? [] : [{ name: curator }])];
      return { ...withItemId(item), ...(authors.length > 0 ? { authors } : {}) };
    }),
  };
  return `${JSON.stringify(upgraded, null, 2)}\n`;
}

interface Json10Item {
  id?: string;
  url?: string;
  author?: { name?: string; url?: string };
  [key: string]: unknown;
}

// ── json-item-id-optional ───────────────────────────────────────────────────────────────────────────
/**
 * Upstream: json1() writes an item's `id` only when one is given, though JSON Feed requires it.
 * Ours: an item without one takes its URL, in the first place, where json1() puts a given id.
 */
function withItemId(item: Omit<Json10Item, 'author'>): Omit<Json10Item, 'author'> {
  return { id: item.url, ...item };
}

// ── json-empty-content ──────────────────────────────────────────────────────────────────────────────
/**
 * Upstream: json1() writes `summary` only when the item's content is non-empty, so a post without a
 * body lost its excerpt (and had "content_html": "").
 * Ours: JSON content is never empty: the body, else an empty paragraph.
 */
export function jsonContent(html: string): string {
  return html || '<p></p>';
}

// ── json-external-url-missing ───────────────────────────────────────────────────────────────────────
/**
 * Upstream: feed@6's Item has no field for JSON Feed's `external_url`. An item extension is written
 * under its name as it is, whatever its value (though typed as an object).
 * Ours: the post's source goes as the extension "external_url" holding the URL string.
 */
export function jsonExternalUrl(url: string): Extension {
  return { name: 'external_url', objects: url as unknown as Record<string, unknown> };
}
