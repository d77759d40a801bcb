// The feed model: one channel (site, category or tag) and its entries, independent of format.

export interface FeedEntry {
  /** Absolute URL of the post's page: the item's id (RSS guid, Atom id, JSON Feed id). */
  url: string;
  /** Where the item links: the post's page, or its source with `feeds.links: "source"`. */
  link: string;
  /** Plain text, one line. */
  title: string;
  published: Date;
  updated: Date;
  /** Who wrote the post: its writer (byline), else the front matter's author, else the site's. */
  author: string;
  /** The front matter's author when the post names a writer besides: the aggregator or curator who republished it. */
  curator: string | undefined;
  /** The post's category first, then its tags. */
  categories: Array<{ term: string; label: string }>;
  /** Plain-text excerpt. */
  summary: string;
  /** Sanitized HTML body with absolute URLs. */
  html: string;
  image: { url: string; type: string } | undefined;
  /** The cover image's credit ("Michael Nagle/Bloomberg / Getty Images"). */
  imageCredit: string | undefined;
  /** Original article this post republishes. */
  source: string | undefined;
  wordCount: number;
  readingMinutes: number;
}

export interface FeedChannel {
  /** Output folder relative to OUT ("" for the site feeds, "categories/finance", …). */
  dir: string;
  kind: 'site' | 'category' | 'tag';
  title: string;
  description: string;
  /** Page the channel is about (site home). */
  homeUrl: string;
  /** Absolute URL of each format's file. */
  urls: { rss: string; atom: string; json: string };
  language: string;
  copyright: string | undefined;
  image: string | undefined;
  author: { name: string; email?: string | undefined; url?: string | undefined };
  hub: string | undefined;
  /** XSL stylesheet that makes the XML feeds readable in a browser. */
  stylesheet: string;
  /** Newest entry's date: never the build time, so output is deterministic. */
  updated: Date;
  entries: FeedEntry[];
}

export const FEED_FILES = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;
