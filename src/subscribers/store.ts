// The subscriber store's interface (the port): the sender, CLI and server depend on this, not on SQLite.

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';
export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

/**
 * What `list` filters on: a status, or `complained` (unsubscribed by a spam complaint: their status is
 * `unsubscribed`, and `complainedAt` says why).
 */
export type SubscriberFilter = SubscriberStatus | 'complained';
export const SUBSCRIBER_FILTERS: readonly SubscriberFilter[] = [...SUBSCRIBER_STATUSES, 'complained'];

export interface Subscriber {
  id: number;
  /** Normalised address (see normalizeAddress). */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** Category slugs; empty = every category. */
  categories: string[];
  /** IANA timezone from the browser at signup, if known. */
  timezone: string | null;
  createdAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  bouncedAt: Date | null;
  /** When they marked a digest as spam (a complaint report or a service's complaint event): they are unsubscribed too. */
  complainedAt?: Date | null;
  /** Watermark: every post published before this instant has been covered by a digest to them. */
  lastDigestUntil: Date | null;
  /** When a digest to them last failed: the scheduler waits for their next slot (or send --retry-failed). */
  lastFailedAt?: Date | null;
}

export interface NewSubscriber {
  email: string;
  name?: string | undefined;
  categories?: string[] | undefined;
  timezone?: string | undefined;
  /** unsubscribed/bounced only come from an import of an export: they must stay that way. */
  status: 'active' | 'pending' | 'unsubscribed' | 'bounced';
  /** When they subscribed, if the import file says; default: now. */
  createdAt?: Date | undefined;
  /** Default: now for an active subscriber, none otherwise. */
  confirmedAt?: Date | undefined;
  /** Default: now for an unsubscribed subscriber, none otherwise. */
  unsubscribedAt?: Date | undefined;
  /** Default: now for a bounced subscriber, none otherwise. */
  bouncedAt?: Date | undefined;
  /** Carried over from an export, so a moved list is not sent posts it already had. */
  lastDigestUntil?: Date | undefined;
  /** Where the row came from ("imported from a Mailchimp export (cleaned)"): the detail of its first event. */
  source?: string | undefined;
}

/** One entry of a subscriber's history (subscriber_events). */
export interface SubscriberEvent {
  event: string;
  detail: string | null;
  at: Date;
}

/** A delivery row with the window of its campaign: what was sent to one subscriber, and how it went. */
export interface DeliveryRecord extends Delivery {
  campaignSince: Date;
  campaignUntil: Date;
  updatedAt: Date;
}

/** An address that must not be added again by the publisher, known only by its keyed hash. */
export interface Suppression {
  /** Why: "deleted on request". */
  reason: string;
  createdAt: Date;
}

export interface ImportResult {
  added: number;
  /** Addresses that were new, in file order (for confirmation requests). */
  addedEmails: string[];
  /** Already present (whatever their status): left untouched, so an unsubscribe is never undone. */
  existing: number;
}

export type DeliveryStatus = 'queued' | 'sending' | 'submitted' | 'failed' | 'skipped';

export interface Campaign {
  id: number;
  /** Start of the window for subscribers who never had a digest. */
  since: Date;
  /** End of every subscriber's window (exclusive). */
  until: Date;
  status: 'sending' | 'done';
  createdAt: Date;
  finishedAt: Date | null;
}

export interface Delivery {
  campaignId: number;
  subscriberId: number;
  status: DeliveryStatus;
  messageId: string | null;
  response: string | null;
  reason: string | null;
  attempts: number;
}

export interface CampaignCounts {
  queued: number;
  sending: number;
  submitted: number;
  failed: number;
  skipped: number;
}

/** What came back of a campaign's messages, by kind (see bounces/returned.ts). */
export interface ReturnCounts {
  hardBounces: number;
  softBounces: number;
  complaints: number;
  unsubscribes: number;
}

/**
 * One returned event as recorded, or a mailbox message handled without one (ignored, or about nobody we
 * can tell): its key is what makes handling it again a no-op.
 */
export interface ReturnRecord {
  /** Unique at its source (ReturnedEvent.key, or the mailbox message's key). */
  key: string;
  kind: 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'ignored' | 'unattributed';
  subscriberId: number | undefined;
  campaignId: number | undefined;
  status: string | undefined;
  detail: string | undefined;
  source: string;
  at: Date;
}

/** The ReturnCounts field that counts each kind of returned event that acts. */
export const RETURN_COUNT_FIELD = { 'hard-bounce': 'hardBounces', 'soft-bounce': 'softBounces', complaint: 'complaints', unsubscribe: 'unsubscribes' } as const;

