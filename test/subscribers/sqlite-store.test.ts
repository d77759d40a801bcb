// The SQLite SubscriberStore against real database files in temp folders (and ':memory:'): schema and
// migrations, subscriber status changes with their event log, and the campaign/delivery bookkeeping.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { NewSubscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { tempDir } from '../helpers/temp-dir.js';

const at = (t: string) => new Date(`2026-05-04T${t}Z`);
const T0 = at('08:00:00');
const T1 = at('09:00:00');
const T2 = at('10:00:00');
const T3 = at('11:00:00');

const subscriber = (o: Partial<NewSubscriber> = {}): NewSubscriber => ({ email: 'ada@example.com', status: 'active', ...o });

// Each test registers what it opened; afterEach closes stores (and tempDir's folders go after it), so no test leaks into another.
let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function open(file: string): SubscriberStore {
  const store = openSqliteStore(file);
  cleanups.push(() => store.close());
  return store;
}

/** A store on a fresh file, plus a read-only handle on the same file for looking at the rows directly. */
async function fileStore() {
  const file = path.join(await tempDir('store'), 'broadsheet.db');
  const store = open(file);
  const raw = new Database(file, { readonly: true });
  cleanups.push(() => raw.close());
  return { file, store, raw };
}

interface EventRow {
  subscriber_id: number;
  event: string;
  detail: string | null;
  at: string;
}
const eventsOf = (raw: Database.Database, id: number) =>
  raw.prepare<[number], EventRow>('SELECT subscriber_id, event, detail, at FROM subscriber_events WHERE subscriber_id = ? ORDER BY id').all(id);

/** A store with one subscriber per status, added at T0; returns their ids. */
async function seeded(store: SubscriberStore) {
  const ids = {
    active: (await store.add(subscriber({ email: 'active@example.com' }), T0)).subscriber.id,
    pending: (await store.add(subscriber({ email: 'pending@example.com', status: 'pending' }), T0)).subscriber.id,
    unsubscribed: (await store.add(subscriber({ email: 'gone@example.com' }), T0)).subscriber.id,
    bounced: (await store.add(subscriber({ email: 'bounced@example.com' }), T0)).subscriber.id,
    active2: (await store.add(subscriber({ email: 'active2@example.com' }), T0)).subscriber.id,
  };
  await store.unsubscribe(ids.unsubscribed, T0);
  await store.markBounced(ids.bounced, T0, '550 no such user');
  return ids;
}

describe('schema and migrations', () => {
  it('creates the file (and its folder), the tables and PRAGMA user_version on first open', async () => {
    const file = path.join(await tempDir('store'), 'nested', 'data', 'broadsheet.db');
    open(file);
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    cleanups.push(() => raw.close());
    const tables = raw
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['campaigns', 'deliveries', 'subscriber_events', 'subscribers']));
    expect(raw.pragma('user_version', { simple: true })).toBeGreaterThan(0);
  });

  it('keeps the data when an existing file is reopened, without re-running the migrations', async () => {
    const file = path.join(await tempDir('store'), 'broadsheet.db');
    const first = openSqliteStore(file);
    await first.add(subscriber({ name: 'Ada', categories: ['tech'] }), T0);
    await first.close();
    const raw = new Database(file);
    const version = raw.pragma('user_version', { simple: true });
    const schema = raw.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    raw.close();

    // Migrations are plain CREATE TABLE statements: running them again would throw "already exists".
    const second = open(file);
    expect(await second.findByEmail('ada@example.com')).toMatchObject({ name: 'Ada', status: 'active', categories: ['tech'] });
    expect(await second.list()).toHaveLength(1);

    const after = new Database(file, { readonly: true });
    cleanups.push(() => after.close());
    expect(after.pragma('user_version', { simple: true })).toBe(version);
    expect(after.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
  });

  it('refuses a database written by a newer Broadsheet (higher user_version) with a StoreError naming the file', async () => {
    const file = path.join(await tempDir('store'), 'broadsheet.db');
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();

    let caught: unknown;
    try {
      cleanups.push(openSqliteStore(file).close);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    const err = caught as StoreError;
    expect(err.code).toBe('STORE_FAILED');
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/schema version 999/);
    expect(err.describe()).toMatch(/upgrade Broadsheet/);

    // Nothing was created in the refused file.
    const check = new Database(file, { readonly: true });
    cleanups.push(() => check.close());
    expect(check.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get()).toEqual({ n: 0 });
  });

  it('works in memory', async () => {
    const store = open(':memory:');
    await store.add(subscriber(), T0);
    expect((await store.counts()).active).toBe(1);
  });
});

