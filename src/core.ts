// The application core: every use case as one function over the pure pipeline, effects injected.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSecrets, type Config } from './config.js';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadPostsCached, scanPostFiles, type Scan } from './content/cache.js';
import { EntryCache } from './output/entry-cache.js';
import { outputsIntact, readBuildState, statOutputs, writeBuildState } from './output/build-state.js';
import { FEED_FILES, type FeedChannel } from './feeds/model.js';
import { publishPosts } from './content/publish.js';
import { buildDigest, defaultWindow, postsInWindow, type Digest, type DigestWindow } from './digest/build.js';
import type { Post } from './content/schema.js';
import { readFile } from 'node:fs/promises';
import { toSlug } from './content/slug.js';
import type { Mailer } from './delivery/mailer.js';
import { sendDigest as runSend, type SendOptions, type SendReport } from './delivery/send-digest.js';
import { buildMessage, recipientLinks } from './email/message.js';
import { personalize, renderDigestEmail, renderNoticeEmail } from './email/render.js';
import { signToken } from './email/tokens.js';
import { siteUrl } from './feeds/urls.js';
import { silentLogger, type Logger } from './log.js';
import { normalizeAddress, parseCategoryList } from './subscribers/address.js';
import { dueSubscribers, nextSlot } from './schedule/due.js';
import { parseSubscriberCsv } from './subscribers/import-csv.js';
import type { Subscriber, SubscriberStatus, SubscriberStore } from './subscribers/store.js';
import { verifyToken } from './email/tokens.js';
import type { Category } from './content/schema.js';
import { DateTime, IANAZone } from 'luxon';
import { loadSigningKey } from './email/signing-key.js';
import { loadTemplates } from './email/templates.js';
import { AppError, ContentError, describeError, InputError } from './errors.js';
import { buildChannels, buildFeedFiles, toEntry, type OutputFile } from './feeds/build.js';
import { saveFiles } from './output/save.js';
import { loadPages, renderFeedPage, renderIndexPage } from './web/pages.js';

/** The templates/ folder shipped with Broadsheet (next to src/ and dist/). */
export const BUNDLED_TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

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
  /** For WebSub pings; default: global fetch. */
  fetch?: typeof fetch;
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
  /** Files an earlier build wrote that this one no longer produces (a category without posts), deleted. */
  removed?: string[];
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

  /** Double opt-in signup. Resolves the same way whether or not the address was known. */
  subscribe(input: { email: string; categories?: string[] | undefined; timezone?: string | undefined }): Promise<void>;
  confirmSubscription(token: string): Promise<'confirmed' | 'already' | 'invalid'>;
  unsubscribeByToken(token: string): Promise<'unsubscribed' | 'already' | 'invalid'>;
  readPreferences(token: string): Promise<{ email: string; selected: string[]; categories: Category[]; unsubscribeUrl: string } | undefined>;
  savePreferences(token: string, categories: string[]): Promise<boolean>;
  /** Categories of the published posts, by name. */
  categories(): Promise<Category[]>;
  /** The digest as a subscriber would get it, in memory; falls back to the newest week with posts. */
  previewInMemory(options?: { since?: Date | undefined; until?: Date | undefined }): Promise<MemoryPreview | undefined>;
  /** The "view in browser" page of a digest, by its id ("2026-11-23..2026-11-30"). */
  archivePage(id: string): Promise<string | undefined>;

  /** Build the feeds, record when, and ping the WebSub hub for every feed that changed. */
  rebuild(): Promise<BuildReport>;
  /** The scheduler's digest job: resume an unfinished campaign, else send to the subscribers now due. */
  runDueDigests(): Promise<SendReport>;
  status(): StatusReport;
  /** Resolves once mail sent in the background (confirmation requests) has been handed over. */
  settled(): Promise<void>;
}

export interface StatusReport {
  next: { rebuild: Date | undefined; digestCheck: Date | undefined; digestInSiteTimezone: Date | undefined };
  lastBuild: Date | undefined;
  subscribers: Record<SubscriberStatus, number>;
  due: number;
  campaigns: ReturnType<SubscriberStore['listCampaigns']>;
}

