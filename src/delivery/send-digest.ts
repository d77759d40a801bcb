// Send the digest to every active subscriber, exactly once each: resumable, honest about what the
// SMTP server accepted ("submitted"), and with every effect injected.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Post, PostHead } from '../content/schema.js';
import { buildDigest, type Digest } from '../digest/build.js';
import { returnPathFor, type ReturnPaths } from '../email/bounce-tag.js';
import { fillMessage, messageIdFor, prepareMessage, subscriberLinks, type MessageTemplate } from '../email/message.js';
import { greetingName, renderDigestEmail, type RenderedDigestEmail } from '../email/render.js';
import type { Templates } from '../email/templates.js';
import { DeliveryError } from '../errors.js';
import type { Logger } from '../log.js';
import { subscriberPages } from '../subscribers/pages.js';
import type { Campaign, Delivery, Subscriber, SubscriberStore } from '../subscribers/store.js';
import { classifyFailure, refusalKey } from './failures.js';
import { type LeaseIdentity, recoverDeadRuns, runLeaseName, withLease } from './lease.js';
import type { Mailer } from './mailer.js';

export interface SendDeps {
  store: SubscriberStore;
  mailer: Mailer;
  templates: Templates;
  signingKey: string;
  /** Where bounces and mailto unsubscribes go (issue 17). */
  returnPaths: ReturnPaths;
  config: Pick<Config, 'site' | 'feeds' | 'email' | 'delivery' | 'schedule'>;
  /** Who this process is in the lease table: this run's lease names it, and it tells when another run's process is gone. */
  instance: LeaseIdentity;
  /** Published posts' heads, newest first. */
  posts: readonly PostHead[];
  /** The posts of these heads, bodies read: for a variant's digest, just before it is rendered. */
  readBodies: (heads: readonly PostHead[]) => Promise<Post[]>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  /** Polled between messages: true stops the run at a safe point (nothing half-recorded). */
  shouldStop?: () => boolean;
}

export interface SendOptions {
  /** Start of the window for subscribers who never had a digest (default: firstDigestDays before until). */
  since?: Date | undefined;
  /** End of the window (default: now). Ignored when resuming an unfinished campaign. */
  until?: Date | undefined;
  /** Work out what would be sent; send and record nothing. */
  dryRun?: boolean | undefined;
  /** Only join a campaign another process is sending (the scheduler, once the check opened it); never open one. */
  join?: boolean | undefined;
  /** Retry only the subscribers of the latest campaign whose delivery failed transiently. */
  retryFailed?: boolean | undefined;
  /** Only these subscribers (the scheduler's due ones); default: every active subscriber. */
  subscriberIds?: readonly number[] | undefined;
  /** Called after each delivery is settled (submitted, skipped or failed): how many of how many. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface SendReport {
  campaignId: number | undefined;
  resumed: boolean;
  dryRun: boolean;
  submitted: number;
  skipped: number;
  failed: number;
  /** MJML renders: one per distinct (window, categories) variant, never one per subscriber. */
  renders: number;
  /** Why subscribers were skipped, with counts ("nothing new", "unsubscribed", …). */
  skipReasons: Record<string, number>;
  /** True when shouldStop() ended the run early; the campaign resumes on the next run. */
  stopped: boolean;
  /** Set when there was nothing to do at all, and why. */
  idle?: string;
  /** On a dry run: the campaign window a send would use (an unfinished campaign's own, if any). */
  window?: { since: Date; until: Date; resumes: boolean };
}

const BATCH = 500;

/** The same refusal, not about the address, for this many messages in a row: the sender's problem. */
const SAME_REFUSALS_TO_STOP = 5;
/** The server unreachable (after each message's retries) for this many messages in a row: an outage. */
const CONNECTION_FAILURES_TO_STOP = 3;

/**
 * Failures that may be the sender's fault rather than the subscribers': a refusal that is not about
 * the address, or a server that cannot be reached. Their deliveries are held (left in flight, marked
 * nothing) until a later message shows the server works for others: then they are marked failed. A
 * run of them stops the campaign instead, marking nobody; the next send resends them (same Message-ID).
 */
class SenderTrouble {
  private held: Array<() => Promise<void>> = [];
  private refusal: { key: string; count: number } | undefined;
  private unreachable = 0;

  // Each method updates the counts before its first await, so the workers sharing this see one order of events.