/** A campaign's ReturnCounts from its returns counted by kind (kinds that do not act are left out). */
export function returnCountsOf(rows: ReadonlyArray<{ kind: string; n: number }>): ReturnCounts {
  const counts: ReturnCounts = { hardBounces: 0, softBounces: 0, complaints: 0, unsubscribes: 0 };
  for (const row of rows) {
    const field = RETURN_COUNT_FIELD[row.kind as keyof typeof RETURN_COUNT_FIELD];
    if (field) counts[field] = row.n;
  }
  return counts;
}

/** The line a returned event leaves in the subscriber's history: where it came from, and what it said. */
export function returnDetail(record: Pick<ReturnRecord, 'status' | 'detail' | 'kind' | 'source'>): string {
  const why = [record.status, record.detail].filter(Boolean).join(' ') || record.kind;
  return `${record.source}: ${why}`.slice(0, 500);
}

/** Why soft bounces bounced a subscriber: how many since when, and the last one's detail. */
export function softBounceReason(count: number, since: Date, lastDetail: string): string {
  return `${count} soft bounces since ${since.toISOString()}; last: ${lastDetail}`;
}

/** What recording a returned event did. */
export interface ReturnOutcome {
  /** False: its key was recorded before (handled already): nothing was done. */
  recorded: boolean;
  /** The subscriber's status changed: `bounced` or `unsubscribed` now. */
  changed: boolean;
}

/**
 * Every method returns a promise: SQLite answers at once, PostgreSQL after a round trip. A method documented
 * as one transaction (or atomic) is one transaction whatever the backend; callers never hold one open.
 */
export interface SubscriberStore {
  /** Add one subscriber; an existing address is returned unchanged with created=false. */
  add(input: NewSubscriber, now: Date): Promise<{ subscriber: Subscriber; created: boolean }>;
  /** Add many in one transaction; existing addresses are left as they are. */
  /** All rows in one transaction; `onProgress` is told how many rows are stored, every thousand and at the end. */
  importMany(rows: readonly NewSubscriber[], now: Date, onProgress?: (done: number, total: number) => void): Promise<ImportResult>;
  get(id: number): Promise<Subscriber | undefined>;
  findByEmail(email: string): Promise<Subscriber | undefined>;
  list(filter?: { status?: SubscriberFilter | undefined }): Promise<Subscriber[]>;
  /**
   * One page of `list`: at most `limit` subscribers with an id above `afterId`, by id. A long list is read
   * page by page (subscriberPages in pages.ts), so memory stays flat however many subscribers there are.
   */
  listPage(page: { status?: SubscriberFilter | undefined; afterId: number; limit: number }): Promise<Subscriber[]>;
  /** How many subscribers `list` would return for this filter, without reading them. */
  count(filter: SubscriberFilter): Promise<number>;
  counts(): Promise<Record<SubscriberStatus, number>>;
  /** Status changes; each returns false when nothing changed (idempotent). */
  activate(id: number, now: Date): Promise<boolean>;
  unsubscribe(id: number, now: Date): Promise<boolean>;
  /** An unsubscribed address signing up again goes back to pending (a bounced one does not). */
  resubscribe(id: number, now: Date): Promise<boolean>;
  markBounced(id: number, now: Date, reason: string): Promise<boolean>;
  /**
   * Turn subscribers bounced at or after `since` back to active, each with a `reactivated` event: for a
   * bounce wave that was the sender's fault. The emails of those changed.
   */
  reactivateBounced(since: Date, now: Date, reason: string): Promise<string[]>;
  setCategories(id: number, categories: string[], now: Date): Promise<void>;
  /** The subscriber's history, oldest first. */
  eventsOf(id: number): Promise<SubscriberEvent[]>;
  /** Record something that happened to a subscriber that no status change records (a confirmation request sent). */
  addEvent(id: number, event: string, detail: string | null, now: Date): Promise<void>;
  /** Every delivery row of the subscriber, oldest campaign first. */
  deliveriesOf(id: number): Promise<DeliveryRecord[]>;
  /**
   * Erase a subscriber: their delivery rows, their events and the subscriber row, and record the
   * suppression hash, in one transaction. Returns how many rows of each kind went.
   */
  erase(id: number, suppression: { hash: string; reason: string }, now: Date): Promise<{ events: number; deliveries: number }>;

  /** The suppression entry for a keyed address hash, if there is one. */
  suppression(hash: string): Promise<Suppression | undefined>;
  /** True when the suppression list is not empty (so callers can skip hashing every address). */
  hasSuppressions(): Promise<boolean>;
  /** Drop a suppression entry (the person confirmed a new signup); false when there was none. */
  unsuppress(hash: string): Promise<boolean>;