describe('adding subscribers', () => {
  it('creates a row with every field and the timestamps of an active subscriber', async () => {
    const store = open(':memory:');
    const { subscriber: s, created } = await store.add(subscriber({ name: 'Ada Lovelace', categories: ['news', 'tech'], timezone: 'Europe/London' }), T0);
    expect(created).toBe(true);
    expect(s).toEqual({
      id: expect.any(Number),
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      status: 'active',
      categories: ['news', 'tech'],
      timezone: 'Europe/London',
      createdAt: T0,
      updatedAt: T0,
      confirmedAt: T0,
      unsubscribedAt: null,
      bouncedAt: null,
      complainedAt: null,
      lastDigestUntil: null,
      lastFailedAt: null,
    });
    expect(await store.get(s.id)).toEqual(s);
    expect(await store.findByEmail('ada@example.com')).toEqual(s);
  });

  it('stores a pending subscriber without a confirmation time, and empty categories as []', async () => {
    const store = open(':memory:');
    const { subscriber: s } = await store.add(subscriber({ status: 'pending' }), T0);
    expect(s).toMatchObject({ status: 'pending', confirmedAt: null, categories: [], name: null, timezone: null });
  });

  it('returns an existing address unchanged with created=false, whatever the new input says', async () => {
    const store = open(':memory:');
    const first = (await store.add(subscriber({ name: 'Ada', categories: ['tech'] }), T0)).subscriber;
    await store.unsubscribe(first.id, T1);
    const again = await store.add(subscriber({ name: 'Someone Else', categories: [], status: 'active' }), T2);
    expect(again.created).toBe(false);
    expect(again.subscriber).toMatchObject({ id: first.id, name: 'Ada', categories: ['tech'], status: 'unsubscribed', updatedAt: T1 });
    expect(await store.list()).toHaveLength(1);
  });

  it('returns undefined for unknown ids and addresses', async () => {
    const store = open(':memory:');
    expect(await store.get(42)).toBeUndefined();
    expect(await store.findByEmail('nobody@example.com')).toBeUndefined();
  });

  it('imports many rows: new addresses in input order, existing ones counted and left alone', async () => {
    const store = open(':memory:');
    const gone = (await store.add(subscriber({ email: 'gone@example.com' }), T0)).subscriber;
    await store.unsubscribe(gone.id, T0);
    await store.add(subscriber({ email: 'known@example.com', name: 'Known' }), T0);

    const result = await store.importMany(
      [
        subscriber({ email: 'c@example.com' }),
        subscriber({ email: 'gone@example.com' }),
        subscriber({ email: 'a@example.com', categories: ['news'] }),
        subscriber({ email: 'known@example.com', name: 'Renamed' }),
        subscriber({ email: 'b@example.com', name: 'Bee' }),
      ],
      T1,
    );
    expect(result).toEqual({ added: 3, addedEmails: ['c@example.com', 'a@example.com', 'b@example.com'], existing: 2 });
    expect((await store.findByEmail('gone@example.com'))?.status).toBe('unsubscribed');
    expect((await store.findByEmail('known@example.com'))?.name).toBe('Known');
    expect(await store.findByEmail('a@example.com')).toMatchObject({ categories: ['news'], createdAt: T1, status: 'active' });
    expect(await store.counts()).toEqual({ pending: 0, active: 4, unsubscribed: 1, bounced: 0 });
  });

  it('imports in one transaction: a failing row leaves none of the batch behind', async () => {
    const store = open(':memory:');
    const bad = { email: 'bad@example.com', status: 'confused' } as unknown as NewSubscriber; // violates the CHECK constraint
    await expect(store.importMany([subscriber({ email: 'first@example.com' }), bad], T0)).rejects.toThrow();
    expect(await store.list()).toEqual([]);
  });

  it('imports the same rows twice without adding anything the second time', async () => {
    const store = open(':memory:');
    const rows = [subscriber({ email: 'a@example.com' }), subscriber({ email: 'b@example.com', status: 'pending' })];
    expect(await store.importMany(rows, T0)).toMatchObject({ added: 2, existing: 0 });
    expect(await store.importMany(rows, T1)).toEqual({ added: 0, addedEmails: [], existing: 2 });
    expect(await store.list()).toHaveLength(2);
  });
});