  /** A message went through, or failed in a way about its own address: the held ones were theirs. */
  async clear(): Promise<void> {
    const held = this.held.splice(0);
    this.refusal = undefined;
    this.unreachable = 0;
    await markAll(held);
  }

  async refused(key: string, reason: string, mark: () => Promise<void>): Promise<void> {
    let theirs: Array<() => Promise<void>> = [];
    if (this.refusal?.key !== key) {
      theirs = this.held.splice(0);
      this.refusal = { key, count: 0 };
    }
    this.held.push(mark);
    const count = ++this.refusal.count;
    await markAll(theirs);
    if (count >= SAME_REFUSALS_TO_STOP) {
      throw new DeliveryError({
        message: `sending stopped: the server refused ${count} messages in a row the same way ("${reason}"), which is about the sender, not the subscribers; nobody was marked bounced or failed`,
        hint: 'check the SMTP credentials, the relay settings and the sender domain, then run send again: it resumes the campaign',
      });
    }
  }

  cannotConnect(reason: string, mark: () => Promise<void>): void {
    this.held.push(mark);
    if (++this.unreachable >= CONNECTION_FAILURES_TO_STOP) {
      throw new DeliveryError({
        message: `sending stopped: the mail server could not be reached for ${this.unreachable} messages in a row (${reason}); nothing more was attempted and nobody was marked failed for the outage`,
        hint: 'run send again once the server is back: it resumes the campaign',
      });
    }
  }

  /** At the end of a run that was not stopped: what is still held failed for its own reasons. */
  async settle(): Promise<void> {
    await markAll(this.held.splice(0));
  }
}

/** Record held failures one after another, in the order they happened. */
async function markAll(marks: ReadonlyArray<() => Promise<void>>): Promise<void> {
  for (const mark of marks) await mark();
}

interface Variant {
  digest: Digest;
  email: RenderedDigestEmail;
  template: MessageTemplate;
}

/** A report of nothing sent yet: where every send starts, and what a run with nobody due answers. */
export function emptySendReport(dryRun: boolean): SendReport {
  return { campaignId: undefined, resumed: false, dryRun, submitted: 0, skipped: 0, failed: 0, renders: 0, skipReasons: {}, stopped: false };
}

export async function sendDigest(deps: SendDeps, options: SendOptions = {}): Promise<SendReport> {
  const { store, log } = deps;
  const report = emptySendReport(options.dryRun ?? false);
  if (options.dryRun) return dryRun(deps, options, report);

  let campaign = await store.unfinishedCampaign();
  if (campaign) {
    report.resumed = true;
    log.info({ campaign: campaign.id, until: campaign.until.toISOString() }, 'joining the unfinished campaign');
    if (options.since || options.until) log.warn({ campaign: campaign.id }, '--since/--until are ignored: the unfinished campaign keeps its own window');
  } else if (options.join) {
    return { ...report, idle: 'no campaign is being sent' };
  } else if (options.retryFailed) {
    const latest = await store.latestCampaign();
    const requeued = latest ? await store.requeueFailed(latest.id, deps.now()) : 0;
    if (!latest || requeued === 0) return { ...report, idle: latest ? `campaign ${latest.id} has no failed deliveries to retry` : 'there is no campaign yet' };
    campaign = (await store.unfinishedCampaign())!;
    log.info({ campaign: campaign.id, requeued }, 'retrying failed deliveries');
  } else {
    const window = campaignWindow(deps, options);
    // Found and created in one step: another process that got there first is joined, not doubled.
    const opened = await store.openCampaign(window, deps.now(), options.subscriberIds);
    campaign = opened.campaign;
    report.resumed = opened.resumed;
    if (opened.resumed) log.info({ campaign: campaign.id }, 'joining the campaign another process opened');
    else {
      const subscribers = (await store.campaignCounts(campaign.id)).queued;
      log.info({ campaign: campaign.id, since: window.since.toISOString(), until: window.until.toISOString(), subscribers }, 'campaign created');
    }
  }
  report.campaignId = campaign.id;
  // This run's name on the deliveries it claims, and its lease: while the lease lives, the others leave
  // its claims alone; once it lapses, they take them over.
  const runId = randomUUID();
  const leased = await withLease(store, runLeaseName(runId), deps.instance, deps.config.schedule.leaseSeconds * 1000, deps.now, (lost) =>
    sendCampaign(deps, campaign, runId, lost, report, options),
  );
  if (!leased.held) throw new Error(`run ${runId} could not take its own lease`); // a fresh name: never held by another
  return report;
}

