// The front page, each category's page and their follow-on pages (`page/2/`, …), planned from post heads:
// which posts each page lists and everything it shows (each head carries its excerpt).
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { PostHead } from '../content/schema.js';
import type { ChannelGroup } from '../feeds/build.js';
import type { FeedChannel } from '../feeds/model.js';
import { postUrl, siteUrl } from '../shared/urls.js';

type ListSettings = Pick<Config, 'site' | 'feeds'>;

/** One post as a list page shows it. */
export interface ListedPost {
  title: string;
  url: string;
  /** ISO 8601, for `<time datetime>`. */
  datetime: string;
  /** The date in the site's language and timezone. */
  date: string;
  excerpt: string;
  category: { name: string; url: string };
}

/** What a list page template gets (templates/pages/index.html.liquid, category.html.liquid). */
export interface ListPageView {
  heading: string;
  description: string;
  posts: ListedPost[];
  pagination: { page: number; pages: number; previous: string | null; next: string | null };
  /** The feeds the page offers and advertises: every channel on the front page, its own on a category's. */
  channels: Array<{ title: string; rss: string; atom: string; json: string }>;
  /** The subscribe form's categories; on a category's page its own is ticked. */
  categories: Array<{ slug: string; name: string; checked: boolean }>;
  links: { subscribe: string; opml: string; home: string; self: string };
}

export interface ListPage {
  /** Output file, relative to OUT. */
  path: string;
  template: 'index' | 'category';
  /** The posts it lists, in order. */
  posts: PostHead[];
  /** Everything the view is made from but the settings: equal prints, equal views. */
  print: unknown;
  /** Made only for the pages written (dates formatted for every post of every page were most of a rebuild's time). */
  view: () => ListPageView;
}

/** The front page's folder ("") and each category's ("categories/<slug>"): page 1 there, page n in `page/n/`. */
export function listPagePath(dir: string, page: number): string {
  const folder = page === 1 ? dir : `${dir ? `${dir}/` : ''}page/${page}`;
  return folder ? `${folder}/index.html` : 'index.html';
}

function listPageUrl(base: string, dir: string, page: number): string {
  return siteUrl(base, `/${listPagePath(dir, page).replace(/index\.html$/, '')}`);
}

/** Every list page of the site, from its channel groups (posts newest first) and channels. */
export function planListPages(groups: readonly ChannelGroup[], channels: readonly FeedChannel[], config: ListSettings): ListPage[] {
  const { site } = config;
  const perPage = site.postsPerPage;
  const byDir = new Map(channels.map((c) => [c.dir, c]));
  const categoryGroups = groups.filter((g) => g.kind === 'category');
  const categoryUrl = (slug: string) => listPageUrl(site.url, `categories/${slug}`, 1);
  const feedsOf = (c: FeedChannel) => ({ title: c.title, rss: c.urls.rss, atom: c.urls.atom, json: c.urls.json });
  const listed = (post: PostHead): ListedPost => {
    const date = DateTime.fromJSDate(post.date, { zone: site.timezone }).setLocale(site.language);
    return {
      title: post.title,
      url: postUrl(post, site.url, config.feeds.postPath),
      datetime: date.toISO({ suppressMilliseconds: true }) ?? post.date.toISOString(),
      date: date.toLocaleString(DateTime.DATE_MED),
      excerpt: post.excerpt,
      category: { name: post.category.name, url: categoryUrl(post.category.slug) },
    };
  };
  const pagesOf = (group: ChannelGroup, template: ListPage['template'], base: Omit<ListPageView, 'posts' | 'pagination' | 'links'>): ListPage[] => {
    const pages = Math.max(1, Math.ceil(group.posts.length / perPage));
    return Array.from({ length: pages }, (_, i) => {
      const page = i + 1;
      const posts = group.posts.slice(i * perPage, page * perPage);
      return {
        path: listPagePath(group.dir, page),
        template,
        posts,
        print: [group.dir, page, pages, base, posts.map((p) => [p.slug, p.title, p.date.getTime(), p.excerpt, p.category.name, p.category.slug])],
        view: () => ({
          ...base,
          posts: posts.map(listed),
          pagination: {
            page,
            pages,
            previous: page > 1 ? listPageUrl(site.url, group.dir, page - 1) : null,
            next: page < pages ? listPageUrl(site.url, group.dir, page + 1) : null,
          },
          links: {
            subscribe: siteUrl(site.url, '/subscribe'),
            opml: siteUrl(site.url, '/feeds.opml'),
            home: siteUrl(site.url, '/'),
            self: listPageUrl(site.url, group.dir, page),
          },
        }),
      };
    });
  };
  const categories = (checked: string | undefined) =>
    categoryGroups.map((g) => {
      const slug = g.dir.slice('categories/'.length);
      return { slug, name: g.name ?? slug, checked: slug === checked };
    });
  const front = groups.find((g) => g.kind === 'site') ?? { dir: '', kind: 'site' as const, posts: [] };
  return [
    ...pagesOf(front, 'index', { heading: site.title, description: site.description, channels: channels.map(feedsOf), categories: categories(undefined) }),
    ...categoryGroups.flatMap((group) => {
      const channel = byDir.get(group.dir);
      const slug = group.dir.slice('categories/'.length);
      return pagesOf(group, 'category', {
        heading: group.name ?? slug,
        description: channel?.description ?? site.description,
        channels: channel ? [feedsOf(channel)] : [],
        categories: categories(slug),
      });
    }),
  ];
}
