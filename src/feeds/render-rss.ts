// FeedChannel → RSS 2.0 with `feed`. Pure.
import { Feed } from 'feed';
import type { FeedChannel } from './model.js';
import { escapeHtml } from './text.js';

export function renderRss(channel: FeedChannel): string {
  const feed = new Feed({
    id: channel.urls.rss,
    title: channel.title,
    description: channel.description,
    link: channel.homeUrl,
    language: channel.language,
    ...(channel.copyright === undefined ? {} : { copyright: channel.copyright }),
    ...(channel.image === undefined ? {} : { image: channel.image }),
    // feed@6 writes lastBuildDate = now unless given: always pass the newest post's date.
    updated: channel.updated,
    generator: 'Broadsheet',
    feedLinks: { rss: channel.urls.rss },
    ...(channel.hub === undefined ? {} : { hub: channel.hub }),
  });
  for (const entry of channel.entries) {
    feed.addItem({
      // feed@6 (through xml-js) splits only the first "]]>" in a CDATA section; a zero-width space
      // keeps any further one from ending the section early.
      title: entry.title.replaceAll(']]>', ']]\u200B>'),
      // No id/guid: feed@6 then writes <guid isPermaLink="true"> with the post URL.
      link: entry.url,
      date: entry.updated,
      published: entry.published,
      // <description> is HTML: the plain-text excerpt is escaped so "<" in it stays text.
      description: escapeHtml(entry.summary),
      // Never empty: feed@6 declares the dc: and content: namespaces only when an item has content.
      content: entry.html || `<p>${escapeHtml(entry.summary || entry.title)}</p>`,
      category: entry.categories.map((c) => ({ name: c.label })),
      // RSS <author> must be an email address; a name-only author belongs in dc:creator.
      extensions: [{ name: 'dc:creator', objects: { _text: entry.author } }],
      // feed@6 guesses the MIME type from the extension ("image/jpg", "image//photo-123"); an
      // enclosure object's own `type` wins in its RSS renderer. Length is unknown: 0 by convention.
      ...(entry.image === undefined ? {} : { image: { url: entry.image.url, type: entry.image.type, length: 0 } }),
    });
  }
  return feed.rss2();
}