/** Send a campaign's deliveries beside any other runs sending it, until none is left or this run must stop. */
async function sendCampaign(
  deps: SendDeps,
  campaign: Campaign,
  runId: string,
  lostLease: () => boolean,
  report: SendReport,
  options: SendOptions,
): Promise<void> {
  const { store, log } = deps;
  // Per variant, once: MJML renders the email and nodemailer composes the MIME with slots; each
  // subscriber's message is then filled in, not composed again.
  const renders = new Map<string, Promise<Variant>>();
  const renderVariant = (key: string, makeDigest: () => Promise<Digest>) => {
    let pending = renders.get(key);
    if (!pending) {
      report.renders++;
      pending = makeDigest().then(async (digest) => {
        const email = await renderDigestEmail(digest, deps.templates, deps.config, deps.signingKey);
        return { digest, email, template: await prepareMessage(email, { list: true, date: deps.now(), config: deps.config }) };
      });
      renders.set(key, pending);
    }
    return pending;
  };

  const slices = variantSlices(deps.posts);
  const progress = options.onProgress ? campaignProgress(store, campaign.id, options.onProgress, deps.now) : undefined;
  await progress?.refresh(true);
  const trouble = new SenderTrouble();
  let fatal: unknown;
  /** The store failed while claiming or recovering (not a mail failure): the run stops, and says so as it is. */
  let queueFailure: unknown;
  const stopNow = () => fatal !== undefined || queueFailure !== undefined || lostLease() || (deps.shouldStop?.() ?? false);
  const next = deliveryQueue(deps, campaign.id, runId, stopNow);
  // One worker per connection, never more messages in flight than that: it bounds what a crash can duplicate.
  // A worker ends only between messages, so when they have all ended nothing is in flight.
  const workers = Array.from({ length: Math.max(1, deps.mailer.maxInFlight) }, async () => {
    for (;;) {
      let delivery: Delivery | undefined;
      try {
        delivery = await next();
      } catch (err) {
        queueFailure ??= err;
        return;
      }
      if (!delivery) return;
      try {
        await deliverOne(deps, campaign, delivery, slices, renderVariant, report, runId, trouble);
        progress?.settled();
      } catch (err) {
        fatal ??= err;
      }
    }
  });
  try {
    await Promise.all(workers);
    if (fatal === undefined && !stopNow()) await trouble.settle();
  } finally {
    // Whatever this run still holds (a batch cut short, sends held for the sender's trouble) goes back to
    // the queue for whoever sends next, Message-IDs kept. Nothing is in flight any more: the workers ended.
    const released = await store.releaseRun(campaign.id, runId, deps.now());
    if (released > 0) log.info({ campaign: campaign.id, released }, 'deliveries this run had claimed are back in the queue');
  }
  if (queueFailure !== undefined) throw queueFailure;
  if (fatal !== undefined) {
    if (fatal instanceof DeliveryError) throw fatal;
    const failure = classifyFailure(fatal);
    throw new DeliveryError({
      message: `sending stopped: ${failure.reason}`,
      hint: 'fix the mail server settings (BROADSHEET_SMTP_URL) and run send again: it resumes where it stopped',
      cause: fatal,
    });
  }
  const left = await store.campaignCounts(campaign.id);
  await progress?.refresh(true);
  if (left.queued + left.sending === 0) {
    await store.finishCampaign(campaign.id, deps.now());
    log.info({ campaign: campaign.id, ...left }, 'campaign finished');
  } else if (!stopNow() && left.queued === 0) {
    // Others still hold deliveries (their lease lives): the last of them finishes the campaign.
    log.info({ campaign: campaign.id, ...left }, 'nothing left to claim: the other runs are sending the last deliveries');
  } else {
    report.stopped = true;
    log.warn({ campaign: campaign.id, ...left }, 'stopped before the end: run send again to resume');
  }
}

/** Deliveries claimed in batches of this many per connection: small enough that runs end together. */
const CLAIM_PER_CONNECTION = 10;
/** How often a run with nothing left to claim looks whether the others' claims were settled, or their runs died. */
const PEER_POLL_MS = 1000;

/**
 * The next delivery this run sends: from its claimed batch, claiming another when it runs out. With
 * nothing queued, what dead runs left `sending` is taken over; while live runs still hold deliveries, it
 * waits (should one die, its claims come back here within the lease); undefined when all are settled.
 */
