// FeedChannel → JSON Feed 1.1 with `feed`, upgraded from the 1.0 document feed@6 writes. Pure.
import { Feed } from 'feed';
import type { FeedChannel } from './model.js';

interface Json10Item {
  id?: string;
  url?: string;
  author?: { name?: string; url?: string };
  [key: string]: unknown;
}

export function renderJson(channel: FeedChannel): string {
  const feed = new Feed({
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
      // feed@6 writes no item id unless one is given; JSON Feed requires it.
      id: entry.url,
      link: entry.url,
      date: entry.updated,
      published: entry.published,
      description: entry.summary,
      content: entry.html || `<p></p>`,
      author: [{ name: entry.author }],
      category: entry.categories.map((c) => ({ name: c.label })),
      ...(entry.image === undefined ? {} : { image: entry.image.url }),
      extensions: [
        ...(entry.source === undefined ? [] : [{ name: 'external_url', objects: entry.source as unknown as Record<string, unknown> }]),
        // JSON Feed extensions are objects whose key starts with "_" (spec §"Extensions").
        { name: '_broadsheet', objects: { word_count: entry.wordCount, reading_minutes: entry.readingMinutes } },
      ],
    });
  }
  // feed@6's json1() is JSON Feed 1.0: no `authors`, no `language`, singular `author`.
  const doc = JSON.parse(feed.json1()) as Record<string, unknown> & { items: Json10Item[]; author?: unknown };
  const { version: _v, author, items, ...rest } = doc;
  const upgraded = {
    version: 'https://jsonfeed.org/version/1.1',
    ...rest,
    language: channel.language,
    ...(author ? { authors: [author] } : {}),
    ...(channel.hub ? { hubs: [{ type: 'WebSub', url: channel.hub }] } : {}),
    items: items.map(({ author: itemAuthor, ...item }) => ({ ...item, ...(itemAuthor ? { authors: [itemAuthor] } : {}) })),
  };
  return `${JSON.stringify(upgraded, null, 2)}\n`;
}
