// The build's list pages (front page, category pages, their page/n/ pages) and OUT/404.html. A list page
// whose posts and inputs are what they were at the last build, with its file in place, is kept as it is:
// excerpts (which may need a post's body) are read only for the pages written.
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { cleanExcerpt, isCutMidWord } from '../content/excerpt.js';
import type { PostHead } from '../content/schema.js';
import { outputsIntact, type BuildState } from '../output/build-state.js';
import type { ChannelGroup, OutputFile } from '../feeds/build.js';
import type { FeedChannel } from '../feeds/model.js';
import { planListPages } from '../web/list-pages.js';
import { renderListPage, renderNotFoundPage, type Pages } from '../web/pages.js';

/** Prefix of the list pages' prints among the build state's channel prints (whose keys are folders). */
const PRINT_PREFIX = 'page:';

export interface SitePages {
  files: OutputFile[];
  /** List pages kept from the last build (unchanged, in place): outputs of this build too. */
  kept: string[];
  /** Print of every list page, keyed `page:<path>`, to store with the channel prints. */
  prints: Record<string, string>;
}

export async function frontAndCategoryPages(input: {
  pages: Pages;
  groups: readonly ChannelGroup[];
  channels: readonly FeedChannel[];
  config: Pick<Config, 'site' | 'feeds'>;
  /** Hash of every input but the posts (settings, templates): a change to it changes every page. */
  inputsKey: string;
  outDir: string;
  /** What the last build wrote, and its prints (the list pages' are among its channel prints). */
  previous: Pick<BuildState<unknown>, 'outputs' | 'channelPrints'> | undefined;
  /** The excerpt of each of these posts (none has a whole one in its front matter), by file: may read bodies. */
  excerpts: (posts: readonly PostHead[]) => Promise<Map<string, string>>;
}): Promise<SitePages> {
  const { pages, config } = input;
  const planned = planListPages(input.groups, input.channels, config);
  const prints: Record<string, string> = {};
  for (const page of planned) {
    // The excerpt comes from the post file's bytes (its hash): the settings and the print say all the page shows.
    const key = JSON.stringify([input.inputsKey, page.template, page.print]);
    prints[PRINT_PREFIX + page.path] = createHash('sha1').update(key).digest('hex');
  }
  const written = new Map((input.previous?.outputs ?? []).map((o) => [o.path, o]));
  // Unchanged, and its file as the last build left it (not deleted or edited since).
  const isCurrent = (path: string) => {
    const before = written.get(path);
    return before !== undefined && input.previous?.channelPrints[PRINT_PREFIX + path] === prints[PRINT_PREFIX + path] && outputsIntact(input.outDir, [before]);
  };
  const kept = new Set(planned.filter((p) => isCurrent(p.path)).map((p) => p.path));
  const stale = planned.filter((p) => !kept.has(p.path));
  // A whole excerpt in the front matter is the excerpt, whatever the body says: no body read for it.
  const shown = stale.flatMap((p) => p.posts);
  const excerpts = await input.excerpts(shown.filter((p) => givenExcerpt(p) === undefined));
  for (const post of shown) {
    const given = givenExcerpt(post);
    if (given !== undefined) excerpts.set(post.file, given);
  }
  const files = stale.map((page) => {
    const view = page.view();
    const posts = view.posts.map((post, i) => ({ ...post, excerpt: excerpts.get(page.posts[i]!.file) ?? '' }));
    return { path: page.path, body: renderListPage(pages, page.template, { ...view, posts }, config) };
  });
  files.push({ path: '404.html', body: renderNotFoundPage(pages, config) });
  return { files, kept: [...kept], prints };
}

/** The front matter's excerpt when it is the post's excerpt (chooseExcerpt would take it over the body). */
function givenExcerpt(post: PostHead): string | undefined {
  if (post.frontMatterExcerpt === undefined) return undefined;
  const given = cleanExcerpt(post.frontMatterExcerpt);
  return given && !isCutMidWord(given) ? given : undefined;
}
