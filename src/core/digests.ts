// Use cases for the digest: previews (files, in memory, archive), sending and the scheduler's due run,
// and the status report.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { buildDigest, defaultWindow, postsInWindow, type Digest } from '../digest/build.js';
import { bareArchiveWindow, signedArchiveWindow } from '../email/archive-link.js';
import type { Templates } from '../email/templates.js';
import { siteUrl } from '../shared/urls.js';
import { dueChecker, nextSlot } from '../schedule/due.js';
import type { Config } from '../config.js';
import type { Mailer } from '../delivery/mailer.js';
import { DIGEST_CHECK_LEASE, type LeaseIdentity, withLease } from '../delivery/lease.js';
import type { SendOptions } from '../delivery/send-digest.js';
import { subscriberPages } from '../subscribers/pages.js';
import type { Subscriber, SubscriberStore } from '../subscribers/store.js';
import { createContext, signingKeyLoader, type CoreContext } from './context.js';
import type { BaseDeps, DigestPreviews, DigestSender, MailerDeps, SecretDeps, SendingDeps, StatusReader, StoreDeps } from './types.js';
import { percent } from '../shared/text.js';

// Rendering and sending load MJML, Liquid and nodemailer's MIME code: only when a digest is rendered.
const renderModule = () => import('../email/render.js');
const messageModule = () => import('../email/message.js');
const sendModule = () => import('../delivery/send-digest.js');
/** How often a process whose digest check found another's running looks whether that one has ended. */
const CHECK_POLL_MS = 500;
/** Archive pages kept rendered: the recent weeks readers open from their mail, with room to spare. */
const ARCHIVE_CACHE_SIZE = 32;

/** `broadsheet digest`: previews, without a store or a mailer. */
export function createDigestPreviews(config: Readonly<Config>, deps: BaseDeps & SecretDeps): DigestPreviews {
  const ctx = createContext(config, deps);
  return digestPreviews(ctx, { signingKey: signingKeyLoader(ctx, deps.env) });
}

/** `broadsheet send`: the digest to every active subscriber. */
export function createDigestSender(config: Readonly<Config>, deps: BaseDeps & SecretDeps & StoreDeps & MailerDeps & SendingDeps): DigestSender {
  const ctx = createContext(config, deps);
  return digestSender(ctx, { ...deps, signingKey: signingKeyLoader(ctx, deps.env) });
}

/** `broadsheet status`. */
export function createStatusReader(config: Readonly<Config>, deps: BaseDeps & StoreDeps): StatusReader {
  return statusReader(createContext(config, deps), deps);
}

