// The core's vocabulary: what each use case takes and returns, the capabilities they are grouped in, and
// the dependencies each capability requires. Types only; core.ts, core/* and the drivers import them.
import type { Explanation } from './explain.js';
import type { ReturnedEvent } from '../bounces/returned.js';
import type { Category } from '../content/schema.js';
import type { LeaseIdentity } from '../delivery/lease.js';
import type { Mailer } from '../delivery/mailer.js';
import type { SendOptions, SendReport } from '../delivery/send-digest.js';
import type { Digest, DigestWindow } from '../digest/build.js';
import type { ContentError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ImportFormat } from '../subscribers/import-formats.js';
import type {
  DeliveryRecord,
  ReturnCounts,
  Subscriber,
  SubscriberEvent,
  SubscriberFilter,
  SubscriberStatus,
  SubscriberStore,
  Suppression,
} from '../subscribers/store.js';

/** What every capability needs. */
export interface BaseDeps {
  /** The clock: "future" posts and the default digest window are relative to it. */
  now: () => Date;
  /** Folder relative paths in the config are resolved against. */
  cwd: string;
  /** Default: a logger that drops everything. */
  log?: Logger;
}

/** For the capabilities that sign links: the environment, read for the signing key (BROADSHEET_SECRET) only. */
export interface SecretDeps {
  env: Record<string, string | undefined>;
}

export interface StoreDeps {
  store: SubscriberStore;
}

export interface MailerDeps {
  mailer: Mailer;
}

export interface SendingDeps {
  /** Waits between retries; default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Polled between messages while sending: true stops at a safe point. Default: never. */
  shouldStop?: () => boolean;
  /** Who this process is in the lease table (runs and the digest check are leased); default: a name of its own, never taken for gone. */
  instance?: LeaseIdentity | undefined;
}

/** For reading the bounce mailbox: how to open it; undefined = none is configured. */
export interface ReturnsDeps {
  openBounceMailbox?: (() => Promise<BounceMailbox>) | undefined;
}

export interface PublishDeps {
  /** For WebSub pings; default: global fetch. */
  fetch?: typeof fetch;
}

export interface AddSubscriberInput {
  email: string;
  name?: string | undefined;
  /** Category names or slugs; empty = all. */
  categories?: string | string[] | undefined;
  timezone?: string | undefined;
}

export interface ImportReport {
  file: string;
  /** The kind of file, recognised by its header. */
  format: ImportFormat;
  /** The same for people: "a Mailchimp export (cleaned members)". */
  description: string;
  /** The file's columns as written: those read, and those ignored. */
  columns: { used: string[]; ignored: string[] };
  added: number;
  /** Already present (whatever their status): left untouched. */
  existing: number;
  duplicates: number;
  /** Rows whose address was deleted on request (the suppression list): not added. */
  suppressed: Array<{ line: number; email: string }>;
  /** Invalid rows (address, date, status, time zone, unknown category): skipped. */
  errors: Array<{ line: number; message: string }>;
  /** Confirmation requests sent to the new pending subscribers. */
  confirmationsSent: number;
}

/** Everything stored about one address (`subscribers show`). */
export interface SubscriberRecord {
  /** The address asked about, normalised. */
  email: string;
  /** Undefined when the address is not a subscriber. */
  subscriber: Subscriber | undefined;
  events: SubscriberEvent[];
  deliveries: DeliveryRecord[];
  /** Set when the address is on the suppression list (deleted on request, and not confirmed again since). */
  suppression: Suppression | undefined;
}

/** What `subscribers delete` erased. */
export interface DeleteReport {
  email: string;
  /** False when the address was not a subscriber: nothing was erased. */
  found: boolean;
  events: number;
  deliveries: number;
  /** The suppression entry that now stands for the address (or stood before, when it was not found). */
  suppression: Suppression | undefined;
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
  /**
   * How much was done: nothing ('up-to-date': no input changed); 'incremental': only the changed post
   * files read (none of them shows in any output, before or after), or those plus the shown posts (a
   * partial build, rendering from them); or a full build from the caches.
   */
  mode: 'up-to-date' | 'incremental' | 'full';
  /** Why a full build could not stop earlier ("no earlier build", "posts/x.md would show in the feed of …"). */
  reason?: string;
  digest: Digest;
}

export interface StatusReport {
  next: { rebuild: Date | undefined; digestCheck: Date | undefined; digestInSiteTimezone: Date | undefined };
  lastBuild: Date | undefined;
  subscribers: Record<SubscriberStatus, number>;
  due: number;
  /** Subscribers unsubscribed by a spam complaint (counted among `unsubscribed` too). */
  complained: number;
  campaigns: Array<Awaited<ReturnType<SubscriberStore['listCampaigns']>>[number] & { returns: ReturnCounts; rates: ReturnRates; warnings: string[] }>;
}

