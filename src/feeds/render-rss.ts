// FeedChannel → RSS 2.0 with `feed`. Pure.
import { Feed } from 'feed';
import type { FeedChannel } from './model.js';
import { escapeHtml } from '../shared/html.js';
import { xmlJsText } from './text.js';

export function renderRss(channel: FeedChannel): string {
  const feed = new Feed({
    id: channel.urls.rss,
    title: xmlJsText(channel.title),
    description: xmlJsText(channel.description),
    link: channel.homeUrl,
    language: channel.language,
    ...(channel.copyright === undefined ? {} : { copyright: xmlJsText(channel.copyright) }),
    ...(channel.image === undefined ? {} : { image: channel.image }),
    // feed@6 writes lastBuildDate = now unless given: always pass the newest post's date.
    updated: channel.updated,
    generator: 'Broadsheet',
    stylesheet: channel.stylesheet,
    feedLinks: { rss: channel.urls.rss },
    ...(channel.hub === undefined ? {} : { hub: channel.hub }),
  });
  for (const entry of channel.entries) {
    feed.addItem({
      // Titles are raw text in CDATA (bodies and excerpts are escaped HTML, with no "]]>" left).
      title: splitLaterCdataEnds(entry.title),
      // No id/guid: feed@6 then writes <guid isPermaLink="true"> with the post URL.
      link: entry.url,
      date: entry.updated,
      published: entry.published,
      // <description> is HTML: the plain-text excerpt is escaped so "<" in it stays text.
      description: escapeHtml(entry.summary),
      // Never empty: feed@6 declares the dc: and content: namespaces only when an item has content.
      content: entry.html || `<p>${escapeHtml(entry.summary || entry.title)}</p>`,
      category: entry.categories.map((c) => ({ name: xmlJsText(c.label) })),
      // RSS <author> must be an email address; a name-only author belongs in dc:creator.
      extensions: [{ name: 'dc:creator', objects: { _text: xmlJsText(entry.author) } }],
      // feed@6 guesses the MIME type from the extension ("image/jpg", "image//photo-123"); an
      // enclosure object's own `type` wins in its RSS renderer. Length is unknown: 0 by convention.
      ...(entry.image === undefined ? {} : { image: { url: entry.image.url, type: entry.image.type, length: 0 } }),
    });
  }
  return feed.rss2();
}

/**
 * feed@6 writes titles as CDATA through xml-js, which splits only the first "]]>"
 * (`replace`, not `replaceAll`); a second one would end the section early and break the document.
 * Every later "]]>" is split here, so xml-js's own split of the first completes the job and the
 * text round-trips exactly (an earlier zero-width-space workaround changed the title).
 */
function splitLaterCdataEnds(text: string): string {
  const [head, ...rest] = text.split(']]>');
  return rest.length === 0 ? text : `${head}]]>${rest.join(']]]]><![CDATA[>')}`;
}