describe('status changes', () => {
  it('activates only a pending subscriber, once, recording the confirmation time', async () => {
    const store = open(':memory:');
    const ids = await seeded(store);
    expect(await store.activate(ids.pending, T1)).toBe(true);
    expect(await store.get(ids.pending)).toMatchObject({ status: 'active', confirmedAt: T1, updatedAt: T1 });
    expect(await store.activate(ids.pending, T2)).toBe(false);
    expect(await store.get(ids.pending)).toMatchObject({ confirmedAt: T1, updatedAt: T1 });

    // A confirmation link must not bring back someone who left or bounced.
    expect(await store.activate(ids.unsubscribed, T1)).toBe(false);
    expect(await store.activate(ids.bounced, T1)).toBe(false);
    expect(await store.activate(ids.active, T1)).toBe(false);
    expect((await store.get(ids.unsubscribed))?.status).toBe('unsubscribed');
    expect((await store.get(ids.bounced))?.status).toBe('bounced');
    expect((await store.get(ids.active))?.confirmedAt).toEqual(T0);
  });

  it('unsubscribes by keeping the row, with the time; a second unsubscribe changes nothing', async () => {
    const store = open(':memory:');
    const id = (await store.add(subscriber({ name: 'Ada', categories: ['tech'] }), T0)).subscriber.id;
    expect(await store.unsubscribe(id, T1)).toBe(true);
    expect(await store.get(id)).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada',
      categories: ['tech'],
      status: 'unsubscribed',
      unsubscribedAt: T1,
      updatedAt: T1,
      confirmedAt: T0,
    });
    expect(await store.unsubscribe(id, T2)).toBe(false);
    expect(await store.get(id)).toMatchObject({ unsubscribedAt: T1, updatedAt: T1 });
    expect((await store.list({ status: 'unsubscribed' })).map((s) => s.id)).toEqual([id]);
  });

  it('unsubscribes a pending subscriber too', async () => {
    const store = open(':memory:');
    const id = (await store.add(subscriber({ status: 'pending' }), T0)).subscriber.id;
    expect(await store.unsubscribe(id, T1)).toBe(true);
    expect((await store.get(id))?.status).toBe('unsubscribed');
  });

  it('marks a subscriber bounced once, with the time; unsubscribed ones stay unsubscribed', async () => {
    const store = open(':memory:');
    const ids = await seeded(store);
    expect(await store.markBounced(ids.active, T1, '550 5.1.1 user unknown')).toBe(true);
    expect(await store.get(ids.active)).toMatchObject({ status: 'bounced', bouncedAt: T1, updatedAt: T1 });
    expect(await store.markBounced(ids.active, T2, 'again')).toBe(false);
    expect((await store.get(ids.active))?.bouncedAt).toEqual(T1);
    expect(await store.markBounced(ids.unsubscribed, T1, 'late bounce')).toBe(false);
    expect((await store.get(ids.unsubscribed))?.status).toBe('unsubscribed');
    expect(await store.unsubscribe(ids.bounced, T1)).toBe(false);
  });

  it('sets categories (sorted slugs as given) and moves updatedAt', async () => {
    const store = open(':memory:');
    const id = (await store.add(subscriber({ categories: ['tech'] }), T0)).subscriber.id;
    await store.setCategories(id, ['news', 'science'], T1);
    expect(await store.get(id)).toMatchObject({ categories: ['news', 'science'], updatedAt: T1 });
    await store.setCategories(id, [], T2);
    expect(await store.get(id)).toMatchObject({ categories: [], updatedAt: T2 });
  });

  it('leaves one subscriber_events row per change, none for no-ops', async () => {
    const { store, raw } = await fileStore();
    const active = (await store.add(subscriber({ email: 'a@example.com' }), T0)).subscriber.id;
    const pending = (await store.add(subscriber({ email: 'p@example.com', status: 'pending' }), T0)).subscriber.id;
    await store.add(subscriber({ email: 'a@example.com' }), T1); // existing: no event
    await store.activate(pending, T1);
    await store.activate(pending, T2); // no-op
    await store.setCategories(active, ['news', 'tech'], T1);
    await store.unsubscribe(active, T2);
    await store.unsubscribe(active, T3); // no-op
    await store.markBounced(pending, T3, '550 mailbox unavailable');
    await store.markBounced(pending, T3, 'again'); // no-op

    expect(eventsOf(raw, active)).toEqual([
      { subscriber_id: active, event: 'added', detail: null, at: T0.toISOString() },
      { subscriber_id: active, event: 'categories', detail: JSON.stringify(['news', 'tech']), at: T1.toISOString() },
      { subscriber_id: active, event: 'unsubscribed', detail: null, at: T2.toISOString() },
    ]);
    expect(eventsOf(raw, pending)).toEqual([
      { subscriber_id: pending, event: 'pending', detail: null, at: T0.toISOString() },
      { subscriber_id: pending, event: 'confirmed', detail: null, at: T1.toISOString() },
      { subscriber_id: pending, event: 'bounced', detail: '550 mailbox unavailable', at: T3.toISOString() },
    ]);
  });

  it('logs an event for each row an import adds, and none for rows it leaves alone', async () => {
    const { store, raw } = await fileStore();
    await store.add(subscriber({ email: 'known@example.com' }), T0);
    await store.importMany([subscriber({ email: 'known@example.com' }), subscriber({ email: 'new@example.com', status: 'pending' })], T1);
    const rows = raw
      .prepare<[], { email: string; event: string; at: string }>(
        'SELECT s.email, e.event, e.at FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id ORDER BY e.id',
      )
      .all();
    expect(rows).toEqual([
      { email: 'known@example.com', event: 'added', at: T0.toISOString() },
      { email: 'new@example.com', event: 'pending', at: T1.toISOString() },
    ]);
  });

  it('counts subscribers by status, with zero for the empty ones', async () => {
    const store = open(':memory:');
    expect(await store.counts()).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
    await seeded(store);
    expect(await store.counts()).toEqual({ pending: 1, active: 2, unsubscribed: 1, bounced: 1 });
  });

  it('lists every subscriber by id, or those of one status', async () => {
    const store = open(':memory:');
    const ids = await seeded(store);
    expect((await store.list()).map((s) => s.id)).toEqual(Object.values(ids).sort((a, b) => a - b));
    expect((await store.list({ status: 'active' })).map((s) => s.email)).toEqual(['active@example.com', 'active2@example.com']);
    expect(await store.list({ status: undefined })).toHaveLength(5);
    expect((await store.list({ status: 'bounced' })).map((s) => s.id)).toEqual([ids.bounced]);
  });
});

