// SubscriberStore on SQLite (better-sqlite3): every SQL statement of Broadsheet lives in this file.
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { makeFolderSync } from '../output/mkdir.js';
import { useWal } from '../output/sqlite-wal.js';
import type {
  Campaign,
  CampaignCounts,
  Delivery,
  DeliveryRecord,
  NewSubscriber,
  ReturnOutcome,
  Subscriber,
  SubscriberStatus,
  SubscriberStore,
} from './store.js';
import { returnCountsOf, returnDetail, softBounceReason } from './store.js';

/** Schema migrations, applied in order; PRAGMA user_version records how many ran. Never edit one that shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscribers (
     id INTEGER PRIMARY KEY,
     email TEXT NOT NULL UNIQUE,
     name TEXT,
     status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
     categories TEXT NOT NULL DEFAULT '[]',
     timezone TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     confirmed_at TEXT,
     unsubscribed_at TEXT,
     bounced_at TEXT,
     last_digest_until TEXT
   );
   CREATE INDEX subscribers_status ON subscribers (status, id);
   CREATE TABLE subscriber_events (
     id INTEGER PRIMARY KEY,
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
     event TEXT NOT NULL,
     detail TEXT,
     at TEXT NOT NULL
   );
   CREATE INDEX subscriber_events_subscriber ON subscriber_events (subscriber_id, id);
   CREATE TABLE campaigns (
     id INTEGER PRIMARY KEY,
     since TEXT NOT NULL,
     until TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('sending', 'done')),
     created_at TEXT NOT NULL,
     finished_at TEXT
   );
   CREATE TABLE deliveries (
     campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
     status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'submitted', 'failed', 'skipped')),
     message_id TEXT,
     response TEXT,
     reason TEXT,
     transient INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (campaign_id, subscriber_id)
   ) WITHOUT ROWID;
   CREATE INDEX deliveries_status ON deliveries (campaign_id, status, subscriber_id);`,
  `CREATE TABLE leases (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     expires_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;`,
  `ALTER TABLE subscribers ADD COLUMN last_attempt_at TEXT;`,
  // Erased subscribers (subscribers delete): only an HMAC of the address, so the list can refuse to
  // re-add them without keeping the address itself.
  `CREATE TABLE suppressions (
     hash TEXT PRIMARY KEY,
     reason TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // Never mail anyone twice, whoever else is sending: at most one unfinished campaign (however many
  // processes race to open one), and each delivery claimed by the one run that sends it.
  `CREATE UNIQUE INDEX campaigns_one_unfinished ON campaigns ((1)) WHERE status = 'sending';
   ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;`,
  // What comes back (issue 17): bounces, complaints and unsubscribe requests, each recorded once by its key
  // (a mailbox message read again after a crash, a retried webhook, act once); a complaint marks the subscriber.
  `ALTER TABLE subscribers ADD COLUMN complained_at TEXT;
   CREATE TABLE returns (
     key TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'ignored', 'unattributed')),
     subscriber_id INTEGER REFERENCES subscribers (id),
     campaign_id INTEGER,
     status TEXT,
     detail TEXT,
     source TEXT NOT NULL,
     at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX returns_subscriber ON returns (subscriber_id, kind, at);
   CREATE INDEX returns_campaign ON returns (campaign_id, kind);
   CREATE INDEX deliveries_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;`,
];

/** The schema version a file has once migrated. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  categories: string;
  timezone: string | null;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounced_at: string | null;
  last_digest_until: string | null;
  last_attempt_at: string | null;
  complained_at: string | null;
}

interface CampaignRow {
  id: number;
  since: string;
  until: string;
  status: 'sending' | 'done';
  created_at: string;
  finished_at: string | null;
}

const iso = (d: Date) => d.toISOString();
const date = (s: string | null) => (s === null ? null : new Date(s));

function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    categories: JSON.parse(row.categories) as string[],
    timezone: row.timezone,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    confirmedAt: date(row.confirmed_at),
    unsubscribedAt: date(row.unsubscribed_at),
    bouncedAt: date(row.bounced_at),
    complainedAt: date(row.complained_at),
    lastDigestUntil: date(row.last_digest_until),
    lastFailedAt: date(row.last_attempt_at),
  };
}

function toDelivery(row: Record<string, unknown>): Delivery {
  return {
    campaignId: row.campaign_id as number,
    subscriberId: row.subscriber_id as number,
    status: row.status as Delivery['status'],
    messageId: row.message_id as string | null,
    response: row.response as string | null,
    reason: row.reason as string | null,
    attempts: row.attempts as number,
  };
}

function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    since: new Date(row.since),
    until: new Date(row.until),
    status: row.status,
    createdAt: new Date(row.created_at),
    finishedAt: date(row.finished_at),
  };
}

/**
 * The database holds every subscriber's address: a new file is readable by its owner only (0600), and
 * SQLite gives the -wal and -shm files it makes the main file's mode. An existing file keeps its mode.
 */
