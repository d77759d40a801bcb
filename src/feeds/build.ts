// Published posts → every feed file (site, categories, tags; RSS, Atom, JSON Feed) and the OPML. Pure.
import { generateOpml } from 'feedsmith';
import type { Config } from '../config.js';
import { markdownToHtml } from '../content/markdown.js';
import { compareNewestFirst } from '../content/publish.js';
import { shownAuthor, type Post, type PostHead } from '../content/schema.js';
import { toSlug } from '../content/slug.js';
import { FEED_FILES, type FeedChannel, type FeedEntry } from './model.js';
import { renderAtom } from './render-atom.js';
import { renderJson } from './render-json.js';
import { renderRss } from './render-rss.js';
import { postUrl, siteUrl } from '../shared/urls.js';
import { imageMimeType } from './image-type.js';

/** A file to write under the out folder. */
export interface OutputFile {
  /** Path relative to the out folder, `/`-separated. */
  path: string;
  body: string;
}

export type FeedSettings = Pick<Config, 'site' | 'feeds'>;

/** What grouping reads of a post: heads are grouped (a build reads bodies only for the posts shown). */
export type Groupable = Pick<PostHead, 'file' | 'slug' | 'date' | 'category' | 'tags'>;

/** A channel before rendering: its folder, kind, display name and every post in it, newest first. */
export interface ChannelGroup<P extends Groupable = PostHead> {
  dir: string;
  kind: FeedChannel['kind'];
  name?: string;
  posts: P[];
}

const categoryDir = (slug: string) => `categories/${slug}`;
const tagDir = (slug: string) => `tags/${slug}`;

/** The output folder of each channel a post belongs to: the site's, its category's, and its tags'. */
export function channelDirsOf(post: Pick<Post, 'category' | 'tags'>, feeds: FeedSettings['feeds']): string[] {
  return ['', categoryDir(post.category.slug), ...(feeds.perTag ? post.tags.map((tag) => tagDir(toSlug(tag))) : [])];
}

/** The channels to publish: the site, each category and (when enabled) each tag, newest first. */
export function groupChannels<P extends Groupable>(posts: readonly P[], feeds: FeedSettings['feeds']): ChannelGroup<P>[] {
  // Sorted here, not trusted from the caller: `feeds.limit` must keep the newest posts, whatever the input order.
  const sorted = [...posts].sort(compareNewestFirst);
  const groups: ChannelGroup<P>[] = [{ dir: '', kind: 'site', posts: sorted }];
  const byCategory = new Map<string, { name: string; posts: P[] }>();
  const byTag = new Map<string, { name: string; posts: P[] }>();
  for (const post of sorted) {
    const cat = byCategory.get(post.category.slug) ?? { name: post.category.name, posts: [] };
    cat.posts.push(post);
    byCategory.set(post.category.slug, cat);
    if (feeds.perTag) {
      for (const tag of post.tags) {
        const slug = toSlug(tag);
        const group = byTag.get(slug) ?? { name: tag, posts: [] };
        group.posts.push(post);
        byTag.set(slug, group);
      }
    }
  }
  for (const [slug, group] of [...byCategory].sort(([a], [b]) => (a < b ? -1 : 1))) {
    groups.push({ dir: categoryDir(slug), kind: 'category', name: group.name, posts: group.posts });
  }
  for (const [slug, group] of [...byTag].sort(([a], [b]) => (a < b ? -1 : 1))) {
    groups.push({ dir: tagDir(slug), kind: 'tag', name: group.name, posts: group.posts });
  }
  return groups;
}

/**
 * The channels to publish. `makeEntry` turns a post into its feed entry (rendering its body); a caller
 * with a cache of rendered entries passes its own, by default every entry is rendered here.
 */
export function buildChannels(
  posts: readonly Post[],
  config: FeedSettings,
  makeEntry: (post: Post) => FeedEntry = (post) => toEntry(post, config),
): FeedChannel[] {
  return channelsOf(groupChannels(posts, config.feeds), config, makeEntry);
}

