// Use cases that write the site: build() and the scheduler's rebuild() (with its WebSub ping).
// This module is what a build where nothing changed runs: stat the posts, compare with the last build's
// state, done. Everything that parses, renders or writes is loaded only when a build has work to do.
import type { Explanation } from './explain.js';
import path from 'node:path';
import { defaultWindow } from '../digest/build.js';
import { originOf } from '../config.js';
import { pathErrorFrom } from '../errors.js';
import { FEED_FILES } from '../feeds/model.js';
import { siteUrl } from '../shared/urls.js';
import { scanPostFiles } from '../content/scan.js';
import { openBuildCache } from '../output/build-cache.js';
import { outputsIntact } from '../output/build-state.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { fromSummary, sha1, type BuildJob, type BuildSummary } from './build-job.js';
import type { Config } from '../config.js';
import { createContext, filesFingerprint, short, type CoreContext } from './context.js';
import type { BaseDeps, BuildOptions, BuildReport, PublishDeps, Publisher, SiteBuilder } from './types.js';

/** What `broadsheet build` needs: the site builder alone, without the subscriber and digest use cases (and the modules they load). */
export function createSiteBuilder(config: Readonly<Config>, deps: BaseDeps): SiteBuilder {
  return siteBuilder(createContext(config, deps));
}

export function siteBuilder(ctx: CoreContext): SiteBuilder {
  const { config, deps, contentDir, outDir, cacheDir, templatesDir, log } = ctx;

  /** A folder that cannot be used is named as it was given: `--out /dev/null/x: not a directory`. */
  async function build(options: BuildOptions = {}): Promise<BuildReport> {
    try {
      return await buildOnce(options);
    } catch (err) {
      throw pathErrorFrom(err, [
        { setting: 'paths.out', folder: outDir, origin: originOf(config, 'paths.out') },
        { setting: 'paths.data', folder: ctx.dataDir, origin: originOf(config, 'paths.data') },
        { setting: 'paths.content', folder: contentDir, origin: originOf(config, 'paths.content') },
      ]);
    }
  }

  async function buildOnce(options: BuildOptions): Promise<BuildReport> {
    const now = deps.now();
    const window = defaultWindow(now, config.site.timezone);
    const pagesDir = path.join(templatesDir, 'pages');
    // Every input but the post files; with their stats it makes the key of the whole build.
    const inputsKey = sha1(
      JSON.stringify([ctx.readingKey, config.site, config.feeds, outDir, options, window.since.toISOString(), filesFingerprint(pagesDir)]),
    );
    const id = short(`${contentDir}\n${outDir}`);
    const cache = openBuildCache(cacheDir, (message) => log.warn({}, message));
    try {
      const state = cache.readState<BuildSummary>(id);
      // Without a last build to compare with, the posts are stat-ed as they are read, not before.
      const scanned = state ? await scanPostFiles(contentDir) : undefined;
      const job: BuildJob = { options, now, window, inputsKey, id, cache, state, scanned };

      if (state && scanned) {
        // The last build's outputs must hold: on disk as written, and no future post come due since.
        const notDue = state.nextChangeAt === null || now < new Date(state.nextChangeAt);
        if (!notDue) job.fullBecause = 'a post dated in the future came due';
        else if (!outputsIntact(outDir, state.outputs)) job.fullBecause = 'output files were changed or removed since the last build';
        else if (state.key === sha1(JSON.stringify([scanned.fingerprint, inputsKey]))) {
          // Nothing changed since: stat-ing the posts was the build.
          return {
            contentDir,
            outDir,
            ...fromSummary(state.summary),
            written: [],
            unchanged: [...state.outputs.map((o) => o.path), ...cache.readPagePaths(id)],
            aborted: false,
            mode: 'up-to-date',
          };
        }
      } else job.fullBecause = 'no earlier build';
      const { buildSite } = await import('./build-site.js');
      return await buildSite(ctx, job);
    } finally {
      cache.close();
    }
  }

  /** Loaded only for `--explain`: a build where nothing changed loads no parser. */
  async function explain(file: string): Promise<Explanation> {
    const { explainPost } = await import('./explain.js');
    return explainPost(file, { cwd: deps.cwd, reading: ctx.reading });
  }

  return { build, explain };
}

/** rebuild(): a build, recorded in the store (`status` shows it), and a WebSub ping for each changed feed. */
export function publisher(ctx: CoreContext, site: SiteBuilder, deps: PublishDeps & { store: Pick<SubscriberStore, 'setMeta'> }): Publisher {
  const { config, log } = ctx;
  return {
    async rebuild() {
      const report = await site.build();
      await deps.store.setMeta('lastBuild', ctx.deps.now().toISOString());
      const hub = config.feeds.hub;
      const feedNames: string[] = Object.values(FEED_FILES);
      const changedFeeds = report.written.filter((f) => feedNames.includes(f.split('/').pop()!));
      if (hub && changedFeeds.length > 0) {
        const fetchImpl = deps.fetch ?? fetch;
        for (const file of changedFeeds) {
          const topic = siteUrl(config.site.url, `/${file}`);
          try {
            const res = await fetchImpl(hub, {
              method: 'POST',
              body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }),
              signal: AbortSignal.timeout(10_000),
            });
            log.info({ hub, topic, status: res.status }, 'WebSub hub pinged');
          } catch (err) {
            log.warn({ hub, topic, err: (err as Error).message }, 'WebSub ping failed (readers will still poll)');
          }
        }
      }
      return report;
    },
  };
}