describe('campaigns and deliveries', () => {
  const window = { since: at('00:00:00'), until: at('08:00:00') };

  it('creates a campaign that queues one delivery per active subscriber only', async () => {
    const store = open(':memory:');
    const ids = await seeded(store);
    const campaign = await store.createCampaign(window, T1);
    expect(campaign).toEqual({ id: expect.any(Number), since: window.since, until: window.until, status: 'sending', createdAt: T1, finishedAt: null });
    const pending = await store.pendingDeliveries(campaign.id, 0, 100);
    expect(pending.map((d) => d.subscriberId)).toEqual([ids.active, ids.active2]);
    expect(pending[0]).toEqual({
      campaignId: campaign.id,
      subscriberId: ids.active,
      status: 'queued',
      messageId: null,
      response: null,
      reason: null,
      attempts: 0,
    });
    expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 2, sending: 0, submitted: 0, failed: 0, skipped: 0 });
  });

  it('pages pending deliveries by subscriber id', async () => {
    const store = open(':memory:');
    const emails = Array.from({ length: 7 }, (_, i) => `s${i}@example.com`);
    await store.importMany(
      emails.map((email) => subscriber({ email })),
      T0,
    );
    const campaign = await store.createCampaign(window, T1);
    const pages: number[][] = [];
    let after = 0;
    for (;;) {
      const page = await store.pendingDeliveries(campaign.id, after, 3);
      if (page.length === 0) break;
      pages.push(page.map((d) => d.subscriberId));
      after = page[page.length - 1]!.subscriberId;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual((await store.list()).map((s) => s.id));
  });

  it('puts a delivery an interrupted run left "sending" back in the queue for the next run, with its Message-ID and attempt count', async () => {
    const store = open(':memory:');
    const { active, active2 } = await seeded(store);
    const campaign = await store.createCampaign(window, T1);
    expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T1)).toBe(true);
    expect((await store.pendingDeliveries(campaign.id, 0, 10)).map((d) => d.subscriberId)).toEqual([active2]);
    expect(await store.campaignCounts(campaign.id)).toMatchObject({ queued: 1, sending: 1 });
    // The run that holds it does not recover its own rows; the next run does.
    expect(await store.recoverInFlight(campaign.id, 'run-1', T2)).toBe(0);
    expect(await store.recoverInFlight(campaign.id, 'run-2', T2)).toBe(1);
    const pending = await store.pendingDeliveries(campaign.id, 0, 10);
    expect(pending.map((d) => [d.subscriberId, d.status, d.messageId, d.attempts])).toEqual([
      [active, 'queued', '<m1@example.com>', 1],
      [active2, 'queued', null, 0],
    ]);
  });

  it('lets exactly one run claim a delivery; the holder may claim it again (a retry)', async () => {
    const store = open(':memory:');
    const { active } = await seeded(store);
    const campaign = await store.createCampaign(window, T1);
    expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T1)).toBe(true);
    expect(await store.claimDelivery(campaign.id, active, 'run-2', '<m1@example.com>', T1)).toBe(false);
    expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T2)).toBe(true);
    await store.markSubmitted(campaign.id, active, '250 OK', window.until, T2);
    expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T3)).toBe(false);
    expect((await store.pendingDeliveries(campaign.id, 0, 10)).find((d) => d.subscriberId === active)).toBeUndefined();
  });

  it('opens one campaign however often it is asked: the unfinished one is resumed, a second cannot exist', async () => {
    const store = open(':memory:');
    await seeded(store);
    const first = await store.openCampaign(window, T1);
    expect(first.resumed).toBe(false);
    const again = await store.openCampaign({ since: T0, until: T2 }, T2);
    expect(again).toEqual({ campaign: first.campaign, resumed: true });
    await expect(store.createCampaign(window, T2)).rejects.toThrow(/UNIQUE/);
    await store.finishCampaign(first.campaign.id, T2);
    expect((await store.openCampaign(window, T3)).resumed).toBe(false);
  });

  it('marks a delivery submitted and moves the subscriber watermark forward, never backwards', async () => {
    const store = open(':memory:');
    const { active } = await seeded(store);
    const first = await store.createCampaign(window, T1);
    await store.claimDelivery(first.id, active, 'run-1', '<m1@example.com>', T1);
    await store.markSubmitted(first.id, active, '250 2.0.0 OK queued', window.until, T1);
    expect((await store.get(active))?.lastDigestUntil).toEqual(window.until);
    expect((await store.pendingDeliveries(first.id, 0, 10)).map((d) => d.subscriberId)).not.toContain(active);
    expect(await store.campaignCounts(first.id)).toMatchObject({ submitted: 1, queued: 1 });

    // One unfinished campaign at a time: each is finished before the next.
    await store.finishCampaign(first.id, T2);
    const second = await store.createCampaign({ since: at('00:00:00'), until: at('06:00:00') }, T2);
    await store.markSubmitted(second.id, active, '250 OK', at('06:00:00'), T2);
    await store.finishCampaign(second.id, T3);
    expect((await store.get(active))?.lastDigestUntil).toEqual(window.until);

    const third = await store.createCampaign({ since: window.until, until: at('12:00:00') }, T3);
    await store.markSkipped(third.id, active, 'nothing new', at('12:00:00'), T3);
    expect((await store.get(active))?.lastDigestUntil).toEqual(at('12:00:00'));
    await store.markSkipped(third.id, active, 'nothing new', at('01:00:00'), T3);
    expect((await store.get(active))?.lastDigestUntil).toEqual(at('12:00:00'));
  });

  it('marks a delivery skipped without touching the watermark when none is given', async () => {
    const store = open(':memory:');
    const { active } = await seeded(store);
    const campaign = await store.createCampaign(window, T1);
    await store.markSkipped(campaign.id, active, 'unsubscribed meanwhile', undefined, T1);
    expect((await store.get(active))?.lastDigestUntil).toBeNull();
    expect(await store.campaignCounts(campaign.id)).toMatchObject({ skipped: 1, queued: 1 });
  });

  it('requeues only transient failures, and reopens a finished campaign for them', async () => {
    const store = open(':memory:');
    const emails = ['t@example.com', 'p@example.com', 'ok@example.com'];
    await store.importMany(
      emails.map((email) => subscriber({ email })),
      T0,
    );
    const [t, p, ok] = (await Promise.all(emails.map(async (e) => (await store.findByEmail(e))!.id))) as [number, number, number];
    const campaign = await store.createCampaign(window, T1);
    for (const id of [t, p, ok]) await store.claimDelivery(campaign.id, id, 'run-1', `<${id}@example.com>`, T1);
    await store.markFailed(campaign.id, t, '421 try again later', true, T1);
    await store.markFailed(campaign.id, p, '550 no such user', false, T1);
    await store.markSubmitted(campaign.id, ok, '250 OK', window.until, T1);
    await store.finishCampaign(campaign.id, T2);
    expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 0, sending: 0, submitted: 1, failed: 2, skipped: 0 });
    expect(await store.unfinishedCampaign()).toBeUndefined();
    expect(await store.pendingDeliveries(campaign.id, 0, 10)).toEqual([]);
    // A failed delivery does not move the watermark.
    expect((await store.get(t))?.lastDigestUntil).toBeNull();

    expect(await store.requeueFailed(campaign.id, T3)).toBe(1);
    const pending = await store.pendingDeliveries(campaign.id, 0, 10);
    expect(pending).toEqual([
      { campaignId: campaign.id, subscriberId: t, status: 'queued', messageId: `<${t}@example.com>`, response: null, reason: null, attempts: 1 },
    ]);
    expect(await store.unfinishedCampaign()).toMatchObject({ id: campaign.id, status: 'sending', finishedAt: null });
    expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 1, sending: 0, submitted: 1, failed: 1, skipped: 0 });

    // The requeued failure is no longer transient: a second requeue finds nothing.
    expect(await store.requeueFailed(campaign.id, T3)).toBe(0);
  });

  it('does not reopen a finished campaign that has only permanent failures', async () => {
    const store = open(':memory:');
    const { active, active2 } = await seeded(store);
    const campaign = await store.createCampaign(window, T1);
    await store.markFailed(campaign.id, active, '550 no such user', false, T1);
    await store.markSubmitted(campaign.id, active2, '250 OK', window.until, T1);
    await store.finishCampaign(campaign.id, T2);
    expect(await store.requeueFailed(campaign.id, T3)).toBe(0);
    expect(await store.latestCampaign()).toMatchObject({ id: campaign.id, status: 'done', finishedAt: T2 });
  });

  it('finishes a campaign with the time; unfinished/latest/list report campaigns newest first', async () => {
    const store = open(':memory:');
    const { active } = await seeded(store);
    expect(await store.unfinishedCampaign()).toBeUndefined();
    expect(await store.latestCampaign()).toBeUndefined();
    expect(await store.listCampaigns(10)).toEqual([]);

    const first = await store.createCampaign(window, T1);
    expect((await store.unfinishedCampaign())?.id).toBe(first.id);
    await store.markSubmitted(first.id, active, '250 OK', window.until, T1);
    await store.finishCampaign(first.id, T2);
    expect(await store.unfinishedCampaign()).toBeUndefined();
    expect(await store.latestCampaign()).toEqual({ ...first, status: 'done', finishedAt: T2 });

    const second = await store.createCampaign({ since: window.until, until: at('12:00:00') }, T3);
    expect((await store.unfinishedCampaign())?.id).toBe(second.id);
    expect((await store.latestCampaign())?.id).toBe(second.id);

    const listed = await store.listCampaigns(10);
    expect(listed.map((c) => [c.id, c.status])).toEqual([
      [second.id, 'sending'],
      [first.id, 'done'],
    ]);
    expect(listed[1]!.counts).toEqual({ queued: 1, sending: 0, submitted: 1, failed: 0, skipped: 0 });
    expect(listed[0]!.counts).toEqual({ queued: 2, sending: 0, submitted: 0, failed: 0, skipped: 0 });
    expect((await store.listCampaigns(1)).map((c) => c.id)).toEqual([second.id]);
  });

  it('queues nobody when there are no active subscribers, and counts zeros', async () => {
    const store = open(':memory:');
    await store.add(subscriber({ status: 'pending' }), T0);
    const campaign = await store.createCampaign(window, T1);
    expect(await store.pendingDeliveries(campaign.id, 0, 10)).toEqual([]);
    expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 0, sending: 0, submitted: 0, failed: 0, skipped: 0 });
  });
});