export interface MemoryPreview {
  window: DigestWindow;
  /** True when the requested (default) window was empty and the newest week with posts is shown. */
  fallback: boolean;
  digest: Digest;
  subject: string;
  html: string;
  text: string;
  eml: Buffer;
}

export function createCore(config: Readonly<Config>, deps: CoreDeps): Core {
  const contentDir = path.resolve(deps.cwd, config.paths.content);
  const outDir = path.resolve(deps.cwd, config.paths.out);
  // Reports name files the way the user wrote the folder: relative to where they ran the command.
  const displayDir = path.relative(deps.cwd, contentDir) || '.';
  const cacheDir = path.join(path.resolve(deps.cwd, config.paths.data), 'cache');
  const dataDir = path.resolve(deps.cwd, config.paths.data);
  const templatesDir = config.paths.templates ? path.resolve(deps.cwd, config.paths.templates) : BUNDLED_TEMPLATES;

  const log = deps.log ?? silentLogger;
  /** Mail sent after a request was answered; settled() waits for it (shutdown, tests). */
  const background = new Set<Promise<void>>();
  let keyPromise: Promise<string> | undefined;
  const signingKey = () => (keyPromise ??= loadSigningKey(dataDir, readSecrets(deps.env ?? {}).signingKey));

  /** The subscriber a token speaks for, or undefined for a forged, altered, expired or stale token. */
  async function subscriberFor(token: string, purpose: 'unsubscribe' | 'preferences' | 'confirm'): Promise<Subscriber | undefined> {
    const payload = verifyToken(token, await signingKey(), purpose, deps.now());
    return payload ? need(deps.store, 'store').findByEmail(payload.email) : undefined;
  }

  async function sendWelcome(subscriber: Subscriber): Promise<void> {
    const mailer = need(deps.mailer, 'mailer');
    const templates = await loadTemplates(templatesDir, config.email.subject);
    const links = recipientLinks(subscriber.email, await signingKey(), config);
    const email = await renderNoticeEmail(templates, config, 'welcome', {
      email: subscriber.email, categories: subscriber.categories,
      links: { unsubscribe: links.unsubscribeUrl, preferences: links.preferencesUrl },
    });
    const now = deps.now();
    await mailer.send(await buildMessage({ ...email, digestId: `welcome-${now.getTime()}` }, { email: subscriber.email, name: subscriber.name ?? undefined }, links, now, config));
    log.info({ subscriber: subscriber.id }, 'welcome message submitted');
  }

  async function renderPreview(window: DigestWindow, posts: Post[], anonymous = false) {
    const digest = buildDigest(posts, window, config);
    const templates = await loadTemplates(templatesDir, config.email.subject);
    const rendered = await renderDigestEmail(digest, templates, config);
    const to = config.email.from.address;
    const links = recipientLinks(to, await signingKey(), config);
    // A public archive page must carry nobody's token: its links lead to pages that ask for the email's own link.
    const personal = anonymous
      ? { email: 'you', name: undefined, unsubscribeUrl: siteUrl(config.site.url, '/unsubscribe'), preferencesUrl: siteUrl(config.site.url, '/preferences') }
      : { email: to, name: undefined, ...links };
    const email = personalize(rendered, personal);
    const message = await buildMessage({ ...email, digestId: digest.id }, { email: to }, links, deps.now(), config);
    return { digest, email, message };
  }

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
      const email = await renderNoticeEmail(templates, config, 'confirm', {
        email: subscriber.email,
        links: { confirm: siteUrl(config.site.url, `/confirm?token=${token}`) },
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

  async function loadPublished(options: { drafts?: boolean; future?: boolean } = {}, scanned?: Scan) {
    const scan = scanned ?? (await scanPostFiles(contentDir));
    const loaded = await loadPostsCached(contentDir, scan, {
      timezone: config.site.timezone,
      displayDir,
      cacheFile: path.join(cacheDir, `posts-${short(contentDir)}.json`),
      log: (message) => log.warn({}, message),
    });
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
      const now = deps.now();
      const scan = await scanPostFiles(contentDir);
      const window = defaultWindow(now, config.site.timezone);
      const pagesDir = path.join(templatesDir, 'pages');
      const key = createHash('sha1')
        .update(JSON.stringify([scan.fingerprint, config.site, config.feeds, outDir, options, window.since.toISOString(), statFingerprint(pagesDir)]))
        .digest('hex');
      const stateFile = path.join(cacheDir, `build-${short(`${contentDir}\n${outDir}`)}.json`);
      const state = readBuildState<BuildSummary>(stateFile);
      const base = { contentDir, outDir };
      // Nothing changed since the last build, and its output is intact: stat-ing the posts was the build.
      if (state && state.key === key && (state.nextChangeAt === null || now < new Date(state.nextChangeAt)) && outputsIntact(outDir, state.outputs)) {
        return { ...base, ...fromSummary(state.summary), written: [], unchanged: state.outputs.map((o) => o.path), aborted: false };
      }

      const { loaded, published } = await loadPublished(options, scan);
      const entries = new EntryCache(path.join(cacheDir, `entries-${short(`${contentDir}\n${outDir}`)}.json`));
      const entryConfig = short(JSON.stringify([config.site, config.feeds]));
      const channels = buildChannels(published.posts, config, (post) =>
        entries.get(`${loaded.hashes.get(post.file) ?? post.file}|${post.slug}|${post.category.name}|${entryConfig}`, () => toEntry(post, config)),
      );
      const digest = buildDigest(published.posts, window, config);
      const summary: BuildSummary = {
        files: loaded.files,
        published: published.posts.length,
        errors: loaded.errors.map(toStoredError),
        warnings: published.warnings.map(toStoredError),
        skipped: published.skipped,
        channels: channels.length,
        digest,
      };
      if (options.strict && (loaded.errors.length > 0 || published.warnings.length > 0)) {
        return { ...base, ...fromSummary(summary), written: [], unchanged: [], aborted: true };
      }
      const prints = Object.fromEntries(channels.map((c) => [c.dir, createHash('sha1').update(JSON.stringify(c)).digest('hex')]));
      const feedFiles = (c: FeedChannel) => [FEED_FILES.rss, FEED_FILES.atom, FEED_FILES.json].map((f) => (c.dir ? `${c.dir}/${f}` : f));
      // A channel whose content is the same as last time, with its files still in place, is not rendered again.
      const isCurrent = (c: FeedChannel) => state?.channelPrints[c.dir] === prints[c.dir] && outputsIntact(outDir, state!.outputs.filter((o) => feedFiles(c).includes(o.path)));
      const pages = await loadPages(templatesDir);
      const files: OutputFile[] = [
        ...buildFeedFiles(channels, config, (c) => !isCurrent(c)),
        { path: 'digest.json', body: `${JSON.stringify(digest, null, 2)}\n` },
        { path: 'index.html', body: await renderIndexPage(pages, channels, config) },
        { path: 'feed.xsl', body: pages.feedXsl },
        ...(await Promise.all(
          channels.map(async (c) => ({ path: c.dir ? `${c.dir}/feed.html` : 'feed.html', body: await renderFeedPage(pages, c, c.urls.rss, config) })),
        )),
      ];
      const saved = await saveFiles(outDir, files);
      const kept = channels.filter(isCurrent).flatMap(feedFiles).concat('feeds.opml').filter((p) => !files.some((f) => f.path === p));
      const outputs = [...files.map((f) => f.path), ...kept];
      // A category or tag that lost its last post: the files the previous build wrote for it go, so
      // readers get a 404 rather than a feed frozen in time. Only files Broadsheet itself wrote are removed.
      const removed = (state?.outputs ?? []).map((o) => o.path).filter((p) => !outputs.includes(p));
      for (const stale of removed) await rm(path.join(outDir, ...stale.split('/')), { force: true });
      const future = options.future ? [] : loaded.posts.filter((p) => p.date > now && (!p.draft || options.drafts)).map((p) => p.date.getTime());
      await entries.save();
      await writeBuildState(stateFile, {
        key,
        nextChangeAt: future.length > 0 ? new Date(Math.min(...future)).toISOString() : null,
        outputs: statOutputs(outDir, outputs),
        channelPrints: prints,
        summary,
      });
      return { ...base, ...fromSummary(summary), written: saved.written, unchanged: [...saved.unchanged, ...kept.filter((p) => p !== 'feeds.opml')], removed, aborted: false };
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
        confirmationsSent = await sendConfirmations(result.addedEmails.map((e) => store.findByEmail(e)!).filter((s) => s.status === "pending"));
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

    async subscribe(input) {
      const store = need(deps.store, 'store');
      const email = normalizeAddress(input.email);
      if (!email) throw new InputError({ field: 'email', message: 'expected an email address' });
      const categories = parseCategoryList(input.categories, toSlug);
      const timezone = input.timezone && IANAZone.isValidZone(input.timezone) ? input.timezone : undefined;
      const now = deps.now();
      const { subscriber, created } = store.add({ email, categories, timezone, status: 'pending' }, now);
      // Known addresses get the same answer; only a pending or unsubscribed one gets a (new) request.
      const wantsRequest = created || subscriber.status === 'pending' || (subscriber.status === 'unsubscribed' && store.resubscribe(subscriber.id, now));
      if (!wantsRequest) return;
      if (!created) store.setCategories(subscriber.id, categories, now);
      // Not awaited: an answer that waited for SMTP only for unknown addresses would tell, by its
      // timing alone, which addresses are already subscribed.
      const pending: Promise<void> = sendConfirmations([store.get(subscriber.id)!]).then(() => undefined, (err: unknown) => {
        log.error({ subscriber: subscriber.id, error: describeError(err) }, 'confirmation request failed');
      });
      background.add(pending);
      void pending.finally(() => background.delete(pending));
    },

    async confirmSubscription(token) {
      const subscriber = await subscriberFor(token, 'confirm');
      if (!subscriber) return 'invalid';
      if (!need(deps.store, 'store').activate(subscriber.id, deps.now())) return subscriber.status === 'active' ? 'already' : 'invalid';
      await sendWelcome(subscriber);
      return 'confirmed';
    },

    async unsubscribeByToken(token) {
      const subscriber = await subscriberFor(token, 'unsubscribe');
      if (!subscriber) return 'invalid';
      return need(deps.store, 'store').unsubscribe(subscriber.id, deps.now()) ? 'unsubscribed' : 'already';
    },

    async readPreferences(token) {
      const subscriber = await subscriberFor(token, 'preferences');
      if (!subscriber) return undefined;
      const { unsubscribeUrl } = recipientLinks(subscriber.email, await signingKey(), config);
      return { email: subscriber.email, selected: subscriber.categories, categories: await this.categories(), unsubscribeUrl };
    },

    async savePreferences(token, categories) {
      const subscriber = await subscriberFor(token, 'preferences');
      if (!subscriber) return false;
      need(deps.store, 'store').setCategories(subscriber.id, parseCategoryList(categories, toSlug), deps.now());
      return true;
    },

    async categories() {
      const { published } = await loadPublished();
      const seen = new Map<string, Category>();
      for (const post of published.posts) if (!seen.has(post.category.slug)) seen.set(post.category.slug, post.category);
      return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
    },

    async previewInMemory(options = {}) {
      const { published, now } = await loadPublished();
      const fallbackWindow = defaultWindow(now, config.site.timezone);
      let window = { since: options.since ?? fallbackWindow.since, until: options.until ?? fallbackWindow.until };
      let fallback = false;
      if (postsInWindow(published.posts, window).length === 0 && options.since === undefined && options.until === undefined) {
        const newest = published.posts[0];
        if (!newest) return undefined;
        window = defaultWindow(newest.date, config.site.timezone);
        fallback = true;
      }
      const posts = postsInWindow(published.posts, window);
      if (posts.length === 0) return { window, fallback, digest: buildDigest([], window, config), subject: '', html: '', text: '', eml: Buffer.alloc(0) };
      const { digest, email, message } = await renderPreview(window, posts);
      return { window, fallback, digest, subject: email.subject, html: email.html, text: email.text, eml: message.raw };
    },

    async rebuild() {
      const report = await this.build();
      const store = deps.store;
      store?.setMeta('lastBuild', deps.now().toISOString());
      const hub = config.feeds.hub;
      const changedFeeds = report.written.filter((f) => /(^|\/)(feed\.xml|atom\.xml|feed\.json)$/.test(f));
      if (hub && changedFeeds.length > 0) {
        const fetchImpl = deps.fetch ?? fetch;
        for (const file of changedFeeds) {
          const topic = siteUrl(config.site.url, `/${file}`);
          try {
            const res = await fetchImpl(hub, { method: 'POST', body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }), signal: AbortSignal.timeout(10_000) });
            log.info({ hub, topic, status: res.status }, 'WebSub hub pinged');
          } catch (err) {
            log.warn({ hub, topic, err: (err as Error).message }, 'WebSub ping failed (readers will still poll)');
          }
        }
      }
      return report;
    },

    async runDueDigests() {
      const store = need(deps.store, 'store');
      if (store.unfinishedCampaign()) return this.sendDigest();
      const due = dueSubscribers(store.list({ status: 'active' }), config.schedule.digest, deps.now(), config.site.timezone);
      if (due.length === 0) {
        return { campaignId: undefined, resumed: false, dryRun: false, submitted: 0, skipped: 0, failed: 0, renders: 0, skipReasons: {}, stopped: false, idle: 'no subscriber is due' };
      }
      return this.sendDigest({ subscriberIds: due.map((s) => s.id) });
    },

    async settled() {
      await Promise.allSettled([...background]);
    },

    status() {
      const store = need(deps.store, 'store');
      const now = deps.now();
      const lastBuild = store.getMeta('lastBuild');
      return {
        next: {
          rebuild: nextSlot(config.schedule.rebuild, now, config.site.timezone),
          digestCheck: nextSlot(config.schedule.digestCheck, now, config.site.timezone),
          digestInSiteTimezone: nextSlot(config.schedule.digest, now, config.site.timezone),
        },
        lastBuild: lastBuild ? new Date(lastBuild) : undefined,
        subscribers: store.counts(),
        due: dueSubscribers(store.list({ status: 'active' }), config.schedule.digest, now, config.site.timezone).length,
        campaigns: store.listCampaigns(5),
      };
    },

    async archivePage(id) {
      const match = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(id);
      if (!match) return undefined;
      const since = DateTime.fromISO(match[1]!, { zone: config.site.timezone });
      const until = DateTime.fromISO(match[2]!, { zone: config.site.timezone });
      if (!since.isValid || !until.isValid || until <= since || until.diff(since, 'days').days > 62) return undefined;
      const { published } = await loadPublished();
      const window = { since: since.toJSDate(), until: until.toJSDate() };
      const posts = postsInWindow(published.posts, window);
      if (posts.length === 0) return undefined;
      return (await renderPreview(window, posts, true)).email.html;
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

/** What a build reports, in a form the build state can keep between runs. */
interface BuildSummary {
  files: number;
  published: number;
  errors: StoredError[];
  warnings: StoredError[];
  skipped: { drafts: number; future: number };
  channels: number;
  digest: Digest;
}

interface StoredError {
  file?: string | undefined;
  field?: string | undefined;
  message: string;
  hint?: string | undefined;
}

function toStoredError(e: ContentError): StoredError {
  return { file: e.file, field: e.field, message: e.message, hint: e.hint };
}

function fromSummary(summary: BuildSummary) {
  const rebuild = (e: StoredError) => new ContentError({ message: e.message, ...(e.file ? { file: e.file } : {}), ...(e.field ? { field: e.field } : {}), ...(e.hint ? { hint: e.hint } : {}) });
  return { ...summary, errors: summary.errors.map(rebuild), warnings: summary.warnings.map(rebuild) };
}

/** A short stable name for a folder (or pair of folders) in cache file names. */
function short(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}

/** Names, sizes and mtimes of a folder's files: page template edits invalidate the build state. */
function statFingerprint(dir: string): string {
  try {
    return readdirSync(dir).sort().map((name) => {
      const stat = statSync(path.join(dir, name));
      return `${name}:${stat.size}:${stat.mtimeMs}`;
    }).join('|');
  } catch {
    return '';
  }
}

function need<T>(value: T | undefined, what: string): T {
  // A wiring mistake in a driver, not a user error.
  if (value === undefined) throw new AppError('CORE_MISCONFIGURED', { message: `the core was created without a ${what}: the driver must pass one` });
  return value;
}