/** The channels of already grouped posts (see buildChannels): `makeEntry` gets each post a channel shows. */
export function channelsOf<P extends Groupable>(groups: readonly ChannelGroup<P>[], config: FeedSettings, makeEntry: (post: P) => FeedEntry): FeedChannel[] {
  const { site, feeds } = config;

  // Each post's body is rendered once, and only if it appears in some feed.
  const entries = new Map<string, FeedEntry>();
  const entryFor = (post: P) => {
    let entry = entries.get(post.slug);
    if (!entry) entries.set(post.slug, (entry = makeEntry(post)));
    return entry;
  };

  return groups.map((group) => {
    const chosen = group.posts.slice(0, feeds.limit).map(entryFor);
    const fileUrl = (file: string) => siteUrl(site.url, group.dir ? `/${group.dir}/${file}` : `/${file}`);
    const label = group.kind === 'category' ? `category ${group.name}` : `tag ${group.name}`;
    return {
      dir: group.dir,
      kind: group.kind,
      title: group.name === undefined ? site.title : `${site.title}: ${group.name}`,
      description: group.name === undefined ? site.description : `${site.description} (${label})`,
      homeUrl: siteUrl(site.url, '/'),
      urls: { rss: fileUrl(FEED_FILES.rss), atom: fileUrl(FEED_FILES.atom), json: fileUrl(FEED_FILES.json) },
      language: site.language,
      copyright: site.copyright,
      image: site.image,
      author: site.author,
      hub: feeds.hub,
      stylesheet: siteUrl(site.url, '/feed.xsl'),
      updated: new Date(Math.max(0, ...chosen.map((e) => e.updated.getTime()))),
      entries: chosen,
    };
  });
}

export function toEntry(post: Post, config: FeedSettings): FeedEntry {
  const url = postUrl(post, config.site.url, config.feeds.postPath);
  const image = post.coverImage === undefined ? undefined : new URL(post.coverImage, url).toString();
  return {
    url,
    link: linkOf(post, url, config),
    title: post.title,
    published: post.date,
    updated: post.updated && post.updated > post.date ? post.updated : post.date,
    author: shownAuthor(post, config.site.author.name),
    curator: post.writer !== undefined && post.author !== undefined && post.author !== post.writer ? post.author : undefined,
    categories: uniqueByTerm([{ term: post.category.slug, label: post.category.name }, ...post.tags.map((tag) => ({ term: toSlug(tag), label: tag }))]),
    summary: post.excerpt,
    html: markdownToHtml(post.body, url),
    image: image === undefined ? undefined : { url: image, type: imageMimeType(image) },
    imageCredit: image === undefined ? undefined : post.imageCredit,
    source: post.source,
    wordCount: post.wordCount,
    readingMinutes: post.readingMinutes,
  };
}

/** Where a post's feed item or digest card links: its page, or with `feeds.links: "source"` its original article. */
export function linkOf(post: Pick<Post, 'source'>, pageUrl: string, config: Pick<FeedSettings, 'feeds'>): string {
  return config.feeds.links === 'source' && post.source !== undefined ? post.source : pageUrl;
}

/** Every feed file for the channels, plus OUT/feeds.opml listing them all. */
export function buildFeedFiles(
  channels: readonly FeedChannel[],
  config: FeedSettings,
  shouldRender: (channel: FeedChannel) => boolean = () => true,
): OutputFile[] {
  const files: OutputFile[] = [];
  for (const channel of channels.filter(shouldRender)) {
    const prefix = channel.dir ? `${channel.dir}/` : '';
    files.push({ path: `${prefix}${FEED_FILES.rss}`, body: renderRss(channel) });
    files.push({ path: `${prefix}${FEED_FILES.atom}`, body: renderAtom(channel) });
    files.push({ path: `${prefix}${FEED_FILES.json}`, body: renderJson(channel) });
  }
  files.push({ path: 'feeds.opml', body: buildOpml(channels, config) });
  return files;
}

export function buildFeeds(posts: readonly Post[], config: FeedSettings): OutputFile[] {
  return buildFeedFiles(buildChannels(posts, config), config);
}

/** OPML 2.0 listing every RSS feed, so a reader can subscribe to all categories at once. */
export function buildOpml(channels: readonly FeedChannel[], config: FeedSettings): string {
  const outline = (c: FeedChannel) => ({
    text: c.title,
    title: c.title,
    type: 'rss',
    xmlUrl: c.urls.rss,
    htmlUrl: c.homeUrl,
    language: c.language,
  });
  const newest = new Date(Math.max(0, ...channels.map((c) => c.updated.getTime())));
  const site = channels.filter((c) => c.kind === 'site');
  const categories = channels.filter((c) => c.kind === 'category');
  const tags = channels.filter((c) => c.kind === 'tag');
  return generateOpml({
    head: { title: `${config.site.title} feeds`, dateModified: newest, ownerName: config.site.author.name },
    body: {
      outlines: [
        ...site.map(outline),
        ...(categories.length ? [{ text: 'Categories', outlines: categories.map(outline) }] : []),
        ...(tags.length ? [{ text: 'Tags', outlines: tags.map(outline) }] : []),
      ],
    },
  });
}

/** A tag that repeats the category (category "AI", tag "ai") is listed once. */
function uniqueByTerm(categories: Array<{ term: string; label: string }>): Array<{ term: string; label: string }> {
  const seen = new Set<string>();
  return categories.filter((c) => {
    if (seen.has(c.term)) return false;
    seen.add(c.term);
    return true;
  });
}