/** A campaign's bounces and complaints over the messages submitted (0 when none was). */
export interface ReturnRates {
  /** Hard and soft bounces / submitted. */
  bounce: number;
  complaint: number;
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

/** Writes the site: feeds, pages, OPML, digest.json. Needs: config, clock. */
export interface SiteBuilder {
  build(options?: BuildOptions): Promise<BuildReport>;
  /** What the cleanup of scraped bodies keeps and removes of one post file (`build --explain FILE`). */
  explain(file: string): Promise<Explanation>;
}

/** The scheduler's rebuild. Needs: a site builder, the store (to record when), fetch. */
export interface Publisher {
  /** Build the feeds, record when, and ping the WebSub hub for every feed that changed. */
  rebuild(): Promise<BuildReport>;
}

/** The subscriber list by hand, sending no mail. Needs: the store and the signing key (suppression hashes). */
export interface SubscriberAdmin {
  /** Adds as active. Refused (InputError) for a category no published post has, and for an address deleted on request. */
  addSubscriber(input: AddSubscriberInput): Promise<{ subscriber: Subscriber; created: boolean }>;
  /** Unsubscribe (the row is kept). */
  removeSubscriber(email: string): Promise<{ found: boolean; changed: boolean }>;
  /** Bounced at or after `since` back to active (a bounce wave that was the sender's fault); their addresses. */
  reactivateBounced(since: Date): Promise<string[]>;
  listSubscribers(status?: SubscriberFilter): Promise<Subscriber[]>;
  /** Everything stored about one address: the subscriber row, their events and their deliveries. */
  showSubscriber(email: string): Promise<SubscriberRecord>;
  /** Erase one subscriber (row, events, deliveries), keeping only a keyed hash on the suppression list. */
  deleteSubscriber(email: string): Promise<DeleteReport>;
}

/**
 * Double opt-in and the links in every message: what may send a subscriber a confirmation request or a
 * welcome. Needs: the store, a mailer, the signing key.
 */
export interface Signups {
  /** Adds as pending and sends a confirmation request; refused like SubscriberAdmin.addSubscriber. */
  addPendingSubscriber(input: AddSubscriberInput): Promise<{ subscriber: Subscriber; created: boolean; confirmationSent: boolean }>;
  /** Rows keep the consent they record; see ImportReport for what is skipped and why. */
  importSubscribers(
    file: string,
    options?: { pending?: boolean | undefined; onProgress?: ((stage: 'storing' | 'confirming', done: number, total: number) => void) | undefined },
  ): Promise<ImportReport>;
  /** Double opt-in signup. Resolves the same way whether or not the address was known. */
  subscribe(input: { email: string; categories?: string[] | undefined; timezone?: string | undefined }): Promise<void>;
  confirmSubscription(token: string): Promise<'confirmed' | 'already' | 'invalid'>;
  unsubscribeByToken(token: string): Promise<'unsubscribed' | 'already' | 'invalid'>;
  readPreferences(token: string): Promise<{ email: string; selected: string[]; categories: Category[]; unsubscribeUrl: string } | undefined>;
  savePreferences(token: string, categories: string[]): Promise<boolean>;
  /** Resolves once mail sent in the background (confirmation requests) has been handed over. */
  settled(): Promise<void>;
}

/** The digest as it would be sent, without sending it. Needs: the signing key (the links it carries). */
export interface DigestPreviews {
  /** Writes digest.html, digest.txt and digest.eml. */
  previewDigest(options?: PreviewOptions): Promise<PreviewReport>;
  /** The digest as a subscriber would get it, in memory; falls back to the newest week with posts. */
  previewInMemory(options?: { since?: Date | undefined; until?: Date | undefined }): Promise<MemoryPreview | undefined>;
  /**
   * The "view in browser" page of a digest, by its id ("2026-11-23..2026-11-30"): the id's whole days (at
   * most 62), or the exact window `signed` carries (the email link's `?w=`, see email/archive-link.ts).
   */
  archivePage(id: string, signed?: string): Promise<string | undefined>;
}

/** Sends the digest. Needs: the store (the ledger), a mailer, the signing key. */
export interface DigestSender {
  sendDigest(options?: SendOptions): Promise<SendReport>;
  /**
   * The scheduler's digest job: join the campaign being sent, else (one process at a time, under the digest
   * check's lease) open one for the subscribers now due, and send it with whoever else joins.
   */
  runDueDigests(): Promise<SendReport>;
  /** Join the campaign another process is sending, if there is one (idle otherwise): the scheduler's join poll. */
  joinCampaign(): Promise<SendReport>;
}

/** Next runs, counts, recent campaigns. Needs: the store. */
export interface StatusReader {
  status(): Promise<StatusReport>;
}

/** What recording returned events did, by kind (events acted on), and those that did nothing. */
export interface ReturnsReport {
  hardBounces: number;
  softBounces: number;
  complaints: number;
  unsubscribes: number;
  /** Subscribers whose status changed (bounced, unsubscribed). */
  changed: number;
  /** About nobody we can tell (no valid tag, no Message-ID we sent): recorded, no effect. */
  unattributed: number;
  /** Handled before (a message read again, a webhook retried): no effect. */
  duplicates: number;
}

/** One pass over the bounce mailbox. */
export interface MailboxReport extends ReturnsReport {
  /** Messages read (not yet handled ones). */
  messages: number;
  /** Understood, nothing to do (auto-replies, delay notices): flagged as handled. */
  ignored: number;
  /** Not understood, or an unsubscribe request without a valid token: left in the mailbox as they are. */
  unknown: number;
}

/** The bounce mailbox, as the core reads it (an IMAP folder: delivery/bounce-mailbox.ts). */
export interface BounceMailbox {
  /** The messages not yet flagged as handled, a batch at a time. */
  unhandled(): AsyncIterable<ReadonlyArray<{ uid: number; source: Buffer }>>;
  /** Flag a message as handled: it is not read again. */
  markHandled(uid: number): Promise<void>;
  close(): Promise<void>;
}

/** Bounces, complaints and unsubscribe requests that come back. Needs: the store, the signing key; a bounce mailbox to read one. */
export interface Returns {
  /** Record and act on events a sending service's verified webhook reported. */
  recordReturned(events: readonly ReturnedEvent[]): Promise<ReturnsReport>;
  /** Read the bounce mailbox once: act on what is understood, flag it handled; leave the rest. */
  checkBounceMailbox(): Promise<MailboxReport>;
  bounceMailboxConfigured(): boolean;
}