function deliveryQueue(deps: SendDeps, campaignId: number, runId: string, stopNow: () => boolean): () => Promise<Delivery | undefined> {
  const { store, log } = deps;
  const size = Math.min(BATCH, Math.max(1, deps.mailer.maxInFlight) * CLAIM_PER_CONNECTION);
  const claimed: Delivery[] = [];
  let exhausted = false;
  let refilling: Promise<void> | undefined;
  const refill = async () => {
    const batch = await store.claimDeliveries(campaignId, runId, size, deps.now());
    if (batch.length > 0) {
      claimed.push(...batch);
      return;
    }
    const { recovered, liveRuns } = await recoverDeadRuns(store, campaignId, runId, deps.instance.isGone, deps.now());
    if (recovered > 0) log.info({ campaign: campaignId, recovered }, 'deliveries left in flight by a run that stopped or died are sent again, same Message-ID');
    else if (liveRuns === 0) exhausted = true;
    // In real time, not deps.sleep (the retry backoff, which tests make instant): this waits for other processes.
    else await delay(PEER_POLL_MS);
  };
  return async () => {
    for (;;) {
      if (stopNow()) return undefined;
      const delivery = claimed.shift();
      if (delivery || exhausted) return delivery;
      refilling ??= refill().finally(() => {
        refilling = undefined;
      });
      await refilling;
    }
  };
}

/** Progress across every run sending the campaign: re-read from the store now and then, counted up in between. */
function campaignProgress(store: SubscriberStore, campaignId: number, onProgress: (done: number, total: number) => void, now: () => Date) {
  let total = 0;
  let done = 0;
  let readAt = 0;
  const refresh = async (force = false) => {
    if (!force && now().getTime() - readAt < 2000) return;
    readAt = now().getTime();
    const c = await store.campaignCounts(campaignId);
    total = c.queued + c.sending + c.submitted + c.failed + c.skipped;
    done = c.submitted + c.failed + c.skipped;
    onProgress(done, total);
  };
  return {
    refresh,
    settled() {
      onProgress(Math.min(++done, total), total);
      void refresh().catch(() => {});
    },
  };
}

export function campaignWindow(deps: Pick<SendDeps, 'now' | 'config'>, options: SendOptions): { since: Date; until: Date } {
  const until = options.until ?? deps.now();
  const since = options.since ?? new Date(until.getTime() - deps.config.delivery.firstDigestDays * 86_400_000);
  return { since, until };
}

/** A subscriber's own slice: posts in their categories, since their watermark (or the campaign start). */
export function postsFor<P extends Pick<PostHead, 'date' | 'category'>>(subscriber: Subscriber, posts: readonly P[], since: Date, until: Date): P[] {
  const categories = new Set(subscriber.categories);
  return posts.filter((p) => p.date >= since && p.date < until && (categories.size === 0 || categories.has(p.category.slug)));
}

/** A subscriber's variant: their window and categories, and its posts (filtered once per variant, not per subscriber). */
type Slices = (subscriber: Subscriber, since: Date, until: Date) => { key: string; posts: PostHead[] };

function variantSlices(posts: readonly PostHead[]): Slices {
  const memo = new Map<string, PostHead[]>();
  return (subscriber, since, until) => {
    const key = `${since.toISOString()}|${until.toISOString()}|${subscriber.categories.join(',')}`;
    let slice = memo.get(key);
    if (!slice) memo.set(key, (slice = postsFor(subscriber, posts, since, until)));
    return { key, posts: slice };
  };
}