describe('two stores on one file (two processes)', () => {
  it("see each other's writes", async () => {
    const file = path.join(await tempDir('store'), 'broadsheet.db');
    const cli = open(file);
    const scheduler = open(file);

    const { subscriber: ada } = await cli.add(subscriber(), T0);
    expect((await scheduler.findByEmail('ada@example.com'))?.id).toBe(ada.id);

    expect(await scheduler.unsubscribe(ada.id, T1)).toBe(true);
    expect((await cli.get(ada.id))?.status).toBe('unsubscribed');
    // The second process's change is seen by the first: unsubscribing again is a no-op there.
    expect(await cli.unsubscribe(ada.id, T2)).toBe(false);

    await cli.importMany([subscriber({ email: 'b@example.com' }), subscriber({ email: 'c@example.com' })], T1);
    const campaign = await scheduler.createCampaign({ since: T0, until: T1 }, T2);
    expect((await cli.unfinishedCampaign())?.id).toBe(campaign.id);
    expect(await cli.pendingDeliveries(campaign.id, 0, 10)).toHaveLength(2);
    expect(await scheduler.counts()).toEqual({ pending: 0, active: 2, unsubscribed: 1, bounced: 0 });
  });

  it('a second store on the same file does not refuse or re-migrate it', async () => {
    const file = path.join(await tempDir('store'), 'broadsheet.db');
    const a = open(file);
    await a.add(subscriber(), T0);
    const b = open(file);
    expect(await b.list()).toHaveLength(1);
  });
});

