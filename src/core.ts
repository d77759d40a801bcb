// The application core: every use case as one function over the pure pipeline, effects injected.
import path from 'node:path';
import type { Config } from './config.js';
import { loadPosts } from './content/load.js';
import { publishPosts } from './content/publish.js';
import { buildDigest, defaultWindow, type Digest } from './digest/build.js';
import type { ContentError } from './errors.js';
import { buildChannels, buildFeedFiles, type OutputFile } from './feeds/build.js';
import { saveFiles } from './output/save.js';

export interface CoreDeps {
  /** The clock: "future" posts and the default digest window are relative to it. */
  now: () => Date;
  /** Folder relative paths in the config are resolved against. */
  cwd: string;
}

export interface BuildOptions {
  /** Any reported problem fails the build and nothing is written. */
  strict?: boolean;
  drafts?: boolean;
  future?: boolean;
}

export interface BuildReport {
  contentDir: string;
  outDir: string;
  /** Post files found. */
  files: number;
  /** Posts published in the feeds. */
  published: number;
  /** Invalid posts' problems: those posts were skipped. */
  errors: ContentError[];
  warnings: ContentError[];
  skipped: { drafts: number; future: number };
  /** Feed channels (site, categories, tags). */
  channels: number;
  written: string[];
  unchanged: string[];
  /** True when --strict stopped the build before anything was written. */
  aborted: boolean;
  digest: Digest;
}

export interface Core {
  build(options?: BuildOptions): Promise<BuildReport>;
}

export function createCore(config: Readonly<Config>, deps: CoreDeps): Core {
  const contentDir = path.resolve(deps.cwd, config.paths.content);
  const outDir = path.resolve(deps.cwd, config.paths.out);
  // Reports name files the way the user wrote the folder: relative to where they ran the command.
  const displayDir = path.relative(deps.cwd, contentDir) || '.';

  return {
    async build(options = {}) {
      const loaded = await loadPosts(contentDir, { timezone: config.site.timezone, displayDir });
      const now = deps.now();
      const published = publishPosts(loaded.posts, {
        drafts: options.drafts ?? false,
        future: options.future ?? false,
        now,
        describeFile: (file) => path.join(displayDir, file),
      });
      const channels = buildChannels(published.posts, config);
      const digest = buildDigest(published.posts, defaultWindow(now, config.site.timezone), config);
      const files: OutputFile[] = [
        ...buildFeedFiles(channels, config),
        { path: 'digest.json', body: `${JSON.stringify(digest, null, 2)}\n` },
      ];
      const base = {
        contentDir,
        outDir,
        files: loaded.files,
        published: published.posts.length,
        errors: loaded.errors,
        warnings: published.warnings,
        skipped: published.skipped,
        channels: channels.length,
        digest,
      };
      if (options.strict && (loaded.errors.length > 0 || published.warnings.length > 0)) {
        return { ...base, written: [], unchanged: [], aborted: true };
      }
      const saved = await saveFiles(outDir, files);
      return { ...base, ...saved, aborted: false };
    },
  };
}
