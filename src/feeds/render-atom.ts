// FeedChannel → Atom 1.0 (RFC 4287) with `feed`, through the patches in feed-patches.ts. Pure.
import { atomBodyToken, atomCategories, atomText, createFeed, patchAtom, xmlText } from './feed-patches.js';
import type { FeedChannel } from './model.js';

export function renderAtom(channel: FeedChannel): string {
  const feed = createFeed({
    // Already normalised absolute URLs, as entry ids will be (entry-urls-normalised).
    id: channel.urls.atom,
    title: xmlText(channel.title),
    description: xmlText(channel.description),
    link: channel.homeUrl,
    language: channel.language,
    ...(channel.copyright === undefined ? {} : { copyright: xmlText(channel.copyright) }),
    ...(channel.image === undefined ? {} : { image: channel.image }),
    author: {
      name: xmlText(channel.author.name),
      ...(channel.author.email ? { email: channel.author.email } : {}),
      ...(channel.author.url ? { link: channel.author.url } : {}),
    },
    updated: channel.updated,
    generator: 'Broadsheet',
    stylesheet: channel.stylesheet,
    feedLinks: { atom: channel.urls.atom },
    ...(channel.hub === undefined ? {} : { hub: channel.hub }),
  });
  const bodyToken = atomBodyToken();
  for (const [i, entry] of channel.entries.entries()) {
    feed.addItem({
      title: atomText(entry.title),
      id: entry.url,
      link: entry.link,
      date: entry.updated,
      published: entry.published,
      description: atomText(entry.summary),
      ...(entry.html ? { content: `${bodyToken}${i}` } : {}),
      author: [{ name: xmlText(entry.author) }],
      ...(entry.curator === undefined ? {} : { contributor: [{ name: xmlText(entry.curator) }] }),
      category: atomCategories(entry.categories),
      // No `image`: patchAtom adds the cover (atom-enclosure-type-guessed).
    });
  }
  return patchAtom(feed.atom1(), channel, bodyToken);
}