describe('imported rows keep their dates', () => {
  it('stores the dates a row carries exactly, and fills in only the missing ones the status implies', async () => {
    const store = open(':memory:');
    const created = new Date('2025-01-02T03:04:05.678Z');
    await store.importMany(
      [
        subscriber({ email: 'a@example.com', createdAt: created, confirmedAt: at('01:00:00'), lastDigestUntil: at('02:00:00'), timezone: 'Asia/Tokyo' }),
        subscriber({ email: 'p@example.com', status: 'pending', createdAt: created, confirmedAt: at('01:00:00'), unsubscribedAt: at('01:30:00') }),
        subscriber({ email: 'u@example.com', status: 'unsubscribed' }),
        subscriber({ email: 'b@example.com', status: 'bounced', bouncedAt: at('03:00:00') }),
        subscriber({ email: 'n@example.com' }),
      ],
      T1,
    );
    expect(await store.findByEmail('a@example.com')).toMatchObject({
      status: 'active',
      createdAt: created,
      updatedAt: T1,
      confirmedAt: at('01:00:00'),
      lastDigestUntil: at('02:00:00'),
      timezone: 'Asia/Tokyo',
      unsubscribedAt: null,
    });
    // A pending row that had been confirmed and unsubscribed before (it signed up again) keeps that history.
    expect(await store.findByEmail('p@example.com')).toMatchObject({
      status: 'pending',
      createdAt: created,
      confirmedAt: at('01:00:00'),
      unsubscribedAt: at('01:30:00'),
    });
    expect(await store.findByEmail('u@example.com')).toMatchObject({ status: 'unsubscribed', createdAt: T1, confirmedAt: null, unsubscribedAt: T1 });
    expect(await store.findByEmail('b@example.com')).toMatchObject({ status: 'bounced', createdAt: T1, bouncedAt: at('03:00:00') });
    expect(await store.findByEmail('n@example.com')).toMatchObject({ status: 'active', createdAt: T1, confirmedAt: T1, lastDigestUntil: null });
  });

  it('records where an imported row came from as the detail of its first event', async () => {
    const store = open(':memory:');
    const { subscriber: s } = await store.add(subscriber({ status: 'unsubscribed', source: 'imported from a Buttondown export: complained' }), T0);
    expect(await store.eventsOf(s.id)).toEqual([{ event: 'imported unsubscribed', detail: 'imported from a Buttondown export: complained', at: T0 }]);
  });
});