async function deliverOne(
  deps: SendDeps,
  campaign: Campaign,
  delivery: Delivery,
  slices: Slices,
  renderVariant: (key: string, makeDigest: () => Promise<Digest>) => Promise<Variant>,
  report: SendReport,
  runId: string,
  trouble: SenderTrouble,
): Promise<void> {
  const { store, log, config } = deps;
  const skip = async (reason: string, watermark?: Date) => {
    await store.markSkipped(campaign.id, delivery.subscriberId, reason, watermark, deps.now());
    report.skipped++;
    const key = reason.replace(/ \(.*\)$/, '');
    report.skipReasons[key] = (report.skipReasons[key] ?? 0) + 1;
  };

  // Checked now, not when the campaign started: an unsubscribe or a bounce a second ago counts.
  const subscriber = await store.get(delivery.subscriberId);
  if (subscriber?.status !== 'active') return skip(`subscriber is ${subscriber?.status ?? 'gone'}`);
  const since = subscriber.lastDigestUntil ?? campaign.since;
  if (since >= campaign.until) return skip('already covered');
  const { key: variant, posts: theirs } = slices(subscriber, since, campaign.until);
  if (theirs.length === 0) {
    log.info({ subscriber: subscriber.id, since: since.toISOString() }, 'nothing new for this subscriber: no email');
    return skip('nothing new', campaign.until);
  }

  const { digest, template } = await renderVariant(variant, async () => buildDigest(await deps.readBodies(theirs), { since, until: campaign.until }, config));
  const links = subscriberLinks(subscriber.email, deps.signingKey, config, deps.returnPaths.unsubscribeMailbox);
  // Recorded before the first attempt, and reused on a resend after a crash.
  const messageId = delivery.messageId ?? messageIdFor(`c${campaign.id}-${digest.id}`, subscriber.email, config, deps.signingKey);
  const message = fillMessage(template, {
    to: { email: subscriber.email, name: subscriber.name ?? undefined },
    messageId,
    links,
    returnPath: returnPathFor(deps.returnPaths, { campaignId: campaign.id, subscriberId: subscriber.id }, deps.signingKey),
    values: { name: greetingName(subscriber.name), email: subscriber.email, unsubscribeUrl: links.unsubscribeUrl, preferencesUrl: links.preferencesUrl },
  });

  const { attempts, delayMs } = config.delivery.retry;
  for (let attempt = 1; ; attempt++) {
    // Looked up again right before every attempt: the variant's render or a backoff takes time, and an
    // unsubscribe or bounce meanwhile must win (the check above alone let the first of a variant through).
    const current = await store.get(subscriber.id);
    if (current?.status !== 'active') return skip(`subscriber is ${current?.status ?? 'gone'}`);
    // Claimed before it goes out; a delivery another run holds is that run's to send.
    if (!(await store.claimDelivery(campaign.id, subscriber.id, runId, messageId, deps.now()))) {
      log.warn({ campaign: campaign.id, subscriber: subscriber.id }, 'delivery claimed by another run: not sent here');
      return;
    }
    try {
      const { response } = await deps.mailer.send(message);
      await store.markSubmitted(campaign.id, subscriber.id, response, campaign.until, deps.now());
      report.submitted++;
      await trouble.clear();
      return;
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'fatal') throw err; // the row stays "sending": resent, same Message-ID, on resume
      if (failure.kind === 'permanent' || attempt >= attempts) {
        const mark = async () => {
          await store.markFailed(campaign.id, subscriber.id, failure.reason, failure.kind === 'transient', deps.now());
          if (failure.isAddressRefused) await store.markBounced(subscriber.id, deps.now(), failure.reason);
          report.failed++;
          log.warn({ subscriber: subscriber.id, kind: failure.kind, attempts: attempt, reason: failure.reason }, 'delivery failed');
        };
        // About this address: theirs. A refusal not about the address, or no server at all, may be ours:
        // held until the server is seen to work for someone else (see SenderTrouble).
        if (failure.isAddressRefused) {
          await trouble.clear();
          await mark();
        } else if (failure.kind === 'permanent') await trouble.refused(refusalKey(failure.reason), failure.reason, mark);
        else if (failure.isConnectionLevel) trouble.cannotConnect(failure.reason, mark);
        else await mark();
        return;
      }
      log.info({ subscriber: subscriber.id, attempt, reason: failure.reason }, 'temporary failure: retrying');
      await deps.sleep(delayMs * 2 ** (attempt - 1));
    }
  }
}

async function dryRun(deps: SendDeps, options: SendOptions, report: SendReport): Promise<SendReport> {
  const unfinished = await deps.store.unfinishedCampaign();
  const window = unfinished ?? campaignWindow(deps, options);
  report.window = { since: window.since, until: window.until, resumes: unfinished !== undefined };
  const variants = new Set<string>();
  const slices = variantSlices(deps.posts);
  // A page of subscribers at a time: a dry run over a million holds a page, not the list.
  for await (const page of subscriberPages(deps.store, 'active')) {
    for (const subscriber of page) {
      const since = subscriber.lastDigestUntil ?? window.since;
      const { key, posts: theirs } = since >= window.until ? { key: '', posts: [] } : slices(subscriber, since, window.until);
      if (theirs.length === 0) {
        report.skipped++;
        report.skipReasons['nothing new'] = (report.skipReasons['nothing new'] ?? 0) + 1;
        continue;
      }
      variants.add(key);
      report.submitted++;
    }
  }
  report.renders = variants.size;
  return report;
}