export function digestPreviews(ctx: CoreContext, deps: { signingKey: () => Promise<string> }): DigestPreviews {
  const { config, dataDir, loadPublished } = ctx;
  const { signingKey } = deps;
  /**
   * The digest email as one recipient gets it: `to` (default: the sender's own address), or nobody's
   * (`anonymous`): a public archive page must carry no token, its links lead to pages asking for the
   * email's own link.
   */
  async function renderPreview(digest: Digest, to: string | 'anonymous' = config.email.from.address) {
    const [{ personalize, renderDigestEmail }, { buildMessage, subscriberLinks }] = await Promise.all([renderModule(), messageModule()]);
    const key = await signingKey();
    const rendered = await renderDigestEmail(digest, await ctx.templates(), config, key);
    const address = to === 'anonymous' ? config.email.from.address : to;
    const links = subscriberLinks(address, key, config, ctx.returnPaths.unsubscribeMailbox);
    const personal =
      to === 'anonymous'
        ? { email: 'you', name: undefined, unsubscribeUrl: siteUrl(config.site.url, '/unsubscribe'), preferencesUrl: siteUrl(config.site.url, '/preferences') }
        : { email: address, name: undefined, ...links };
    const email = personalize(rendered, personal);
    const message = await buildMessage({ ...email, digestId: digest.id }, { email: address }, links, ctx.deps.now(), config);
    return { email, message };
  }
  let lastPreview: { key: string; templates: Templates; rendered: ReturnType<typeof renderPreview> } | undefined;
  // Archive pages by exact window, least recently used first. An entry is its digest's hash (posts as built) and the
  // templates it was rendered with: a rebuild that changes the week, or an edited template, renders anew.
  const archive = new Map<string, { key: string; templates: Templates; html: Promise<string> }>();
  return {
    async previewInMemory(options = {}) {
      const { published, now, readBodies } = await loadPublished();
      const fallbackWindow = defaultWindow(now, config.site.timezone);
      let window = { since: options.since ?? fallbackWindow.since, until: options.until ?? fallbackWindow.until };
      let fallback = false;
      if (postsInWindow(published.posts, window).length === 0 && options.since === undefined && options.until === undefined) {
        const newest = published.posts[0];
        if (!newest) return undefined;
        window = defaultWindow(newest.date, config.site.timezone);
        fallback = true;
      }
      const digest = buildDigest(await readBodies(postsInWindow(published.posts, window)), window, config);
      if (digest.postCount === 0) return { window, fallback, digest, subject: '', html: '', text: '', eml: Buffer.alloc(0) };
      // The preview page and its two frames ask for the same digest at once: it is rendered once.
      const templates = await ctx.templates();
      const key = JSON.stringify(digest);
      if (lastPreview?.key !== key || lastPreview.templates !== templates) {
        const current = { key, templates, rendered: renderPreview(digest) };
        current.rendered.catch(() => {
          if (lastPreview === current) lastPreview = undefined; // a failed render is not kept
        });
        lastPreview = current;
      }
      const { email, message } = await lastPreview.rendered;
      return { window, fallback, digest, subject: email.subject, html: email.html, text: email.text, eml: message.raw };
    },
    async archivePage(id, signed) {
      const window = signed === undefined ? bareArchiveWindow(id, config.site.timezone) : signedArchiveWindow(id, signed, await signingKey());
      if (!window) return undefined;
      const { published, readBodies } = await loadPublished();
      const digest = buildDigest(await readBodies(postsInWindow(published.posts, window)), window, config);
      if (digest.postCount === 0) return undefined;
      const templates = await ctx.templates();
      const hash = createHash('sha256').update(JSON.stringify(digest)).digest('base64');
      const slot = `${window.since.getTime()}-${window.until.getTime()}`;
      let entry = archive.get(slot);
      if (entry?.key !== hash || entry.templates !== templates) {
        const current = { key: hash, templates, html: renderPreview(digest, 'anonymous').then((r) => r.email.html) };
        current.html.catch(() => {
          if (archive.get(slot) === current) archive.delete(slot); // a failed render is not kept
        });
        entry = current;
      }
      archive.delete(slot);
      archive.set(slot, entry);
      if (archive.size > ARCHIVE_CACHE_SIZE) archive.delete(archive.keys().next().value!);
      return entry.html;
    },
    async previewDigest(options = {}) {
      const { published, now, readBodies } = await loadPublished();
      const fallback = defaultWindow(now, config.site.timezone);
      const until = options.until ?? fallback.until;
      const since = options.since ?? new Date(until.getTime() - (fallback.until.getTime() - fallback.since.getTime()));
      const window = { since, until };
      const digest = buildDigest(await readBodies(postsInWindow(published.posts, window)), window, config);
      if (digest.postCount === 0) return { empty: true, window, digest };

      const to = (options.to ?? config.email.from.address).trim().toLowerCase();
      const { email, message } = await renderPreview(digest, to);
      const { saveFiles } = await import('../output/save.js');
      const previewDir = options.outDir ? path.resolve(ctx.deps.cwd, options.outDir) : path.join(dataDir, 'preview');
      await saveFiles(previewDir, [
        { path: 'digest.html', body: email.html },
        { path: 'digest.txt', body: email.text },
        { path: 'digest.eml', body: message.raw.toString('utf8') },
      ]);
      const notes = config.email.postalAddress
        ? []
        : ["email.postalAddress is not set: bulk email law in many places requires the sender's postal address in every message."];
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

export function digestSender(
  ctx: CoreContext,
  deps: { store: SubscriberStore; mailer: Mailer; signingKey: () => Promise<string> } & SendingDeps,
): DigestSender {
  const { config, log, loadPublished } = ctx;
  const { store, mailer, signingKey } = deps;
  const now = ctx.deps.now;
  const instance = deps.instance ?? anonymousInstance();
  /**
   * Whether another process's digest check ended within the lease's lifetime (polled; a check takes a second
   * or two). Waited in real time, whatever clock and retry sleep were injected: it waits for another process.
   */
  async function checkEnded(): Promise<boolean> {
    const deadline = performance.now() + config.schedule.leaseSeconds * 1000;
    for (;;) {
      const lease = await store.leaseHolder(DIGEST_CHECK_LEASE);
      if (!lease || lease.expiresAt <= now()) return true;
      if (performance.now() >= deadline || deps.shouldStop?.()) return false;
      await delay(CHECK_POLL_MS);
    }
  }
  async function sendDigest(options: SendOptions = {}) {
    const { published, readBodies } = await loadPublished();
    const { sendDigest: runSend } = await sendModule();
    return runSend(
      {
        store,
        mailer,
        templates: await ctx.templates(),
        signingKey: await signingKey(),
        returnPaths: ctx.returnPaths,
        config,
        posts: published.posts,
        readBodies,
        now,
        log,
        instance,
        sleep: deps.sleep ?? delay,
        ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
      },
      options,
    );
  }
  return {
    sendDigest,
    joinCampaign: () => sendDigest({ join: true }),
    async runDueDigests() {
      if (!(await store.unfinishedCampaign())) {
        // Who is due is decided by one process at a time (of every `start` on this database); the campaign
        // it opens is then sent by all of them together.
        const check = await withLease(store, DIGEST_CHECK_LEASE, instance, config.schedule.leaseSeconds * 1000, now, async () => {
          if (await store.unfinishedCampaign()) return { opened: false };
          // Only the due subscribers' ids are kept, never the whole list.
          const due: number[] = [];
          await forEachDue(store, config, now(), (s) => due.push(s.id));
          if (due.length === 0) return undefined;
          const window = (await sendModule()).campaignWindow({ now, config }, {});
          const { campaign, resumed } = await store.openCampaign(window, now(), due);
          if (!resumed)
            log.info(
              { campaign: campaign.id, since: window.since.toISOString(), until: window.until.toISOString(), subscribers: due.length },
              'campaign created',
            );
          return { opened: !resumed };
        });
        if (check.held && check.value === undefined) return { ...(await sendModule()).emptySendReport(false), idle: 'no subscriber is due' };
        // Another process is deciding (every instance's check fires on the same minute): once it has, join
        // the campaign it opened rather than wait for the next check.
        if (!check.held && !(await checkEnded())) return { ...(await sendModule()).emptySendReport(false), idle: 'another process is checking who is due' };
        const report = await sendDigest({ join: true });
        if (!check.held && report.idle) return { ...report, idle: 'another process checked who is due; nothing is left to send' };
        return check.held && check.value?.opened ? { ...report, resumed: false } : report;
      }
      return sendDigest({ join: true });
    },
  };
}

export function statusReader(ctx: CoreContext, deps: { store: SubscriberStore }): StatusReader {
  const { config } = ctx;
  const { store } = deps;
  return {
    async status() {
      const now = ctx.deps.now();
      const lastBuild = await store.getMeta('lastBuild');
      const campaigns = await store.listCampaigns(5);
      const returns = await Promise.all(campaigns.map((campaign) => store.returnCounts(campaign.id)));
      return {
        next: {
          rebuild: nextSlot(config.schedule.rebuild, now, config.site.timezone),
          digestCheck: nextSlot(config.schedule.digestCheck, now, config.site.timezone),
          digestInSiteTimezone: nextSlot(config.schedule.digest, now, config.site.timezone),
        },
        // `broadsheet build` has no database: its last build is the site feed's modification time.
        lastBuild: lastBuild ? new Date(lastBuild) : feedMtime(path.join(ctx.outDir, 'feed.xml')),
        subscribers: await store.counts(),
        due: await forEachDue(store, config, now, () => {}),
        complained: await store.count('complained'),
        campaigns: campaigns.map((campaign, i) => {
          const returned = returns[i]!;
          const sent = campaign.counts.submitted;
          const rates = {
            bounce: sent === 0 ? 0 : (returned.hardBounces + returned.softBounces) / sent,
            complaint: sent === 0 ? 0 : returned.complaints / sent,
          };
          return { ...campaign, returns: returned, rates, warnings: rateWarnings(rates) };
        }),
      };
    },
  };
}

/** Call `found` for each active subscriber due at `now`, reading the list a page at a time; how many were due. */
async function forEachDue(
  store: Pick<SubscriberStore, 'listPage'>,
  config: Pick<Config, 'schedule' | 'site'>,
  now: Date,
  found: (subscriber: Subscriber) => void,
): Promise<number> {
  const isDueNow = dueChecker(config.schedule.digest, now, config.site.timezone);
  let due = 0;
  for await (const page of subscriberPages(store, 'active')) {
    for (const subscriber of page) {
      if (!isDueNow(subscriber)) continue;
      due++;
      found(subscriber);
    }
  }
  return due;
}

/**
 * The thresholds mailbox providers publish: Gmail and Yahoo require a spam complaint rate under 0.3% and
 * ask for under 0.1%; Amazon SES reviews an account whose bounce rate reaches 5% (and pauses at 10%), and 2%
 * is the usual warning line.
 */
export const RATE_THRESHOLDS = { complaintWarn: 0.001, complaintLimit: 0.003, bounceWarn: 0.02, bounceLimit: 0.05 } as const;

function rateWarnings(rates: { bounce: number; complaint: number }): string[] {
  const warnings: string[] = [];
  if (rates.complaint >= RATE_THRESHOLDS.complaintLimit)
    warnings.push(`complaint rate ${percent(rates.complaint)} is at or over 0.3%, the limit Gmail and Yahoo enforce: mail will be rejected or go to spam`);
  else if (rates.complaint >= RATE_THRESHOLDS.complaintWarn)
    warnings.push(`complaint rate ${percent(rates.complaint)} is over 0.1%, what Gmail and Yahoo ask senders to stay under`);
  if (rates.bounce >= RATE_THRESHOLDS.bounceLimit)
    warnings.push(`bounce rate ${percent(rates.bounce)} is at or over 5%, where Amazon SES puts an account under review`);
  else if (rates.bounce >= RATE_THRESHOLDS.bounceWarn)
    warnings.push(`bounce rate ${percent(rates.bounce)} is over 2%: clean the list (old or bought addresses?)`);
  return warnings;
}

function feedMtime(file: string): Date | undefined {
  try {
    return statSync(file).mtime;
  } catch {
    return undefined;
  }
}

/** A process that did not say who it is: a name of its own, never taken for gone. */
function anonymousInstance(): LeaseIdentity {
  return { holder: `process:${randomUUID()}`, isGone: () => false };
}
