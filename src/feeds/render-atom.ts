// FeedChannel → Atom 1.0 (RFC 4287) with `feed`, then patched where feed@6 gets Atom wrong. Pure.
import { randomUUID } from 'node:crypto';
import { Feed } from 'feed';
import type { FeedChannel } from './model.js';
import { escapeHtml } from '../shared/html.js';
import { xmlJsText } from './text.js';
import { cdataSection, childElements, element, parseXml, serializeXml } from './xml.js';

export function renderAtom(channel: FeedChannel): string {
  const feed = new Feed({
    // feed@6 copies the feed id as is, but sends entry ids through `new URL()` (throws on non-URLs,
    // normalises the rest): every id given here is already a normalised absolute URL.
    id: channel.urls.atom,
    title: xmlJsText(channel.title),
    description: xmlJsText(channel.description),
    link: channel.homeUrl,
    language: channel.language,
    ...(channel.copyright === undefined ? {} : { copyright: xmlJsText(channel.copyright) }),
    ...(channel.image === undefined ? {} : { image: channel.image }),
    author: {
      name: xmlJsText(channel.author.name),
      ...(channel.author.email ? { email: channel.author.email } : {}),
      ...(channel.author.url ? { link: channel.author.url } : {}),
    },
    // Without `updated`, feed@6 stamps the build time and every build differs.
    updated: channel.updated,
    generator: 'Broadsheet',
    stylesheet: channel.stylesheet,
    feedLinks: { atom: channel.urls.atom },
    ...(channel.hub === undefined ? {} : { hub: channel.hub }),
  });
  // Each entry's HTML stands in as a short token while the document is patched, and goes in last:
  // parsing every body back through the XML parser was most of the cost of a cold build's feeds.
  const token = `broadsheet-content-${randomUUID()}-`;
  for (const [i, entry] of channel.entries.entries()) {
    feed.addItem({
      // feed@6 marks title and summary type="html": plain text must be escaped to stay text.
      title: escapeHtml(entry.title),
      id: entry.url,
      link: entry.url,
      date: entry.updated,
      published: entry.published,
      description: escapeHtml(entry.summary),
      ...(entry.html ? { content: `${token}${i}` } : {}),
      author: [{ name: xmlJsText(entry.author) }],
      // Labels are added below: feed@6 escapes only "&" in attribute values, so a "<" would make
      // the document ill-formed. Terms are slugs, safe as they are.
      category: entry.categories.map((c) => ({ term: c.term })),
      // No `image`: feed@6 guesses its MIME type from the extension and ignores the one we know.
    });
  }
  const patched = patchAtom(feed.atom1(), channel);
  return patched.replace(new RegExp(`<!\\[CDATA\\[${token}(\\d+)\\]\\]>`, 'g'), (_, i: string) => cdataSection(channel.entries[Number(i)]!.html));
}

/** Add what feed@6 cannot express: xml:lang, link types, cover enclosures, source links, labels. */
function patchAtom(xml: string, channel: FeedChannel): string {
  const doc = parseXml(xml);
  const root = childElements(doc, 'feed')[0]!;
  root.attributes = { ...root.attributes, 'xml:lang': channel.language };
  for (const link of childElements(root, 'link')) {
    if (link.attributes?.rel === 'self') link.attributes.type = 'application/atom+xml';
    if (link.attributes?.rel === 'alternate') link.attributes.type = 'text/html';
  }
  childElements(root, 'entry').forEach((node, i) => {
    const entry = channel.entries[i]!;
    const extra = [];
    for (const link of childElements(node, 'link')) link.attributes = { rel: 'alternate', type: 'text/html', ...link.attributes };
    if (entry.image) extra.push(element('link', { rel: 'enclosure', href: entry.image.url, type: entry.image.type, length: '0' }));
    if (entry.source) extra.push(element('link', { rel: 'related', href: entry.source, type: 'text/html' }));
    childElements(node, 'category').forEach((category, j) => {
      category.attributes = { ...category.attributes, label: entry.categories[j]!.label };
    });
    const elements = node.elements ?? [];
    const lastLink = elements.findLastIndex((c) => c.name === 'link');
    elements.splice(lastLink + 1, 0, ...extra);
  });
  return serializeXml(doc);
}
