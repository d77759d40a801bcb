// The application core: every use case as one function over the pure pipeline, effects injected.
import path from 'node:path';
import { readSecrets, type Config } from './config.js';
import { loadPosts } from './content/load.js';
import { publishPosts } from './content/publish.js';
import { buildDigest, defaultWindow, type Digest, type DigestWindow } from './digest/build.js';
import { buildMessage, recipientLinks } from './email/message.js';
import { personalize, renderDigestEmail } from './email/render.js';
import { loadSigningKey } from './email/signing-key.js';
import { loadTemplates } from './email/templates.js';
import type { ContentError } from './errors.js';
import { buildChannels, buildFeedFiles, type OutputFile } from './feeds/build.js';
import { saveFiles } from './output/save.js';

export interface CoreDeps {
  /** The clock: "future" posts and the default digest window are relative to it. */
  now: () => Date;
  /** Folder relative paths in the config are resolved against. */
  cwd: string;
  /** Environment, for secrets only (config.ts reads the rest). */
  env?: Record<string, string | undefined>;
}

export interface PreviewOptions {
  /** Window start; default: the start of the default seven-day window. */
  since?: Date | undefined;
  /** Window end (exclusive); default: the end of today in the site timezone. */
  until?: Date | undefined;
  /** Address the preview is personalised for; default: the sender's own. */
  to?: string | undefined;
  /** Folder for digest.html, digest.txt and digest.eml; default: <data>/preview. */
  outDir?: string | undefined;
}

export type PreviewReport =
  | { empty: true; window: DigestWindow; digest: Digest }
  | {
      empty: false;
      window: DigestWindow;
      digest: Digest;
      subject: string;
      to: string;
      messageId: string;
      outDir: string;
      files: { html: string; text: string; eml: string };
      /** Message size in bytes (Gmail clips HTML parts over 102 KB). */
      htmlBytes: number;
      notes: string[];
    };

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
  previewDigest(options?: PreviewOptions): Promise<PreviewReport>;
}

export function createCore(config: Readonly<Config>, deps: CoreDeps): Core {
  const contentDir = path.resolve(deps.cwd, config.paths.content);
  const outDir = path.resolve(deps.cwd, config.paths.out);
  // Reports name files the way the user wrote the folder: relative to where they ran the command.
  const displayDir = path.relative(deps.cwd, contentDir) || '.';
  const dataDir = path.resolve(deps.cwd, config.paths.data);
  const templatesDir = path.resolve(deps.cwd, config.paths.templates);

  async function loadPublished(options: { drafts?: boolean; future?: boolean } = {}) {
    const loaded = await loadPosts(contentDir, { timezone: config.site.timezone, displayDir });
    const now = deps.now();
    const published = publishPosts(loaded.posts, {
      drafts: options.drafts ?? false,
      future: options.future ?? false,
      now,
      describeFile: (file) => path.join(displayDir, file),
    });
    return { loaded, published, now };
  }

  return {
    async build(options = {}) {
      const { loaded, published, now } = await loadPublished(options);
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

    async previewDigest(options = {}) {
      const { published, now } = await loadPublished();
      const fallback = defaultWindow(now, config.site.timezone);
      const until = options.until ?? fallback.until;
      const since = options.since ?? new Date(until.getTime() - (fallback.until.getTime() - fallback.since.getTime()));
      const window = { since, until };
      const digest = buildDigest(published.posts, window, config);
      if (digest.postCount === 0) return { empty: true, window, digest };

      const templates = await loadTemplates(templatesDir, config.email.subject);
      const key = await loadSigningKey(dataDir, readSecrets(deps.env ?? {}).signingKey);
      const rendered = await renderDigestEmail(digest, templates, config);
      const to = (options.to ?? config.email.from.address).trim().toLowerCase();
      const links = recipientLinks(to, key, config);
      const email = personalize(rendered, { email: to, name: undefined, ...links });
      const message = await buildMessage({ ...email, digestId: digest.id }, { email: to }, links, now, config);
      const previewDir = options.outDir ? path.resolve(deps.cwd, options.outDir) : path.join(dataDir, 'preview');
      await saveFiles(previewDir, [
        { path: 'digest.html', body: email.html },
        { path: 'digest.txt', body: email.text },
        { path: 'digest.eml', body: message.raw.toString('utf8') },
      ]);
      const notes = config.email.postalAddress ? [] : ['email.postalAddress is not set: bulk email law in many places requires the sender\'s postal address in every message.'];
      return {
        empty: false,
        window,
        digest,
        subject: email.subject,
        to,
        messageId: message.messageId,
        outDir: previewDir,
        files: { html: path.join(previewDir, 'digest.html'), text: path.join(previewDir, 'digest.txt'), eml: path.join(previewDir, 'digest.eml') },
        htmlBytes: Buffer.byteLength(email.html),
        notes,
      };
    },
  };
}
