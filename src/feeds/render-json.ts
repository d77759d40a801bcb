// FeedChannel → JSON Feed 1.1 with `feed`, through the patches in feed-patches.ts. Pure.
import { createFeed, jsonContent, jsonExternalUrl, upgradeJsonFeed } from './feed-patches.js';
import type { FeedChannel } from './model.js';

export function renderJson(channel: FeedChannel): string {
  const feed = createFeed({
    title: channel.title,
    description: channel.description,
    link: channel.homeUrl,
    ...(channel.image === undefined ? {} : { image: channel.image }),
    author: { name: channel.author.name, ...(channel.author.url ? { link: channel.author.url } : {}) },
    updated: channel.updated,
    feedLinks: { json: channel.urls.json },
  });
  for (const entry of channel.entries) {
    feed.addItem({
      title: entry.title,
      id: entry.url,
      link: entry.link,
      date: entry.updated,
      published: entry.published,
      description: entry.summary,
      content: jsonContent(entry.html),
      author: [{ name: entry.author }],
      category: entry.categories.map((c) => ({ name: c.label })),
      ...(entry.image === undefined ? {} : { image: entry.image.url }),
      extensions: [
        ...(entry.source === undefined ? [] : [jsonExternalUrl(entry.source)]),
        // JSON Feed extensions are objects whose key starts with "_" (spec §"Extensions").
        {
          name: '_broadsheet',
          objects: {
            word_count: entry.wordCount,
            reading_minutes: entry.readingMinutes,
            ...(entry.imageCredit === undefined ? {} : { image_credit: entry.imageCredit }),
          },
        },
      ],
    });
  }
  return upgradeJsonFeed(feed.json1(), channel);
}