describe('everything about one subscriber, and erasing it', () => {
  /** Two subscribers, each with events and a submitted delivery in one campaign. */
  async function history(store: SubscriberStore) {
    const ada = (await store.add(subscriber({ email: 'ada@example.com', categories: ['tech'] }), T0)).subscriber;
    const bob = (await store.add(subscriber({ email: 'bob@example.com' }), T0)).subscriber;
    await store.setCategories(ada.id, ['news'], T1);
    const campaign = await store.createCampaign({ since: T0, until: T1 }, T1);
    for (const s of [ada, bob]) {
      await store.claimDelivery(campaign.id, s.id, 'run-1', `<${s.id}@news.example.com>`, T2);
      await store.markSubmitted(campaign.id, s.id, `250 2.0.0 OK <${s.email}>`, T1, T2);
    }
    return { ada, bob, campaign };
  }

  it("lists a subscriber's events and deliveries, with each campaign's window", async () => {
    const store = open(':memory:');
    const { ada, campaign } = await history(store);
    expect(await store.eventsOf(ada.id)).toEqual([
      { event: 'added', detail: null, at: T0 },
      { event: 'categories', detail: '["news"]', at: T1 },
    ]);
    expect(await store.deliveriesOf(ada.id)).toEqual([
      {
        campaignId: campaign.id,
        subscriberId: ada.id,
        status: 'submitted',
        messageId: `<${ada.id}@news.example.com>`,
        response: '250 2.0.0 OK <ada@example.com>',
        reason: null,
        attempts: 1,
        campaignSince: T0,
        campaignUntil: T1,
        updatedAt: T2,
      },
    ]);
    expect(await store.eventsOf(999)).toEqual([]);
    expect(await store.deliveriesOf(999)).toEqual([]);
  });

  it('erases the row, its events and its deliveries, records the hash, and touches nobody else', async () => {
    const { store, raw } = await fileStore();
    const { ada, bob, campaign } = await history(store);
    expect(await store.hasSuppressions()).toBe(false);
    expect(await store.erase(ada.id, { hash: 'h-ada', reason: 'deleted on request' }, T3)).toEqual({ events: 2, deliveries: 1 });

    expect(await store.get(ada.id)).toBeUndefined();
    expect(await store.findByEmail('ada@example.com')).toBeUndefined();
    expect(eventsOf(raw, ada.id)).toEqual([]);
    // Nothing left anywhere in the file that names or points at Ada.
    for (const table of ['subscribers', 'subscriber_events', 'deliveries']) {
      const rows = raw.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
      expect(JSON.stringify(rows), table).not.toContain('ada@example.com');
      expect(
        rows.filter((r) => r.subscriber_id === ada.id || (table === 'subscribers' && r.id === ada.id)),
        table,
      ).toEqual([]);
    }
    expect(await store.suppression('h-ada')).toEqual({ reason: 'deleted on request', createdAt: T3 });
    expect(await store.hasSuppressions()).toBe(true);

    expect(await store.get(bob.id)).toMatchObject({ email: 'bob@example.com', lastDigestUntil: T1 });
    expect(await store.eventsOf(bob.id)).toHaveLength(1);
    expect(await store.deliveriesOf(bob.id)).toHaveLength(1);
    expect(await store.campaignCounts(campaign.id)).toMatchObject({ submitted: 1 });
  });

  it('leaves no copy of an erased address in the database file or its write-ahead log, even while open', async () => {
    const { file, store } = await fileStore();
    const { ada } = await history(store);
    // Many rows, so Ada's are not the only thing on their pages.
    await store.importMany(
      Array.from({ length: 500 }, (_, i) => subscriber({ email: `reader${i}@example.com` })),
      T1,
    );
    await store.erase(ada.id, { hash: 'h-ada', reason: 'deleted on request' }, T3);
    for (const name of [file, `${file}-wal`]) {
      if (existsSync(name)) expect(readFileSync(name).includes('ada@example.com'), name).toBe(false);
    }
    expect(readFileSync(file).includes('reader499@example.com')).toBe(true);
  });

  it('keeps the first suppression entry when the same hash is suppressed again, and drops it on unsuppress', async () => {
    const store = open(':memory:');
    const first = (await store.add(subscriber(), T0)).subscriber;
    await store.erase(first.id, { hash: 'h', reason: 'deleted on request' }, T1);
    const again = (await store.add(subscriber(), T2)).subscriber;
    await store.erase(again.id, { hash: 'h', reason: 'deleted on request' }, T3);
    expect(await store.suppression('h')).toEqual({ reason: 'deleted on request', createdAt: T1 });
    expect(await store.unsuppress('h')).toBe(true);
    expect(await store.unsuppress('h')).toBe(false);
    expect(await store.suppression('h')).toBeUndefined();
    expect(await store.hasSuppressions()).toBe(false);
  });

  it('adds the suppression table to a database made before it existed, keeping its data', async () => {
    const file = path.join(await tempDir('store'), 'broadsheet.db');
    const old = openSqliteStore(file);
    await old.add(subscriber(), T0);
    await old.close();
    // What the schema looked like before the suppressions table (and the delivery claims and returned mail after it).
    const raw = new Database(file);
    const version = raw.pragma('user_version', { simple: true }) as number;
    raw.exec(
      `DROP TABLE returns; DROP INDEX deliveries_message_id; ALTER TABLE subscribers DROP COLUMN complained_at;
       DROP TABLE suppressions; DROP INDEX campaigns_one_unfinished; ALTER TABLE deliveries DROP COLUMN claimed_by;`,
    );
    raw.pragma(`user_version = ${version - 3}`);
    raw.close();

    const store = open(file);
    expect((await store.findByEmail('ada@example.com'))?.status).toBe('active');
    expect(await store.hasSuppressions()).toBe(false);
    const id = (await store.findByEmail('ada@example.com'))!.id;
    await store.erase(id, { hash: 'h', reason: 'deleted on request' }, T1);
    expect(await store.suppression('h')).toBeDefined();
    const check = new Database(file, { readonly: true });
    cleanups.push(() => check.close());
    expect(check.pragma('user_version', { simple: true })).toBe(version);
    expect((check.prepare('PRAGMA table_info(deliveries)').all() as Array<{ name: string }>).map((c) => c.name)).toContain('claimed_by');
    expect((check.prepare('PRAGMA table_info(subscribers)').all() as Array<{ name: string }>).map((c) => c.name)).toContain('complained_at');
    expect(await store.hasReturn('none yet')).toBe(false);
  });
});

describe('the database file', () => {
  it('is created readable by its owner only (0600), and SQLite gives its -wal and -shm files the same mode', async () => {
    const dir = await tempDir('mode');
    // The usual umask (022) would make a new file 0644: readable by every local user.
    const umask = process.umask(0o022);
    const file = path.join(dir, 'data', 'broadsheet.db');
    const store = openSqliteStore(file);
    cleanups.push(
      () => process.umask(umask),
      () => store.close(),
    );
    await store.add(subscriber(), T0);
    for (const name of [file, `${file}-wal`, `${file}-shm`]) expect((statSync(name).mode & 0o777).toString(8), name).toBe('600');
  });
});
