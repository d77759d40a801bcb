// The build's list pages (front page, category pages, their page/n/ pages) and OUT/404.html. A list page
// whose posts and inputs are what they were at the last build, with its file in place, is kept as it is.
// Made from post heads alone (each carries its excerpt): no body is read.
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { outputsIntact, type BuildState } from '../output/build-state.js';
import type { ChannelGroup } from '../feeds/build.js';
import type { FeedChannel } from '../feeds/model.js';
import { planListPages } from '../web/list-pages.js';
import { renderListPage, renderNotFoundPage, type Pages } from '../web/pages.js';

/** Prefix of the list pages' prints among the build state's channel prints (whose keys are folders). */
const PRINT_PREFIX = 'page:';

/** A page to write, rendered when it is written (a build holds a batch of pages' HTML at a time, not all). */
export interface PageToWrite {
  path: string;
  render: () => string;
}

export interface SitePages {
  /** The list pages whose print changed or whose file is not as written, and 404.html. */
  pages: PageToWrite[];
  /** List pages kept from the last build (unchanged, in place): outputs of this build too. */
  kept: string[];
  /** Print of every list page, keyed `page:<path>`, to store with the channel prints. */
  prints: Record<string, string>;
}

export function frontAndCategoryPages(input: {
  pages: Pages;
  groups: readonly ChannelGroup[];
  channels: readonly FeedChannel[];
  config: Pick<Config, 'site' | 'feeds'>;
  /** Hash of every input but the posts (settings, templates): a change to it changes every page. */
  inputsKey: string;
  outDir: string;
  /** What the last build wrote, and its prints (the list pages' are among its channel prints). */
  previous: Pick<BuildState<unknown>, 'outputs' | 'channelPrints'> | undefined;
}): SitePages {
  const { pages, config } = input;
  const planned = planListPages(input.groups, input.channels, config);
  const prints: Record<string, string> = {};
  for (const page of planned) {
    // The settings and the print say all the page shows.
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
  const toWrite: PageToWrite[] = stale.map((page) => ({ path: page.path, render: () => renderListPage(pages, page.template, page.view(), config) }));
  toWrite.push({ path: '404.html', render: () => renderNotFoundPage(pages, config) });
  return { pages: toWrite, kept: [...kept], prints };
}
