// What every use case shares: resolved folders, the logger, the templates and the published posts; and the
// signing key, for those that sign links.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Settings } from 'luxon';
import { databaseUrlOf, readSecrets, type CleanConfig, type Config } from '../config.js';
import type { ReadOptions } from '../content/front-matter.js';
import type { FurnitureRules } from '../content/furniture.js';
import { FURNITURE_RULES_VERSION } from '../content/furniture-version.js';
import type { Scan } from '../content/scan.js';
import type { LoadedPosts } from '../content/load.js';
import type { Post, PostHead } from '../content/schema.js';
import type { BuildCache } from '../output/build-cache.js';
import { loadSigningKey } from '../email/signing-key.js';
import type { Templates } from '../email/templates.js';
import { packageRoot } from '../package-root.js';
import { silentLogger } from '../log.js';
import type { BaseDeps, SecretDeps } from './types.js';
import { returnPathsOf } from '../email/bounce-tag.js';

/** The templates/ folder shipped with Broadsheet (next to src/ and dist/): found on first use. */
export function bundledTemplates(): string {
  return path.join(packageRoot(), 'templates');
}

export type CoreContext = ReturnType<typeof createContext>;

// Modules a use case loads when it first reaches them, not when the core is created: a command that
// does not parse posts or render mail does not pay for the parser, the sanitizer, Liquid or MJML.
export const postsModule = () => import('../content/load.js');
export const bodiesModule = () => import('../content/read-bodies.js');
const buildCacheModule = () => import('../output/build-cache.js');
export const publishModule = () => import('../content/publish.js');
export const templatesModule = () => import('../email/templates.js');

export function createContext(config: Readonly<Config>, deps: BaseDeps & Partial<SecretDeps>) {
  // Luxon asks ICU for the machine's locale the first time it needs one (10 ms: a tenth of a rebuild
  // where nothing changed), and no output may depend on the machine's locale anyway: every date a
  // reader sees is formatted in the site's language, explicitly.
  Settings.defaultLocale = 'en-US';
  const contentDir = path.resolve(deps.cwd, config.paths.content);
  const outDir = path.resolve(deps.cwd, config.paths.out);
  // Reports name files the way the user wrote the folder: relative to where they ran the command.
  const displayDir = path.relative(deps.cwd, contentDir) || '.';
  const dataDir = path.resolve(deps.cwd, config.paths.data);
  const cacheDir = path.join(dataDir, 'cache');
  const templatesDir = config.paths.templates ? path.resolve(deps.cwd, config.paths.templates) : bundledTemplates();
  const log = deps.log ?? silentLogger;
  // How every post file is read: dates in the site timezone, bodies cleaned with the site's furniture rules.
  const reading: ReadOptions = { timezone: config.site.timezone, rules: furnitureRules(config.clean) };
  const readingKey = readingKeyOf(config);
  // Where bounces and mailto unsubscribes go: the mailto is advertised only when a bounce mailbox is read.
  const returnPaths = returnPathsOf(config, Boolean(deps.env && readSecrets(deps.env).bounceImapUrl));

  /**
   * Every post's head (through the post cache), which of them are published now, and the step that
   * reads the bodies of those a use case shows.
   */
  async function loadPublished(options: { drafts?: boolean; future?: boolean } = {}, scanned?: Scan, buildCache?: BuildCache) {
    const [{ loadPosts }, { publishPosts }, { openBuildCache }] = await Promise.all([postsModule(), publishModule(), buildCacheModule()]);
    // The build's own cache, or one open just for this.
    const cache = buildCache ?? openBuildCache(cacheDir, (message) => log.warn({}, message));
    let loaded: LoadedPosts;
    try {
      loaded = await loadPosts(contentDir, scanned, { ...reading, displayDir, cache: cache.postCache(short(contentDir), readingKey) });
    } finally {
      if (cache !== buildCache) cache.close();
    }
    const now = deps.now();
    const published = publishPosts(loaded.posts, {
      drafts: options.drafts ?? false,
      future: options.future ?? false,
      now,
      describeFile: (file) => path.join(displayDir, file),
    });
    return { loaded, published, now, readBodies };
  }

  /** The posts of these heads, bodies read (each from the file version its head came from). */
  async function readBodies(heads: readonly PostHead[]): Promise<Post[]> {
    const { readBodies: read } = await bodiesModule();
    return (await read(contentDir, heads, { ...reading, displayDir })).map((r) => r.post);
  }

  // Loading checks every template's MJML (slow): done once, and again only when a template file changes.
  let loadedTemplates: { key: string; templates: Promise<Templates> } | undefined;
  const templates = () => {
    const key = filesFingerprint(templatesDir);
    if (loadedTemplates?.key !== key) {
      const current = { key, templates: templatesModule().then(({ loadTemplates }) => loadTemplates(templatesDir, config.email.subject)) };
      // A failed load (a broken template) is not kept: the next use tries again.
      current.templates.catch(() => {
        if (loadedTemplates === current) loadedTemplates = undefined;
      });
      loadedTemplates = current;
    }
    return loadedTemplates.templates;
  };

  return { config, deps, contentDir, outDir, displayDir, dataDir, cacheDir, templatesDir, log, reading, readingKey, returnPaths, loadPublished, templates };
}

/**
 * What a head read from a file depends on besides its bytes (the post cache's key for a content folder):
 * heads, feed entries and pages kept by builds that read with other settings, or older rules, are not reused.
 */
export function readingKeyOf(config: Pick<Config, 'site' | 'clean'>): string {
  return JSON.stringify([config.site.timezone, config.clean, FURNITURE_RULES_VERSION]);
}

/** The configured furniture rules, compiled (the config has checked that each compiles). */
export function furnitureRules(clean: CleanConfig): FurnitureRules {
  const compile = (source: string) => new RegExp(source, 'iu');
  return { dropLines: clean.dropLines.map(compile), endMarkers: clean.endMarkers.map(compile), zones: clean.zones };
}

/**
 * The key that signs links (BROADSHEET_SECRET, else data/secret.key, generated on first use): read when a
 * use case first needs it, once. A command that signs nothing never reads or creates it.
 */
export function signingKeyLoader(ctx: Pick<CoreContext, 'dataDir' | 'config'>, env: Record<string, string | undefined>): () => Promise<string> {
  let key: Promise<string> | undefined;
  // Subscribers in PostgreSQL: several instances may share them, so the key must come from the environment.
  const shared = databaseUrlOf(ctx.config, env) !== undefined;
  return () => (key ??= loadSigningKey(ctx.dataDir, readSecrets(env).signingKey, shared));
}

/** A short stable name for a folder (or pair of folders) in cache file names. */
export function short(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}

/** Names, sizes and mtimes of the files below a folder: a change to any of them changes the result. */
export function filesFingerprint(dir: string): string {
  try {
    return (readdirSync(dir, { recursive: true }) as string[])
      .sort()
      .map((name) => {
        const stat = statSync(path.join(dir, name));
        return `${name}:${stat.size}:${stat.mtimeMs}`;
      })
      .join('|');
  } catch {
    return '';
  }
}
