// FeedChannel → RSS 2.0 with `feed`, through the patches in feed-patches.ts. Pure.
import { escapeHtml } from '../shared/html.js';
import { createFeed, declareMediaNamespace, rssContent, rssContributor, rssCreator, rssEnclosure, rssMediaCredit, rssTitle, xmlText } from './feed-patches.js';
import type { FeedChannel } from './model.js';

export function renderRss(channel: FeedChannel): string {
  const feed = createFeed({
    id: channel.urls.rss,
    title: xmlText(channel.title),
    description: xmlText(channel.description),
    link: channel.homeUrl,
    language: channel.language,
    ...(channel.copyright === undefined ? {} : { copyright: xmlText(channel.copyright) }),
    ...(channel.image === undefined ? {} : { image: channel.image }),
    updated: channel.updated,
    generator: 'Broadsheet',
    stylesheet: channel.stylesheet,
    feedLinks: { rss: channel.urls.rss },
    ...(channel.hub === undefined ? {} : { hub: channel.hub }),
  });
  for (const entry of channel.entries) {
    feed.addItem({
      title: rssTitle(entry.title),
      // The guid is the page: given only when the item links elsewhere (its source), else it is the link
      // (rss-guid-is-the-link).
      ...(entry.link === entry.url ? {} : { id: entry.url }),
      link: entry.link,
      date: entry.updated,
      published: entry.published,
      // <description> is HTML: the plain-text excerpt is escaped so "<" in it stays text.
      description: escapeHtml(entry.summary),
      content: rssContent(entry),
      category: entry.categories.map((c) => ({ name: xmlText(c.label) })),
      extensions: [
        rssCreator(entry.author),
        ...(entry.curator === undefined ? [] : [rssContributor(entry.curator)]),
        ...(entry.imageCredit === undefined ? [] : [rssMediaCredit(entry.imageCredit)]),
      ],
      ...(entry.image === undefined ? {} : { image: rssEnclosure(entry.image) }),
    });
  }
  return declareMediaNamespace(feed.rss2(), channel);
}
