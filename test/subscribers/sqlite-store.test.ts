// What only the SQLite SubscriberStore has, against real database files in temp folders (and ':memory:'):
// its schema and migrations, two handles on one file, imported dates, erasing without a trace in the file
// or its log, and the file's mode. What every store does is in store-contract.ts (run on SQLite too).
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
    expect(await cli.claimDeliveries(campaign.id, 'run-1', 10, T2)).toHaveLength(2);
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

describe('erasing a subscriber, in the file', () => {
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
