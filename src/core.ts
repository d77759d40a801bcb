// The application core: every use case as one function over the pure pipeline, effects injected.
import path from 'node:path';
import { readSecrets, type Config } from './config.js';
import { loadPosts } from './content/load.js';
import { publishPosts } from './content/publish.js';
import { buildDigest, defaultWindow, type Digest, type DigestWindow } from './digest/build.js';
import { readFile } from 'node:fs/promises';
import { toSlug } from './content/slug.js';
import type { Mailer } from './delivery/mailer.js';
import { sendDigest as runSend, type SendOptions, type SendReport } from './delivery/send-digest.js';
import { buildMessage, recipientLinks } from './email/message.js';
import { personalize, renderConfirmationEmail, renderDigestEmail } from './email/render.js';
import { signToken } from './email/tokens.js';
import { siteUrl } from './feeds/urls.js';
import { silentLogger, type Logger } from './log.js';
import { normalizeAddress, parseCategoryList } from './subscribers/address.js';
import { parseSubscriberCsv } from './subscribers/import-csv.js';
import type { Subscriber, SubscriberStatus, SubscriberStore } from './subscribers/store.js';
import { loadSigningKey } from './email/signing-key.js';
import { loadTemplates } from './email/templates.js';
import { AppError, InputError, type ContentError } from './errors.js';
import { buildChannels, buildFeedFiles, type OutputFile } from './feeds/build.js';
import { saveFiles } from './output/save.js';

export interface CoreDeps {
  /** The clock: "future" posts and the default digest window are relative to it. */
  now: () => Date;
  /** Folder relative paths in the config are resolved against. */
  cwd: string;
  /** Environment, for secrets only (config.ts reads the rest). */
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Needed by the subscriber and sending use cases. */
  store?: SubscriberStore;
  /** Needed by the use cases that send mail. */
  mailer?: Mailer;
  sleep?: (ms: number) => Promise<void>;
  /** Polled between messages while sending: true stops at a safe point. */
  shouldStop?: () => boolean;
}

export interface AddSubscriberInput {
  email: string;
  name?: string | undefined;
  /** Category names or slugs; empty = all. */
  categories?: string | string[] | undefined;
  timezone?: string | undefined;
  /** Store as pending and send a confirmation request instead of adding as active. */
  pending?: boolean | undefined;
}

export interface ImportReport {
  file: string;
  added: number;
  existing: number;
  duplicates: number;
  errors: Array<{ line: number; message: string }>;
  confirmationsSent: number;
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
  addSubscriber(input: AddSubscriberInput): Promise<{ subscriber: Subscriber; created: boolean; confirmationSent: boolean }>;
  /** Unsubscribe (the row is kept). */
  removeSubscriber(email: string): Promise<{ found: boolean; changed: boolean }>;
  listSubscribers(status?: SubscriberStatus): Subscriber[];
  importSubscribers(file: string, options?: { pending?: boolean | undefined }): Promise<ImportReport>;
  sendDigest(options?: SendOptions): Promise<SendReport>;
}

export function createCore(config: Readonly<Config>, deps: CoreDeps): Core {
  const contentDir = path.resolve(deps.cwd, config.paths.content);
  const outDir = path.resolve(deps.cwd, config.paths.out);
  // Reports name files the way the user wrote the folder: relative to where they ran the command.
  const displayDir = path.relative(deps.cwd, contentDir) || '.';
  const dataDir = path.resolve(deps.cwd, config.paths.data);
  const templatesDir = path.resolve(deps.cwd, config.paths.templates);

  const log = deps.log ?? silentLogger;

  /** Double opt-in: a signed link that expires, sent to each new pending subscriber. */
  async function sendConfirmations(subscribers: Subscriber[]): Promise<number> {
    const mailer = need(deps.mailer, 'mailer');
    const templates = await loadTemplates(templatesDir, config.email.subject);
    const key = await loadSigningKey(dataDir, readSecrets(deps.env ?? {}).signingKey);
    let sent = 0;
    for (const subscriber of subscribers) {
      const now = deps.now();
      const expires = Math.floor(now.getTime() / 1000) + config.delivery.confirmDays * 86_400;
      const token = signToken({ purpose: 'confirm', email: subscriber.email, expires }, key);
      const email = await renderConfirmationEmail(templates, config, {
        email: subscriber.email,
        confirmUrl: siteUrl(config.site.url, `/confirm?token=${token}`),
        categories: subscriber.categories,
        validDays: config.delivery.confirmDays,
      });
      const message = await buildMessage({ ...email, digestId: `confirm-${now.getTime()}` }, { email: subscriber.email, name: subscriber.name ?? undefined }, undefined, now, config);
      await mailer.send(message);
      sent++;
      log.info({ subscriber: subscriber.id }, 'confirmation request submitted');
    }
    return sent;
  }

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

    async addSubscriber(input) {
      const store = need(deps.store, 'store');
      const email = normalizeAddress(input.email);
      if (!email) throw new InputError({ field: 'email', message: `"${input.email}" is not an email address` });
      const status = input.pending ? 'pending' : 'active';
      const categories = parseCategoryList(input.categories, toSlug);
      const { subscriber, created } = store.add({ email, name: input.name, categories, timezone: input.timezone, status }, deps.now());
      const confirmationSent = created && status === 'pending' ? (await sendConfirmations([subscriber]), true) : false;
      return { subscriber, created, confirmationSent };
    },

    async removeSubscriber(raw) {
      const store = need(deps.store, 'store');
      const email = normalizeAddress(raw);
      const subscriber = email ? store.findByEmail(email) : undefined;
      if (!subscriber) return { found: false, changed: false };
      return { found: true, changed: store.unsubscribe(subscriber.id, deps.now()) };
    },

    listSubscribers(status) {
      return need(deps.store, 'store').list({ status });
    },

    async importSubscribers(file, options = {}) {
      const store = need(deps.store, 'store');
      const absolute = path.resolve(deps.cwd, file);
      const text = await readFile(absolute, 'utf8').catch((cause: unknown) => {
        throw new InputError({ file, message: 'cannot read the CSV file', cause });
      });
      const parsed = parseSubscriberCsv(text, file, options.pending ? 'pending' : 'active', toSlug);
      const result = store.importMany(parsed.rows, deps.now());
      let confirmationsSent = 0;
      if (options.pending && result.addedEmails.length > 0) {
        confirmationsSent = await sendConfirmations(result.addedEmails.map((e) => store.findByEmail(e)!));
      }
      return { file, added: result.added, existing: result.existing, duplicates: parsed.duplicates, errors: parsed.errors, confirmationsSent };
    },

    async sendDigest(options = {}) {
      const store = need(deps.store, 'store');
      const mailer = need(deps.mailer, 'mailer');
      const { published } = await loadPublished();
      const templates = await loadTemplates(templatesDir, config.email.subject);
      const signingKey = await loadSigningKey(dataDir, readSecrets(deps.env ?? {}).signingKey);
      return runSend(
        {
          store, mailer, templates, signingKey, config, posts: published.posts, now: deps.now, log,
          sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
          ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
        },
        options,
      );
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

function need<T>(value: T | undefined, what: string): T {
  // A wiring mistake in a driver, not a user error.
  if (value === undefined) throw new AppError('CORE_MISCONFIGURED', { message: `the core was created without a ${what}: the driver must pass one` });
  return value;
}