function createOwnerOnly(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600)); // 'wx': never touches a file that exists, even one made just now
  } catch {
    // It exists (EEXIST), or cannot be made here: better-sqlite3 opens it, or reports why it cannot.
  }
}

/** Open (creating and migrating as needed) the database file; ':memory:' for tests. */
export function openSqliteStore(file: string): SubscriberStore {
  // Not Node's recursive mkdir: on a path like /proc/nope it loops forever instead of failing.
  if (file !== ':memory:') {
    makeFolderSync(path.dirname(file));
    createOwnerOnly(file);
  }
  const db = new Database(file);
  useWal(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Two processes (scheduler and CLI) may share the file: wait for a lock instead of failing.
  db.pragma('busy_timeout = 5000');
  // Deleted rows are overwritten with zeros, not left in free pages: an erased subscriber's address must
  // not stay readable in the file (deletes are rare here, so the extra writes cost nothing noticeable).
  db.pragma('secure_delete = ON');
  migrate(db);

  const q = {
    // Dates an import carries are kept as they are; missing ones default to now where the status implies one.
    insert: db.prepare(
      `INSERT INTO subscribers (email, name, status, categories, timezone, created_at, updated_at, confirmed_at, unsubscribed_at, bounced_at, last_digest_until)
       VALUES (@email, @name, @status, @categories, @timezone, COALESCE(@createdAt, @now), @now,
               COALESCE(@confirmedAt, CASE WHEN @status = 'active' THEN @now END),
               COALESCE(@unsubscribedAt, CASE WHEN @status = 'unsubscribed' THEN @now END),
               COALESCE(@bouncedAt, CASE WHEN @status = 'bounced' THEN @now END), @lastDigestUntil)
       ON CONFLICT (email) DO NOTHING`,
    ),
    event: db.prepare('INSERT INTO subscriber_events (subscriber_id, event, detail, at) VALUES (?, ?, ?, ?)'),
    byId: db.prepare<[number], SubscriberRow>('SELECT * FROM subscribers WHERE id = ?'),
    byEmail: db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE email = ?'),
    all: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers ORDER BY id'),
    byStatus: db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE status = ? ORDER BY id'),
    counts: db.prepare<[], { status: SubscriberStatus; n: number }>('SELECT status, count(*) AS n FROM subscribers GROUP BY status'),
    activate: db.prepare(`UPDATE subscribers SET status = 'active', confirmed_at = @now, updated_at = @now WHERE id = @id AND status = 'pending'`),
    unsubscribe: db.prepare(
      `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @now, updated_at = @now WHERE id = @id AND status IN ('pending', 'active')`,
    ),
    resubscribe: db.prepare(`UPDATE subscribers SET status = 'pending', updated_at = @now WHERE id = @id AND status = 'unsubscribed'`),
    bounce: db.prepare(`UPDATE subscribers SET status = 'bounced', bounced_at = @now, updated_at = @now WHERE id = @id AND status IN ('pending', 'active')`),
    categories: db.prepare('UPDATE subscribers SET categories = @categories, updated_at = @now WHERE id = @id'),
    bouncedSince: db.prepare<[string], { id: number; email: string }>(
      `SELECT id, email FROM subscribers WHERE status = 'bounced' AND bounced_at >= ? ORDER BY id`,
    ),
    reactivate: db.prepare(`UPDATE subscribers SET status = 'active', bounced_at = NULL, updated_at = @now WHERE id = @id AND status = 'bounced'`),
    events: db.prepare<[number], { event: string; detail: string | null; at: string }>(
      'SELECT event, detail, at FROM subscriber_events WHERE subscriber_id = ? ORDER BY id',
    ),
    deliveriesOf: db.prepare<[number], Record<string, unknown>>(
      `SELECT d.*, c.since AS campaign_since, c.until AS campaign_until FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
       WHERE d.subscriber_id = ? ORDER BY d.campaign_id`,
    ),
    // Delivery rows go rather than being kept without the address: their Message-ID is derived from the
    // address and SMTP replies often quote it, and subscriber_id is part of their key.
    eraseDeliveries: db.prepare('DELETE FROM deliveries WHERE subscriber_id = ?'),
    eraseEvents: db.prepare('DELETE FROM subscriber_events WHERE subscriber_id = ?'),
    eraseSubscriber: db.prepare('DELETE FROM subscribers WHERE id = ?'),
    suppress: db.prepare('INSERT INTO suppressions (hash, reason, created_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING'),
    suppression: db.prepare<[string], { reason: string; created_at: string }>('SELECT reason, created_at FROM suppressions WHERE hash = ?'),
    anySuppression: db.prepare<[], { one: number }>('SELECT 1 AS one FROM suppressions LIMIT 1'),
    unsuppress: db.prepare('DELETE FROM suppressions WHERE hash = ?'),
    watermark: db.prepare(
      `UPDATE subscribers SET last_digest_until = @until
       WHERE id = @id AND (last_digest_until IS NULL OR last_digest_until < @until)`,
    ),
    unfinished: db.prepare<[], CampaignRow>(`SELECT * FROM campaigns WHERE status = 'sending' ORDER BY id LIMIT 1`),
    latest: db.prepare<[], CampaignRow>('SELECT * FROM campaigns ORDER BY id DESC LIMIT 1'),
    recent: db.prepare<[number], CampaignRow>('SELECT * FROM campaigns ORDER BY id DESC LIMIT ?'),
    campaign: db.prepare<[number], CampaignRow>('SELECT * FROM campaigns WHERE id = ?'),
    newCampaign: db.prepare(`INSERT INTO campaigns (since, until, status, created_at) VALUES (?, ?, 'sending', ?)`),
    queueAll: db.prepare(
      `INSERT INTO deliveries (campaign_id, subscriber_id, status, updated_at)
       SELECT ?, id, 'queued', ? FROM subscribers WHERE status = 'active'`,
    ),
    requeue: db.prepare(
      `UPDATE deliveries SET status = 'queued', reason = NULL, transient = 0, updated_at = ?
       WHERE campaign_id = ? AND status = 'failed' AND transient = 1`,
    ),
    queueSome: db.prepare(
      `INSERT INTO deliveries (campaign_id, subscriber_id, status, updated_at)
       SELECT ?, id, 'queued', ? FROM subscribers WHERE status = 'active' AND id = ?`,
    ),
    lease: db.prepare(
      `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.expires_at <= @now OR leases.holder = excluded.holder`,
    ),
    release: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    reopen: db.prepare(`UPDATE campaigns SET status = 'sending', finished_at = NULL WHERE id = ?`),
    // One statement, so one write: SQLite runs one writer at a time, and a claimer sees the rows the last
    // one took as taken.
    claimBatch: db.prepare<{ campaignId: number; runId: string; limit: number; now: string }, Record<string, unknown>>(
      `UPDATE deliveries SET status = 'sending', claimed_by = @runId, updated_at = @now
       WHERE campaign_id = @campaignId AND subscriber_id IN (
         SELECT subscriber_id FROM deliveries WHERE campaign_id = @campaignId AND status = 'queued' ORDER BY subscriber_id LIMIT @limit)
       RETURNING *`,
    ),
    // A claim wins only on a queued row, or on one this run already holds (its batch, its retries): two
    // runs can never both be sending one delivery.
    claim: db.prepare(
      `UPDATE deliveries SET status = 'sending', claimed_by = @runId, message_id = @messageId, attempts = attempts + 1, updated_at = @now
       WHERE campaign_id = @campaignId AND subscriber_id = @subscriberId
         AND (status = 'queued' OR (status = 'sending' AND claimed_by = @runId))`,
    ),
    runsInFlight: db.prepare<[number], { claimed_by: string | null; n: number }>(
      `SELECT claimed_by, count(*) AS n FROM deliveries WHERE campaign_id = ? AND status = 'sending' GROUP BY claimed_by`,
    ),
    // A run's rows go back to the queue with their Message-ID: a resend is the same message.
    releaseRun: db.prepare(
      `UPDATE deliveries SET status = 'queued', updated_at = @now
       WHERE campaign_id = @campaignId AND status = 'sending' AND claimed_by IS @runId`,
    ),
    leaseHolder: db.prepare<[string], { holder: string; expires_at: string }>('SELECT holder, expires_at FROM leases WHERE name = ?'),
    takeOver: db.prepare('UPDATE leases SET holder = @to, expires_at = @expires WHERE name = @name AND holder = @from'),
    submitted: db.prepare(
      `UPDATE deliveries SET status = 'submitted', response = @response, reason = NULL, updated_at = @now
       WHERE campaign_id = @campaignId AND subscriber_id = @subscriberId`,
    ),
    attempted: db.prepare('UPDATE subscribers SET last_attempt_at = @now WHERE id = @id'),
    failed: db.prepare(
      `UPDATE deliveries SET status = 'failed', reason = @reason, transient = @transient, updated_at = @now
       WHERE campaign_id = @campaignId AND subscriber_id = @subscriberId`,
    ),
    skipped: db.prepare(
      `UPDATE deliveries SET status = 'skipped', reason = @reason, updated_at = @now
       WHERE campaign_id = @campaignId AND subscriber_id = @subscriberId`,
    ),
    finish: db.prepare(`UPDATE campaigns SET status = 'done', finished_at = ? WHERE id = ?`),
    complained: db.prepare(
      `UPDATE subscribers SET status = CASE WHEN status IN ('pending', 'active') THEN 'unsubscribed' ELSE status END,
         unsubscribed_at = CASE WHEN status IN ('pending', 'active') THEN @now ELSE unsubscribed_at END,
         complained_at = @now, updated_at = @now
       WHERE id = @id AND complained_at IS NULL`,
    ),
    byComplaint: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers WHERE complained_at IS NOT NULL ORDER BY id'),
    pageAll: db.prepare<[number, number], SubscriberRow>('SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?'),
    pageByStatus: db.prepare<[string, number, number], SubscriberRow>('SELECT * FROM subscribers WHERE status = ? AND id > ? ORDER BY id LIMIT ?'),
    pageByComplaint: db.prepare<[number, number], SubscriberRow>('SELECT * FROM subscribers WHERE complained_at IS NOT NULL AND id > ? ORDER BY id LIMIT ?'),
    countByStatus: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM subscribers WHERE status = ?'),
    countComplained: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM subscribers WHERE complained_at IS NOT NULL'),
    putReturn: db.prepare(
      `INSERT INTO returns (key, kind, subscriber_id, campaign_id, status, detail, source, at)
       VALUES (@key, @kind, @subscriberId, @campaignId, @status, @detail, @source, @at) ON CONFLICT (key) DO NOTHING`,
    ),
    hasReturn: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM returns WHERE key = ?'),
    softSince: db.prepare<[number, string], { n: number }>(`SELECT count(*) AS n FROM returns WHERE subscriber_id = ? AND kind = 'soft-bounce' AND at >= ?`),
    eraseReturns: db.prepare('DELETE FROM returns WHERE subscriber_id = ?'),
    byMessageId: db.prepare<[string], { campaign_id: number; subscriber_id: number }>(
      'SELECT campaign_id, subscriber_id FROM deliveries WHERE message_id = ? LIMIT 1',
    ),
    latestDelivery: db.prepare<[number], { campaign_id: number }>(
      `SELECT campaign_id FROM deliveries WHERE subscriber_id = ? AND status = 'submitted' ORDER BY campaign_id DESC LIMIT 1`,
    ),
    returnCounts: db.prepare<[number], { kind: string; n: number }>('SELECT kind, count(*) AS n FROM returns WHERE campaign_id = ? GROUP BY kind'),
    campaignCounts: db.prepare<[number], { status: keyof CampaignCounts; n: number }>(
      'SELECT status, count(*) AS n FROM deliveries WHERE campaign_id = ? GROUP BY status',
    ),
  };

  const optionalIso = (d: Date | undefined) => (d === undefined ? null : iso(d));
  const insertOne = (row: NewSubscriber, now: Date): number | undefined => {
    const info = q.insert.run({
      email: row.email,
      name: row.name ?? null,
      status: row.status,
      categories: JSON.stringify(row.categories ?? []),
      timezone: row.timezone ?? null,
      now: iso(now),
      createdAt: optionalIso(row.createdAt),
      confirmedAt: optionalIso(row.confirmedAt),
      unsubscribedAt: optionalIso(row.unsubscribedAt),
      bouncedAt: optionalIso(row.bouncedAt),
      lastDigestUntil: optionalIso(row.lastDigestUntil),
    });
    if (info.changes === 0) return undefined;
    const id = Number(info.lastInsertRowid);
    q.event.run(id, row.status === 'active' ? 'added' : row.status === 'pending' ? 'pending' : `imported ${row.status}`, row.source ?? null, iso(now));
    return id;
  };

  const changeStatus = (stmt: Database.Statement, event: string) => (id: number, now: Date, detail?: string) => {
    const changed = stmt.run({ id, now: iso(now) }).changes > 0;
    if (changed) q.event.run(id, event, detail ?? null, iso(now));
    return changed;
  };
  const activate = changeStatus(q.activate, 'confirmed');
  const unsubscribe = changeStatus(q.unsubscribe, 'unsubscribed');
  const bounce = changeStatus(q.bounce, 'bounced');
  const resubscribe = changeStatus(q.resubscribe, 'resubscribed');
  const reactivate = changeStatus(q.reactivate, 'reactivated');
  const complain = changeStatus(q.complained, 'complained');

  const counts = (campaignId: number): CampaignCounts => {
    const result: CampaignCounts = { queued: 0, sending: 0, submitted: 0, failed: 0, skipped: 0 };
    for (const row of q.campaignCounts.all(campaignId)) result[row.status] = row.n;
    return result;
  };

  // Every method is async for the interface (a PostgreSQL store needs round trips), but each body here runs
  // synchronously to the end: a transaction is opened and committed within one call, never across an await.
  return {
    async add(input, now) {
      return db.transaction(() => {
        const id = insertOne(input, now);
        const row = id === undefined ? q.byEmail.get(input.email)! : q.byId.get(id)!;
        return { subscriber: toSubscriber(row), created: id !== undefined };
      })();
    },
    async importMany(rows, now, onProgress) {
      return db.transaction(() => {
        const addedEmails: string[] = [];
        for (const [i, row] of rows.entries()) {
          if (insertOne(row, now) !== undefined) addedEmails.push(row.email);
          if (onProgress && ((i + 1) % 1000 === 0 || i + 1 === rows.length)) onProgress(i + 1, rows.length);
        }
        return { added: addedEmails.length, addedEmails, existing: rows.length - addedEmails.length };
      })();
    },
    get: async (id) => {
      const row = q.byId.get(id);
      return row && toSubscriber(row);
    },
    findByEmail: async (email) => {
      const row = q.byEmail.get(email);
      return row && toSubscriber(row);
    },
    list: async (filter = {}) =>
      (filter.status === 'complained' ? q.byComplaint.all() : filter.status ? q.byStatus.all(filter.status) : q.all.all()).map(toSubscriber),
    listPage: async ({ status, afterId, limit }) =>
      (status === 'complained'
        ? q.pageByComplaint.all(afterId, limit)
        : status
          ? q.pageByStatus.all(status, afterId, limit)
          : q.pageAll.all(afterId, limit)
      ).map(toSubscriber),
    count: async (filter) => (filter === 'complained' ? q.countComplained.get()! : q.countByStatus.get(filter)!).n,
    async counts() {
      const result: Record<SubscriberStatus, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
      for (const row of q.counts.all()) result[row.status] = row.n;
      return result;
    },
    activate: async (id, now) => db.transaction(() => activate(id, now))(),
    unsubscribe: async (id, now) => db.transaction(() => unsubscribe(id, now))(),
    markBounced: async (id, now, reason) => db.transaction(() => bounce(id, now, reason))(),
    resubscribe: async (id, now) => db.transaction(() => resubscribe(id, now))(),
    reactivateBounced: async (since, now, reason) =>
      db.transaction(() =>
        q.bouncedSince
          .all(iso(since))
          .filter((row) => reactivate(row.id, now, reason))
          .map((row) => row.email),
      )(),
    async setCategories(id, categories, now) {
      db.transaction(() => {
        q.categories.run({ id, categories: JSON.stringify(categories), now: iso(now) });
        q.event.run(id, 'categories', JSON.stringify(categories), iso(now));
      })();
    },
    eventsOf: async (id) => q.events.all(id).map((row) => ({ event: row.event, detail: row.detail, at: new Date(row.at) })),
    async addEvent(id, event, detail, now) {
      q.event.run(id, event, detail, iso(now));
    },
    deliveriesOf: async (id) =>
      q.deliveriesOf.all(id).map(
        (row): DeliveryRecord => ({
          ...toDelivery(row),
          campaignSince: new Date(row.campaign_since as string),
          campaignUntil: new Date(row.campaign_until as string),
          updatedAt: new Date(row.updated_at as string),
        }),
      ),
    async erase(id, suppression, now) {
      const erased = db
        .transaction(() => {
          const deliveries = q.eraseDeliveries.run(id).changes;
          const events = q.eraseEvents.run(id).changes;
          // What came back names the person too (the server's words quote the address).
          q.eraseReturns.run(id);
          q.eraseSubscriber.run(id);
          q.suppress.run(suppression.hash, suppression.reason, iso(now));
          return { events, deliveries };
        })
        .immediate();
      // The write-ahead log still holds the pages as they were: write them back now and empty it. While
      // another process reads, this gives up after busy_timeout; the log is emptied when the last connection closes.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return erased;
    },
    async recordReturn(record, soft) {
      return db
        .transaction((): ReturnOutcome => {
          const at = iso(record.at);
          const inserted = q.putReturn.run({
            key: record.key,
            kind: record.kind,
            subscriberId: record.subscriberId ?? null,
            campaignId: record.campaignId ?? null,
            status: record.status ?? null,
            detail: record.detail ?? null,
            source: record.source,
            at,
          });
          if (inserted.changes === 0) return { recorded: false, changed: false };
          const id = record.subscriberId;
          if (id === undefined) return { recorded: true, changed: false };
          const detail = returnDetail(record);
          switch (record.kind) {
            case 'hard-bounce':
              return { recorded: true, changed: bounce(id, record.at, detail) };
            case 'soft-bounce': {
              q.event.run(id, 'soft-bounce', detail, at);
              const count = q.softSince.get(id, iso(soft.since))!.n;
              return {
                recorded: true,
                changed: count >= soft.limit && bounce(id, record.at, softBounceReason(count, soft.since, detail)),
              };
            }
            case 'complaint':
              return { recorded: true, changed: complain(id, record.at, detail) };
            case 'unsubscribe':
              return { recorded: true, changed: unsubscribe(id, record.at, detail) };
            default:
              return { recorded: true, changed: false };
          }
        })
        .immediate();
    },
    hasReturn: async (key) => q.hasReturn.get(key) !== undefined,
    async deliveryByMessageId(messageId) {
      const row = q.byMessageId.get(messageId);
      return row && { campaignId: row.campaign_id, subscriberId: row.subscriber_id };
    },
    async latestDeliveryOf(subscriberId) {
      const row = q.latestDelivery.get(subscriberId);
      return row && { campaignId: row.campaign_id };
    },
    returnCounts: async (campaignId) => returnCountsOf(q.returnCounts.all(campaignId)),
    async suppression(hash) {
      const row = q.suppression.get(hash);
      return row && { reason: row.reason, createdAt: new Date(row.created_at) };
    },
    hasSuppressions: async () => q.anySuppression.get() !== undefined,
    unsuppress: async (hash) => q.unsuppress.run(hash).changes > 0,

    unfinishedCampaign: async () => {
      const row = q.unfinished.get();
      return row && toCampaign(row);
    },
    latestCampaign: async () => {
      const row = q.latest.get();
      return row && toCampaign(row);
    },
    listCampaigns: async (limit) => q.recent.all(limit).map((row) => ({ ...toCampaign(row), counts: counts(row.id) })),
    async openCampaign(window, now, subscriberIds) {
      // One immediate transaction: of processes racing here, the first creates and the others resume it.
      return db
        .transaction(() => {
          const unfinished = q.unfinished.get();
          if (unfinished) return { campaign: toCampaign(unfinished), resumed: true };
          const id = Number(q.newCampaign.run(iso(window.since), iso(window.until), iso(now)).lastInsertRowid);
          if (subscriberIds === undefined) q.queueAll.run(id, iso(now));
          else for (const subscriberId of subscriberIds) q.queueSome.run(id, iso(now), subscriberId);
          return { campaign: toCampaign(q.campaign.get(id)!), resumed: false };
        })
        .immediate();
    },
    async createCampaign(window, now, subscriberIds) {
      return db
        .transaction(() => {
          const id = Number(q.newCampaign.run(iso(window.since), iso(window.until), iso(now)).lastInsertRowid);
          if (subscriberIds === undefined) q.queueAll.run(id, iso(now));
          else for (const subscriberId of subscriberIds) q.queueSome.run(id, iso(now), subscriberId);
          return toCampaign(q.campaign.get(id)!);
        })
        .immediate();
    },
    async requeueFailed(campaignId, now) {
      return db
        .transaction(() => {
          const n = q.requeue.run(iso(now), campaignId).changes;
          if (n > 0) q.reopen.run(campaignId);
          return n;
        })
        .immediate();
    },
    async claimDeliveries(campaignId, runId, limit, now) {
      const rows = q.claimBatch.all({ campaignId, runId, limit, now: iso(now) }).map(toDelivery);
      return rows.sort((a, b) => a.subscriberId - b.subscriberId);
    },
    async claimDelivery(campaignId, subscriberId, runId, messageId, now) {
      return q.claim.run({ campaignId, subscriberId, runId, messageId, now: iso(now) }).changes === 1;
    },
    runsInFlight: async (campaignId) => q.runsInFlight.all(campaignId).map((r) => ({ runId: r.claimed_by, deliveries: r.n })),
    async releaseRun(campaignId, runId, now) {
      return q.releaseRun.run({ campaignId, runId, now: iso(now) }).changes;
    },
    async markSubmitted(campaignId, subscriberId, response, watermark, now) {
      db.transaction(() => {
        q.submitted.run({ campaignId, subscriberId, response, now: iso(now) });
        q.watermark.run({ id: subscriberId, until: iso(watermark) });
      })();
    },
    async markFailed(campaignId, subscriberId, reason, transient, now) {
      db.transaction(() => {
        q.failed.run({ campaignId, subscriberId, reason, transient: transient ? 1 : 0, now: iso(now) });
        q.attempted.run({ id: subscriberId, now: iso(now) });
      })();
    },
    async markSkipped(campaignId, subscriberId, reason, watermark, now) {
      db.transaction(() => {
        q.skipped.run({ campaignId, subscriberId, reason, now: iso(now) });
        if (watermark) q.watermark.run({ id: subscriberId, until: iso(watermark) });
      })();
    },
    async finishCampaign(campaignId, now) {
      q.finish.run(iso(now), campaignId);
    },
    campaignCounts: async (campaignId) => counts(campaignId),
    async acquireLease(name, holder, now, ttlMs) {
      const expires = new Date(now.getTime() + ttlMs);
      return q.lease.run({ name, holder, expires: iso(expires), now: iso(now) }).changes > 0;
    },
    async releaseLease(name, holder) {
      q.release.run(name, holder);
    },
    async takeOverLease(name, from, to, now, ttlMs) {
      return q.takeOver.run({ name, from, to, expires: iso(new Date(now.getTime() + ttlMs)) }).changes > 0;
    },
    async leaseHolder(name) {
      const row = q.leaseHolder.get(name);
      return row && { holder: row.holder, expiresAt: new Date(row.expires_at) };
    },
    getMeta: async (key) => q.getMeta.get(key)?.value,
    async setMeta(key, value) {
      q.setMeta.run(key, value);
    },
    async close() {
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new StoreError({
      file: db.name,
      message: `has schema version ${current}, newer than this Broadsheet knows (${MIGRATIONS.length})`,
      hint: 'upgrade Broadsheet',
    });
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      // Another process (`start` beside a command, on a new file) may have run this step since the version
      // was read: under the write lock, only the step still missing runs ("table subscribers already exists").
      if ((db.pragma('user_version', { simple: true }) as number) !== version) return;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