  /** The campaign still sending, if a previous run stopped before finishing. */
  unfinishedCampaign(): Promise<Campaign | undefined>;
  latestCampaign(): Promise<Campaign | undefined>;
  listCampaigns(limit: number): Promise<Array<Campaign & { counts: CampaignCounts }>>;
  /** Create a campaign and queue one delivery per active subscriber (or only those listed), atomically. */
  createCampaign(window: { since: Date; until: Date }, now: Date, subscriberIds?: readonly number[]): Promise<Campaign>;
  /**
   * The unfinished campaign if there is one (resumed), else a new one as createCampaign makes it: one
   * atomic step, so processes racing to open a campaign end up in the same one.
   */
  openCampaign(window: { since: Date; until: Date }, now: Date, subscriberIds?: readonly number[]): Promise<{ campaign: Campaign; resumed: boolean }>;
  /** Put a campaign's transiently failed deliveries back in the queue and reopen it. Returns how many. */
  requeueFailed(campaignId: number, now: Date): Promise<number>;
  /**
   * Claim up to `limit` queued deliveries for a sending run, lowest subscriber ids first: they turn
   * `sending`, held by `runId`. Atomic across processes: runs claiming at once get disjoint rows, and none
   * waits for another's claim (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDeliveries(campaignId: number, runId: string, limit: number, now: Date): Promise<Delivery[]>;
  /**
   * Mark a delivery `sending` for this run and record its Message-ID, right before handing it to the mail
   * server (counted as an attempt): true when this run holds it (claimed in a batch, or a retry) or it was
   * queued; false when another run has it.
   */
  claimDelivery(campaignId: number, subscriberId: number, runId: string, messageId: string, now: Date): Promise<boolean>;
  /** The runs holding `sending` deliveries of a campaign, and how many each (null: rows claimed before runs had names). */
  runsInFlight(campaignId: number): Promise<Array<{ runId: string | null; deliveries: number }>>;
  /** Put one run's `sending` deliveries back in the queue, Message-IDs kept (it died, or stopped early); how many. */
  releaseRun(campaignId: number, runId: string | null, now: Date): Promise<number>;
  /** Submitted: the SMTP server accepted it. Moves the subscriber's watermark in the same transaction. */
  markSubmitted(campaignId: number, subscriberId: number, response: string, watermark: Date, now: Date): Promise<void>;
  markFailed(campaignId: number, subscriberId: number, reason: string, transient: boolean, now: Date): Promise<void>;
  /** Skipped (nothing new, unsubscribed…); `watermark` moves the subscriber's watermark when given. */
  markSkipped(campaignId: number, subscriberId: number, reason: string, watermark: Date | undefined, now: Date): Promise<void>;
  finishCampaign(campaignId: number, now: Date): Promise<void>;
  campaignCounts(campaignId: number): Promise<CampaignCounts>;

  /**
   * Take the named lease for `ttlMs` if it is free, expired, or already ours. Atomic across processes
   * sharing the database: of two schedulers, one sends.
   */
  acquireLease(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Give the lease up (only if we hold it). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Take a lease from a holder known to be gone (a crashed process), only if it still holds it. */
  takeOverLease(name: string, from: string, to: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Who holds a lease and until when (it may have expired). */
  leaseHolder(name: string): Promise<{ holder: string; expiresAt: Date } | undefined>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * Record a returned event and act on it, in one transaction, once per key: a hard bounce bounces the
   * subscriber; a soft bounce does when it makes `softLimit` soft bounces since `softSince`; a complaint
   * unsubscribes and marks them complained; an unsubscribe unsubscribes. `ignored` and `unattributed` only
   * record the key.
   */
  recordReturn(record: ReturnRecord, soft: { limit: number; since: Date }): Promise<ReturnOutcome>;
  /** Whether a key was recorded (a mailbox message handled before a crash kept it from being flagged). */
  hasReturn(key: string): Promise<boolean>;
  /** The delivery that sent the message with this Message-ID ("<…>"), if one did. */
  deliveryByMessageId(messageId: string): Promise<{ campaignId: number; subscriberId: number } | undefined>;
  /** The campaign of the subscriber's latest submitted delivery (a service's event names only the address). */
  latestDeliveryOf(subscriberId: number): Promise<{ campaignId: number } | undefined>;
  /** What came back of a campaign's messages. */
  returnCounts(campaignId: number): Promise<ReturnCounts>;
  close(): Promise<void>;
}
