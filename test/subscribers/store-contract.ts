// The store contract (issue 18): the behaviours every SubscriberStore must have, written once against the
// asynchronous interface and run against each backend. A backend hands storeContract a function that makes
// a fresh empty database and returns how to open a store on it; opening twice is two processes sharing it.
import { afterEach, describe, expect, it } from 'vitest';
import { subscriberPages } from '../../src/subscribers/pages.js';
import { SUBSCRIBER_FILTERS, type NewSubscriber, type ReturnRecord, type Subscriber, type SubscriberStore } from '../../src/subscribers/store.js';

/** Opens a store on one database; each call is another process's connection to it. */
export type OpenStore = () => Promise<SubscriberStore>;
/** Makes a fresh, empty database (not migrated yet) and returns its opener. */
export type FreshDatabase = () => Promise<OpenStore>;

const at = (t: string) => new Date(`2026-05-04T${t}Z`);
const T0 = at('08:00:00');
const T1 = at('09:00:00');
const T2 = at('10:00:00');
const T3 = at('11:00:00');
const DAY = 86_400_000;
const day = (n: number) => new Date(T0.getTime() + n * DAY);
const SOFT = (now: Date) => ({ limit: 3, since: new Date(now.getTime() - 30 * DAY) });

const subscriber = (o: Partial<NewSubscriber> = {}): NewSubscriber => ({ email: 'ada@example.com', status: 'active', ...o });

const returned = (o: Partial<ReturnRecord>): ReturnRecord => ({
  key: 'mailbox:abc:0',
  kind: 'hard-bounce',
  subscriberId: undefined,
  campaignId: undefined,
  status: '5.1.1',
  detail: '550 5.1.1 user unknown',
  source: 'mailbox',
  at: T0,
  ...o,
});

export function storeContract(name: string, freshDatabase: FreshDatabase): void {
  describe(`the store contract: ${name}`, () => {
    let opened: SubscriberStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
      opened = [];
    });
    const track = async (store: Promise<SubscriberStore>) => {
      const s = await store;
      opened.push(s);
      return s;
    };
    /** A store on a fresh database. */
    const fresh = async () => track((await freshDatabase())());
    /** Two stores on one fresh database: two processes. */
    const twoProcesses = async () => {
      const open = await freshDatabase();
      const a = await track(open());
      const b = await track(open());
      return { a, b, open };
    };

    /** One subscriber per status, added at T0; their ids. */
    async function seeded(store: SubscriberStore) {
      const add = async (o: Partial<NewSubscriber>) => (await store.add(subscriber(o), T0)).subscriber.id;
      const ids = {
        active: await add({ email: 'active@example.com' }),
        pending: await add({ email: 'pending@example.com', status: 'pending' }),
        unsubscribed: await add({ email: 'gone@example.com' }),
        bounced: await add({ email: 'bounced@example.com' }),
        active2: await add({ email: 'active2@example.com' }),
      };
      await store.unsubscribe(ids.unsubscribed, T0);
      await store.markBounced(ids.bounced, T0, '550 no such user');
      return ids;
    }

    describe('opening and migrations', () => {
      it('keeps the data when the database is opened again', async () => {
        const open = await freshDatabase();
        const first = await open();
        await first.add(subscriber({ name: 'Ada', categories: ['tech'] }), T0);
        await first.close();
        const second = await track(open());
        expect(await second.findByEmail('ada@example.com')).toMatchObject({ name: 'Ada', status: 'active', categories: ['tech'] });
        expect(await second.list()).toHaveLength(1);
      });

      it('migrates once when several processes open a new database at the same moment', async () => {
        const open = await freshDatabase();
        const stores = await Promise.all(Array.from({ length: 4 }, () => track(open())));
        await stores[0]!.add(subscriber(), T0);
        for (const s of stores) expect((await s.findByEmail('ada@example.com'))?.status).toBe('active');
      });
    });

    describe('adding subscribers', () => {
      it('creates a row with every field and the timestamps of an active subscriber', async () => {
        const store = await fresh();
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
        const store = await fresh();
        const { subscriber: s } = await store.add(subscriber({ status: 'pending' }), T0);
        expect(s).toMatchObject({ status: 'pending', confirmedAt: null, categories: [], name: null, timezone: null });
      });

      it('returns an existing address unchanged with created=false, whatever the new input says', async () => {
        const store = await fresh();
        const first = (await store.add(subscriber({ name: 'Ada', categories: ['tech'] }), T0)).subscriber;
        await store.unsubscribe(first.id, T1);
        const again = await store.add(subscriber({ name: 'Someone Else', categories: [], status: 'active' }), T2);
        expect(again.created).toBe(false);
        expect(again.subscriber).toMatchObject({ id: first.id, name: 'Ada', categories: ['tech'], status: 'unsubscribed', updatedAt: T1 });
        expect(await store.list()).toHaveLength(1);
      });

      it('adds one address once when two processes add it at the same moment', async () => {
        const { a, b } = await twoProcesses();
        const results = await Promise.all([a.add(subscriber(), T0), b.add(subscriber(), T0)]);
        expect(results.map((r) => r.created).sort()).toEqual([false, true]);
        expect(results[0].subscriber.id).toBe(results[1].subscriber.id);
        expect(await a.eventsOf(results[0].subscriber.id)).toHaveLength(1);
      });

      it('returns undefined for unknown ids and addresses', async () => {
        const store = await fresh();
        expect(await store.get(42)).toBeUndefined();
        expect(await store.findByEmail('nobody@example.com')).toBeUndefined();
      });

      it('imports many rows: new addresses in input order, existing ones counted and left alone', async () => {
        const store = await fresh();
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
        const store = await fresh();
        const bad = { email: 'bad@example.com', status: 'confused' } as unknown as NewSubscriber; // violates the CHECK constraint
        await expect(store.importMany([subscriber({ email: 'first@example.com' }), bad], T0)).rejects.toThrow();
        expect(await store.list()).toEqual([]);
      });

      it('imports thousands: progress every thousand rows and at the end, an address given twice added once, one event per row added', async () => {
        const store = await fresh();
        const rows = Array.from({ length: 2500 }, (_, i) => subscriber({ email: `r${i}@example.com` }));
        rows.splice(1500, 0, subscriber({ email: 'r3@example.com', name: 'again' }));
        const progress: Array<[number, number]> = [];
        const result = await store.importMany(rows, T0, (done, total) => progress.push([done, total]));
        expect(progress).toEqual([
          [1000, 2501],
          [2000, 2501],
          [2501, 2501],
        ]);
        expect(result.added).toBe(2500);
        expect(result.existing).toBe(1);
        expect(result.addedEmails).toEqual(Array.from({ length: 2500 }, (_, i) => `r${i}@example.com`));
        expect((await store.findByEmail('r3@example.com'))?.name).toBeNull();
        const last = (await store.findByEmail('r2499@example.com'))!;
        expect(await store.eventsOf(last.id)).toEqual([{ event: 'added', detail: null, at: T0 }]);
        expect(await store.importMany(rows, T1)).toEqual({ added: 0, addedEmails: [], existing: 2501 });
      });

      it('stores the dates an imported row carries exactly, and fills in only the missing ones the status implies', async () => {
        const store = await fresh();
        const created = new Date('2025-01-02T03:04:05.678Z');
        await store.importMany(
          [
            subscriber({ email: 'a@example.com', createdAt: created, confirmedAt: at('01:00:00'), lastDigestUntil: at('02:00:00'), timezone: 'Asia/Tokyo' }),
            subscriber({ email: 'p@example.com', status: 'pending', createdAt: created, confirmedAt: at('01:00:00'), unsubscribedAt: at('01:30:00') }),
            subscriber({ email: 'u@example.com', status: 'unsubscribed' }),
            subscriber({ email: 'b@example.com', status: 'bounced', bouncedAt: at('03:00:00') }),
            subscriber({ email: 'n@example.com', source: 'imported from a Buttondown export' }),
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
        const n = (await store.findByEmail('n@example.com'))!;
        expect(n).toMatchObject({ status: 'active', createdAt: T1, confirmedAt: T1, lastDigestUntil: null });
        expect(await store.eventsOf(n.id)).toEqual([{ event: 'added', detail: 'imported from a Buttondown export', at: T1 }]);
        const u = (await store.findByEmail('u@example.com'))!;
        expect((await store.eventsOf(u.id)).map((e) => e.event)).toEqual(['imported unsubscribed']);
      });

      it('records where an added row came from as the detail of its first event', async () => {
        const store = await fresh();
        const { subscriber: s } = await store.add(subscriber({ status: 'unsubscribed', source: 'imported from a Buttondown export: complained' }), T0);
        expect(await store.eventsOf(s.id)).toEqual([{ event: 'imported unsubscribed', detail: 'imported from a Buttondown export: complained', at: T0 }]);
      });
    });

    describe('status changes and their events', () => {
      it('activates only a pending subscriber, once; never someone who left or bounced', async () => {
        const store = await fresh();
        const ids = await seeded(store);
        expect(await store.activate(ids.pending, T1)).toBe(true);
        expect(await store.get(ids.pending)).toMatchObject({ status: 'active', confirmedAt: T1, updatedAt: T1 });
        expect(await store.activate(ids.pending, T2)).toBe(false);
        for (const id of [ids.unsubscribed, ids.bounced, ids.active]) expect(await store.activate(id, T1)).toBe(false);
        expect((await store.get(ids.unsubscribed))?.status).toBe('unsubscribed');
        expect((await store.get(ids.bounced))?.status).toBe('bounced');
      });

      it('unsubscribes, bounces and resubscribes by the rules; each no-op returns false', async () => {
        const store = await fresh();
        const ids = await seeded(store);
        expect(await store.unsubscribe(ids.active, T1)).toBe(true);
        expect(await store.get(ids.active)).toMatchObject({ status: 'unsubscribed', unsubscribedAt: T1, updatedAt: T1, confirmedAt: T0 });
        expect(await store.unsubscribe(ids.active, T2)).toBe(false);
        expect(await store.markBounced(ids.active2, T1, '550 5.1.1 user unknown')).toBe(true);
        expect(await store.get(ids.active2)).toMatchObject({ status: 'bounced', bouncedAt: T1 });
        expect(await store.markBounced(ids.active2, T2, 'again')).toBe(false);
        expect(await store.markBounced(ids.unsubscribed, T1, 'late bounce')).toBe(false);
        expect(await store.unsubscribe(ids.bounced, T1)).toBe(false);
        // An unsubscribed address signing up again goes back to pending; a bounced one does not.
        expect(await store.resubscribe(ids.unsubscribed, T2)).toBe(true);
        expect((await store.get(ids.unsubscribed))?.status).toBe('pending');
        expect(await store.resubscribe(ids.bounced, T2)).toBe(false);
      });

      it('changes a status once when two processes change it at the same moment', async () => {
        const { a, b } = await twoProcesses();
        const id = (await a.add(subscriber(), T0)).subscriber.id;
        const results = await Promise.all([a.unsubscribe(id, T1), b.unsubscribe(id, T1)]);
        expect(results.sort()).toEqual([false, true]);
        expect((await a.eventsOf(id)).map((e) => e.event)).toEqual(['added', 'unsubscribed']);
      });

      it('leaves one event per change, none for no-ops, oldest first', async () => {
        const store = await fresh();
        const active = (await store.add(subscriber({ email: 'a@example.com' }), T0)).subscriber.id;
        const pending = (await store.add(subscriber({ email: 'p@example.com', status: 'pending' }), T0)).subscriber.id;
        await store.add(subscriber({ email: 'a@example.com' }), T1); // existing: no event
        await store.activate(pending, T1);
        await store.activate(pending, T2); // no-op
        await store.setCategories(active, ['news', 'tech'], T1);
        await store.unsubscribe(active, T2);
        await store.unsubscribe(active, T3); // no-op
        await store.markBounced(pending, T3, '550 mailbox unavailable');
        await store.addEvent(pending, 'confirmation sent', null, T3);
        expect(await store.eventsOf(active)).toEqual([
          { event: 'added', detail: null, at: T0 },
          { event: 'categories', detail: JSON.stringify(['news', 'tech']), at: T1 },
          { event: 'unsubscribed', detail: null, at: T2 },
        ]);
        expect(await store.eventsOf(pending)).toEqual([
          { event: 'pending', detail: null, at: T0 },
          { event: 'confirmed', detail: null, at: T1 },
          { event: 'bounced', detail: '550 mailbox unavailable', at: T3 },
          { event: 'confirmation sent', detail: null, at: T3 },
        ]);
        expect(await store.get(active)).toMatchObject({ categories: ['news', 'tech'], updatedAt: T2 });
      });

      it('sets categories (sorted slugs as given) and moves updatedAt', async () => {
        const store = await fresh();
        const id = (await store.add(subscriber({ categories: ['tech'] }), T0)).subscriber.id;
        await store.setCategories(id, ['news', 'science'], T1);
        expect(await store.get(id)).toMatchObject({ categories: ['news', 'science'], updatedAt: T1 });
        await store.setCategories(id, [], T2);
        expect(await store.get(id)).toMatchObject({ categories: [], updatedAt: T2 });
      });

      it('reactivates subscribers bounced since a time, each with an event; earlier bounces stay', async () => {
        const store = await fresh();
        const ids = await seeded(store); // bounced at T0
        await store.markBounced(ids.active, T2, '421 sender blocked');
        await store.markBounced(ids.active2, T3, '421 sender blocked');
        expect(await store.reactivateBounced(T1, T3, 'our relay was blocked')).toEqual(['active@example.com', 'active2@example.com']);
        expect(await store.get(ids.active)).toMatchObject({ status: 'active', bouncedAt: null, updatedAt: T3 });
        expect((await store.eventsOf(ids.active)).at(-1)).toEqual({ event: 'reactivated', detail: 'our relay was blocked', at: T3 });
        expect((await store.get(ids.bounced))?.status).toBe('bounced');
      });

      it('counts by status with zeros, and lists all, one status, or the complained', async () => {
        const store = await fresh();
        expect(await store.counts()).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
        const ids = await seeded(store);
        expect(await store.counts()).toEqual({ pending: 1, active: 2, unsubscribed: 1, bounced: 1 });
        expect((await store.list()).map((s) => s.id)).toEqual(Object.values(ids).sort((x, y) => x - y));
        expect((await store.list({ status: 'active' })).map((s) => s.email)).toEqual(['active@example.com', 'active2@example.com']);
        expect(await store.list({ status: undefined })).toHaveLength(5);
        expect(await store.list({ status: 'complained' })).toEqual([]);
      });

      /** 30 subscribers of every status, two of them complained and one erased (a gap in the ids). */
      async function mixedList(store: SubscriberStore) {
        const statuses = ['active', 'pending', 'unsubscribed', 'bounced', 'active'] as const;
        await store.importMany(
          Array.from({ length: 30 }, (_, i) =>
            subscriber({ email: `p${i}@example.com`, status: statuses[i % 5]!, name: `P ${i}`, categories: i % 4 ? [] : ['news'] }),
          ),
          T0,
        );
        const id = async (i: number) => (await store.findByEmail(`p${i}@example.com`))!.id;
        await store.recordReturn(returned({ key: 'k1', kind: 'complaint', subscriberId: await id(4) }), SOFT(T1));
        await store.recordReturn(returned({ key: 'k2', kind: 'complaint', subscriberId: await id(12) }), SOFT(T1));
        await store.erase(await id(9), { hash: 'h9', reason: 'deleted on request' }, T1);
      }

      it('pages through every filter by id: the pages put together are list(), in order, whatever the page size', async () => {
        const store = await fresh();
        await mixedList(store);
        for (const status of [undefined, ...SUBSCRIBER_FILTERS]) {
          const whole = await store.list({ status });
          expect(await store.count(status ?? 'active')).toBe(status ? whole.length : (await store.list({ status: 'active' })).length);
          for (const limit of [1, 3, 7, 100]) {
            const pages: Subscriber[][] = [];
            for await (const page of subscriberPages(store, status, limit)) pages.push(page);
            expect(pages.flat(), `${status ?? 'all'} by ${limit}`).toEqual(whole);
            expect(pages.every((page) => page.length <= limit)).toBe(true);
            expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
          }
        }
        expect(await store.count('complained')).toBe(2);
        expect(await store.count('active')).toBe(10); // 12 imported active, one complained, one erased
      });

      it('returns the subscribers after an id (present or not), at most limit, and none past the end', async () => {
        const store = await fresh();
        await mixedList(store);
        const all = await store.list();
        const gap = (await store.findByEmail('p8@example.com'))!.id + 1; // p9's id: erased
        expect(all.some((s) => s.id === gap)).toBe(false);
        const page = await store.listPage({ afterId: gap, limit: 4 });
        expect(page).toEqual(all.filter((s) => s.id > gap).slice(0, 4));
        expect(await store.listPage({ status: 'pending', afterId: 0, limit: 2 })).toEqual((await store.list({ status: 'pending' })).slice(0, 2));
        expect(await store.listPage({ afterId: all.at(-1)!.id, limit: 10 })).toEqual([]);
        expect(await store.listPage({ status: 'complained', afterId: 0, limit: 10 })).toEqual(await store.list({ status: 'complained' }));
      });

      it('sees, later in a pass, a subscriber added during it', async () => {
        const store = await fresh();
        await mixedList(store);
        const seen: string[] = [];
        let added = false;
        for await (const page of subscriberPages(store, 'active', 5)) {
          seen.push(...page.map((s) => s.email));
          if (!added) {
            added = true;
            await store.add(subscriber({ email: 'late@example.com' }), T2);
          }
        }
        expect(seen).toEqual((await store.list({ status: 'active' })).map((s) => s.email));
        expect(seen.at(-1)).toBe('late@example.com');
      });
    });

    describe('campaigns and deliveries', () => {
      const window = { since: at('00:00:00'), until: at('08:00:00') };

      it('creates a campaign that queues one delivery per active subscriber (or those listed) only', async () => {
        const store = await fresh();
        const ids = await seeded(store);
        const campaign = await store.createCampaign(window, T1);
        expect(campaign).toEqual({ id: expect.any(Number), since: window.since, until: window.until, status: 'sending', createdAt: T1, finishedAt: null });
        expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 2, sending: 0, submitted: 0, failed: 0, skipped: 0 });
        const claimed = await store.claimDeliveries(campaign.id, 'run-1', 100, T1);
        expect(claimed.map((d) => d.subscriberId)).toEqual([ids.active, ids.active2]);
        expect(claimed[0]).toEqual({
          campaignId: campaign.id,
          subscriberId: ids.active,
          status: 'sending',
          messageId: null,
          response: null,
          reason: null,
          attempts: 0,
        });
        expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 0, sending: 2, submitted: 0, failed: 0, skipped: 0 });
        await store.finishCampaign(campaign.id, T2);
        const some = await store.createCampaign(window, T2, [ids.active2, ids.pending]);
        expect((await store.claimDeliveries(some.id, 'run-2', 100, T2)).map((d) => d.subscriberId)).toEqual([ids.active2]);
      });

      it('queues nobody when there are no active subscribers, and counts zeros', async () => {
        const store = await fresh();
        await store.add(subscriber({ status: 'pending' }), T0);
        const campaign = await store.createCampaign(window, T1);
        expect(await store.claimDeliveries(campaign.id, 'run-1', 10, T1)).toEqual([]);
        expect(await store.campaignCounts(campaign.id)).toEqual({ queued: 0, sending: 0, submitted: 0, failed: 0, skipped: 0 });
      });

      it('claims queued deliveries in batches, lowest subscriber ids first, each once', async () => {
        const store = await fresh();
        await store.importMany(
          Array.from({ length: 7 }, (_, i) => subscriber({ email: `s${i}@example.com` })),
          T0,
        );
        const campaign = await store.createCampaign(window, T1);
        const batches: number[][] = [];
        for (let run = 1; ; run++) {
          const batch = await store.claimDeliveries(campaign.id, `run-${run % 2}`, 3, T1);
          if (batch.length === 0) break;
          batches.push(batch.map((d) => d.subscriberId));
        }
        expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
        expect(batches.flat()).toEqual((await store.list()).map((s) => s.id));
        expect(await store.runsInFlight(campaign.id)).toEqual(
          expect.arrayContaining([
            { runId: 'run-1', deliveries: 4 },
            { runId: 'run-0', deliveries: 3 },
          ]),
        );
      });

      it('gives each queued delivery to exactly one of several processes claiming batches at the same moment', async () => {
        const { a, b, open } = await twoProcesses();
        const c = await track(open());
        await a.importMany(
          Array.from({ length: 60 }, (_, i) => subscriber({ email: `s${i}@example.com` })),
          T0,
        );
        const campaign = await a.createCampaign(window, T1);
        const drain = async (store: SubscriberStore, run: string) => {
          const mine: number[] = [];
          for (;;) {
            const batch = await store.claimDeliveries(campaign.id, run, 4, T1);
            if (batch.length === 0) return mine;
            mine.push(...batch.map((d) => d.subscriberId));
          }
        };
        const taken = await Promise.all([drain(a, 'run-a'), drain(b, 'run-b'), drain(c, 'run-c')]);
        const all = taken.flat().sort((x, y) => x - y);
        expect(all).toEqual((await a.list()).map((s) => s.id));
        expect(new Set(all).size).toBe(60);
        expect(await a.campaignCounts(campaign.id)).toMatchObject({ queued: 0, sending: 60 });
        const held = Object.fromEntries((await a.runsInFlight(campaign.id)).map((r) => [r.runId, r.deliveries]));
        expect(held).toEqual({ 'run-a': taken[0]!.length, 'run-b': taken[1]!.length, 'run-c': taken[2]!.length });
      });

      it('lets exactly one run claim a delivery; the holder may claim it again (a retry)', async () => {
        const store = await fresh();
        const { active } = await seeded(store);
        const campaign = await store.createCampaign(window, T1);
        expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T1)).toBe(true);
        expect(await store.claimDelivery(campaign.id, active, 'run-2', '<m1@example.com>', T1)).toBe(false);
        expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T2)).toBe(true);
        await store.markSubmitted(campaign.id, active, '250 OK', window.until, T2);
        expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T3)).toBe(false);
        // Settled: no claim takes it again, in a batch or alone.
        expect((await store.claimDeliveries(campaign.id, 'run-3', 10, T3)).map((d) => d.subscriberId)).not.toContain(active);
      });

      it('gives each delivery to exactly one of two processes claiming all of them at the same moment', async () => {
        const { a, b } = await twoProcesses();
        await a.importMany(
          Array.from({ length: 40 }, (_, i) => subscriber({ email: `s${i}@example.com` })),
          T0,
        );
        const campaign = await a.createCampaign(window, T1);
        const ids = (await a.list()).map((s) => s.id);
        const claims = await Promise.all(
          ids.map(async (id) => {
            const [byA, byB] = await Promise.all([
              a.claimDelivery(campaign.id, id, 'run-a', `<${id}@example.com>`, T1),
              b.claimDelivery(campaign.id, id, 'run-b', `<${id}@example.com>`, T1),
            ]);
            return Number(byA) + Number(byB);
          }),
        );
        expect(claims).toEqual(ids.map(() => 1));
        expect(await a.campaignCounts(campaign.id)).toMatchObject({ queued: 0, sending: 40 });
        for (const d of await a.deliveriesOf(ids[0]!)) expect(d.attempts).toBe(1);
      });

      it("puts one run's 'sending' deliveries back in the queue, with their Message-ID and attempt count, and no other run's", async () => {
        const store = await fresh();
        const { active, active2 } = await seeded(store);
        const campaign = await store.createCampaign(window, T1);
        expect(await store.claimDeliveries(campaign.id, 'run-1', 1, T1)).toHaveLength(1);
        expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T1)).toBe(true);
        expect(await store.claimDeliveries(campaign.id, 'run-2', 1, T1)).toHaveLength(1);
        expect(await store.runsInFlight(campaign.id)).toEqual(
          expect.arrayContaining([
            { runId: 'run-1', deliveries: 1 },
            { runId: 'run-2', deliveries: 1 },
          ]),
        );
        expect(await store.releaseRun(campaign.id, 'run-3', T2)).toBe(0);
        expect(await store.releaseRun(campaign.id, 'run-1', T2)).toBe(1);
        expect(await store.runsInFlight(campaign.id)).toEqual([{ runId: 'run-2', deliveries: 1 }]);
        expect(await store.campaignCounts(campaign.id)).toMatchObject({ queued: 1, sending: 1 });
        // The next run claims it again, and sends it with the same Message-ID.
        expect((await store.claimDeliveries(campaign.id, 'run-3', 10, T2)).map((d) => [d.subscriberId, d.status, d.messageId, d.attempts])).toEqual([
          [active, 'sending', '<m1@example.com>', 1],
        ]);
        expect(await store.claimDelivery(campaign.id, active, 'run-3', '<m1@example.com>', T2)).toBe(true);
        expect((await store.deliveriesOf(active))[0]).toMatchObject({ status: 'sending', messageId: '<m1@example.com>', attempts: 2 });
        // A run that lost its rows cannot claim one another run holds now.
        expect(await store.claimDelivery(campaign.id, active, 'run-1', '<m1@example.com>', T2)).toBe(false);
        expect((await store.deliveriesOf(active2))[0]).toMatchObject({ status: 'sending', attempts: 0 });
      });

      it('opens one campaign however often it is asked: the unfinished one is resumed, a second cannot exist', async () => {
        const store = await fresh();
        await seeded(store);
        const first = await store.openCampaign(window, T1);
        expect(first.resumed).toBe(false);
        expect(await store.openCampaign({ since: T0, until: T2 }, T2)).toEqual({ campaign: first.campaign, resumed: true });
        await expect(store.createCampaign(window, T2)).rejects.toThrow(/unique/i);
        await store.finishCampaign(first.campaign.id, T2);
        expect((await store.openCampaign(window, T3)).resumed).toBe(false);
      });

      it('ends in one campaign when several processes open one at the same moment', async () => {
        const { a, b, open } = await twoProcesses();
        const c = await track(open());
        await seeded(a);
        const results = await Promise.all([a, b, c, a, b, c].map((s) => s.openCampaign(window, T1)));
        expect(results.filter((r) => !r.resumed)).toHaveLength(1);
        expect(new Set(results.map((r) => r.campaign.id)).size).toBe(1);
        expect(await a.listCampaigns(10)).toHaveLength(1);
        expect(await a.campaignCounts(results[0]!.campaign.id)).toMatchObject({ queued: 2 });
      });

      it('marks deliveries submitted, failed or skipped; the watermark moves forward only, and only on submitted or a given one', async () => {
        const store = await fresh();
        const { active, active2 } = await seeded(store);
        const first = await store.createCampaign(window, T1);
        await store.claimDelivery(first.id, active, 'run-1', '<m1@example.com>', T1);
        await store.markSubmitted(first.id, active, '250 2.0.0 OK queued', window.until, T1);
        expect((await store.get(active))?.lastDigestUntil).toEqual(window.until);
        await store.markFailed(first.id, active2, '550 no such user', false, T1);
        expect(await store.get(active2)).toMatchObject({ lastDigestUntil: null, lastFailedAt: T1 });
        await store.finishCampaign(first.id, T2);

        const second = await store.createCampaign({ since: at('00:00:00'), until: at('06:00:00') }, T2);
        await store.markSubmitted(second.id, active, '250 OK', at('06:00:00'), T2);
        expect((await store.get(active))?.lastDigestUntil).toEqual(window.until);
        await store.markSkipped(second.id, active2, 'unsubscribed meanwhile', undefined, T2);
        expect((await store.get(active2))?.lastDigestUntil).toBeNull();
        await store.markSkipped(second.id, active2, 'nothing new', at('12:00:00'), T2);
        expect((await store.get(active2))?.lastDigestUntil).toEqual(at('12:00:00'));
        expect(await store.campaignCounts(second.id)).toMatchObject({ submitted: 1, skipped: 1 });
      });

      it('requeues only transient failures, and reopens a finished campaign for them', async () => {
        const store = await fresh();
        const emails = ['t@example.com', 'p@example.com', 'ok@example.com'];
        await store.importMany(
          emails.map((email) => subscriber({ email })),
          T0,
        );
        const [t, p, ok] = (await Promise.all(emails.map((e) => store.findByEmail(e)))).map((s) => s!.id) as [number, number, number];
        const campaign = await store.createCampaign(window, T1);
        for (const id of [t, p, ok]) await store.claimDelivery(campaign.id, id, 'run-1', `<${id}@example.com>`, T1);
        await store.markFailed(campaign.id, t, '421 try again later', true, T1);
        await store.markFailed(campaign.id, p, '550 no such user', false, T1);
        await store.markSubmitted(campaign.id, ok, '250 OK', window.until, T1);
        await store.finishCampaign(campaign.id, T2);
        expect(await store.unfinishedCampaign()).toBeUndefined();
        expect(await store.requeueFailed(campaign.id, T3)).toBe(1);
        expect(await store.campaignCounts(campaign.id)).toMatchObject({ queued: 1, failed: 1, submitted: 1 });
        expect(await store.claimDeliveries(campaign.id, 'run-2', 10, T3)).toEqual([
          { campaignId: campaign.id, subscriberId: t, status: 'sending', messageId: `<${t}@example.com>`, response: null, reason: null, attempts: 1 },
        ]);
        expect(await store.unfinishedCampaign()).toMatchObject({ id: campaign.id, status: 'sending', finishedAt: null });
        expect(await store.requeueFailed(campaign.id, T3)).toBe(0);
      });

      it('does not reopen a finished campaign that has only permanent failures', async () => {
        const store = await fresh();
        const { active, active2 } = await seeded(store);
        const campaign = await store.createCampaign(window, T1);
        await store.markFailed(campaign.id, active, '550 no such user', false, T1);
        await store.markSubmitted(campaign.id, active2, '250 OK', window.until, T1);
        await store.finishCampaign(campaign.id, T2);
        expect(await store.requeueFailed(campaign.id, T3)).toBe(0);
        expect(await store.latestCampaign()).toMatchObject({ id: campaign.id, status: 'done', finishedAt: T2 });
      });

      it('finishes a campaign with the time; unfinished/latest/list report campaigns newest first with their counts', async () => {
        const store = await fresh();
        const { active } = await seeded(store);
        expect(await store.latestCampaign()).toBeUndefined();
        expect(await store.listCampaigns(10)).toEqual([]);
        const first = await store.createCampaign(window, T1);
        await store.markSubmitted(first.id, active, '250 OK', window.until, T1);
        await store.finishCampaign(first.id, T2);
        expect(await store.latestCampaign()).toEqual({ ...first, status: 'done', finishedAt: T2 });
        const second = await store.createCampaign({ since: window.until, until: at('12:00:00') }, T3);
        expect((await store.unfinishedCampaign())?.id).toBe(second.id);
        const listed = await store.listCampaigns(10);
        expect(listed.map((c) => [c.id, c.status])).toEqual([
          [second.id, 'sending'],
          [first.id, 'done'],
        ]);
        expect(listed[1]!.counts).toEqual({ queued: 1, sending: 0, submitted: 1, failed: 0, skipped: 0 });
        expect(listed[0]!.counts).toEqual({ queued: 2, sending: 0, submitted: 0, failed: 0, skipped: 0 });
        expect((await store.listCampaigns(1)).map((c) => c.id)).toEqual([second.id]);
      });
    });

    describe('leases and meta', () => {
      const TTL = 30_000;
      const later = (ms: number) => new Date(T0.getTime() + ms);

      it('is held by one process at a time; the holder renews it; it passes on once expired, and not back', async () => {
        const { a, b } = await twoProcesses();
        expect(await a.acquireLease('digest', 'A', T0, TTL)).toBe(true);
        expect(await b.acquireLease('digest', 'B', later(1), TTL)).toBe(false);
        expect(await a.acquireLease('digest', 'A', later(20_000), TTL)).toBe(true);
        expect(await b.leaseHolder('digest')).toEqual({ holder: 'A', expiresAt: later(50_000) });
        expect(await b.acquireLease('digest', 'B', later(49_999), TTL)).toBe(false);
        expect(await b.acquireLease('rebuild', 'B', later(1), TTL)).toBe(true);
        expect(await b.acquireLease('digest', 'B', later(50_000), TTL)).toBe(true);
        expect(await a.acquireLease('digest', 'A', later(50_001), TTL)).toBe(false);
        expect(await a.leaseHolder('nothing')).toBeUndefined();
      });

      it('is freed by its holder only, and taken over only from the holder named', async () => {
        const { a, b } = await twoProcesses();
        expect(await a.acquireLease('digest', 'A', T0, TTL)).toBe(true);
        await b.releaseLease('digest', 'B'); // not B's to give up
        expect(await b.acquireLease('digest', 'B', later(1), TTL)).toBe(false);
        expect(await b.takeOverLease('digest', 'X', 'B', later(1), TTL)).toBe(false);
        expect(await b.takeOverLease('digest', 'A', 'B', later(2), TTL)).toBe(true);
        expect(await a.leaseHolder('digest')).toEqual({ holder: 'B', expiresAt: later(TTL + 2) });
        await a.releaseLease('digest', 'A');
        expect((await a.leaseHolder('digest'))?.holder).toBe('B');
        await b.releaseLease('digest', 'B');
        expect(await a.acquireLease('digest', 'A', later(3), TTL)).toBe(true);
      });

      it('goes to exactly one of several processes asking at the same moment', async () => {
        const { a, b, open } = await twoProcesses();
        const stores = [a, b, await track(open()), await track(open())];
        const won = await Promise.all(stores.map((s, i) => s.acquireLease('digest', `holder-${i}`, T0, TTL)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect((await a.leaseHolder('digest'))?.holder).toBe(`holder-${won.indexOf(true)}`);
      });

      it('stores meta values, overwriting', async () => {
        const store = await fresh();
        expect(await store.getMeta('k')).toBeUndefined();
        await store.setMeta('k', 'one');
        await store.setMeta('k', 'two');
        expect(await store.getMeta('k')).toBe('two');
      });
    });

    describe('erasing and the suppression list', () => {
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
        const store = await fresh();
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
        expect(await store.deliveriesOf(999)).toEqual([]);
        expect(await store.eventsOf(999)).toEqual([]);
      });

      it('erases the row, its events, deliveries and returns, records the hash, and touches nobody else', async () => {
        const store = await fresh();
        const { ada, bob, campaign } = await history(store);
        await store.recordReturn(returned({ key: 'h', kind: 'soft-bounce', subscriberId: ada.id, campaignId: campaign.id }), SOFT(T2));
        expect(await store.hasSuppressions()).toBe(false);
        expect(await store.erase(ada.id, { hash: 'h-ada', reason: 'deleted on request' }, T3)).toEqual({ events: 3, deliveries: 1 });
        expect(await store.get(ada.id)).toBeUndefined();
        expect(await store.findByEmail('ada@example.com')).toBeUndefined();
        expect(await store.eventsOf(ada.id)).toEqual([]);
        expect(await store.deliveriesOf(ada.id)).toEqual([]);
        expect(await store.hasReturn('h')).toBe(false);
        expect(await store.suppression('h-ada')).toEqual({ reason: 'deleted on request', createdAt: T3 });
        expect(await store.hasSuppressions()).toBe(true);
        expect(await store.get(bob.id)).toMatchObject({ email: 'bob@example.com', lastDigestUntil: T1 });
        expect(await store.deliveriesOf(bob.id)).toHaveLength(1);
        expect(await store.campaignCounts(campaign.id)).toMatchObject({ submitted: 1 });
      });

      it('keeps the first suppression entry when the same hash is suppressed again, and drops it on unsuppress', async () => {
        const store = await fresh();
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
    });

    describe('what comes back (recordReturn)', () => {
      async function one() {
        const store = await fresh();
        const id = (await store.add(subscriber(), T0)).subscriber.id;
        return { store, id };
      }

      it('a hard bounce bounces the subscriber with the server’s words in their history; the same key again does nothing', async () => {
        const { store, id } = await one();
        expect(await store.recordReturn(returned({ subscriberId: id }), SOFT(T0))).toEqual({ recorded: true, changed: true });
        expect(await store.get(id)).toMatchObject({ status: 'bounced', bouncedAt: T0 });
        expect((await store.eventsOf(id)).at(-1)).toEqual({ event: 'bounced', detail: 'mailbox: 5.1.1 550 5.1.1 user unknown', at: T0 });
        expect(await store.hasReturn('mailbox:abc:0')).toBe(true);
        expect(await store.recordReturn(returned({ subscriberId: id }), SOFT(T0))).toEqual({ recorded: false, changed: false });
        expect((await store.eventsOf(id)).filter((e) => e.event === 'bounced')).toHaveLength(1);
      });

      it('records one key once when two processes record it at the same moment', async () => {
        const { a, b } = await twoProcesses();
        const id = (await a.add(subscriber(), T0)).subscriber.id;
        const outcomes = await Promise.all([a, b, a, b].map((s) => s.recordReturn(returned({ subscriberId: id }), SOFT(T0))));
        expect(outcomes.filter((o) => o.recorded)).toEqual([{ recorded: true, changed: true }]);
        expect((await a.eventsOf(id)).filter((e) => e.event === 'bounced')).toHaveLength(1);
      });

      it('soft bounces bounce the subscriber at the limit within the window, not before; older ones do not count', async () => {
        const { store, id } = await one();
        const soft = (key: string, when: Date) =>
          store.recordReturn(returned({ key, kind: 'soft-bounce', status: '4.2.2', subscriberId: id, at: when }), SOFT(when));
        expect(await soft('s1', day(0))).toEqual({ recorded: true, changed: false });
        expect(await soft('s2', day(40))).toEqual({ recorded: true, changed: false });
        expect(await soft('s3', day(41))).toEqual({ recorded: true, changed: false });
        expect((await store.get(id))?.status).toBe('active');
        expect(await soft('s4', day(42))).toEqual({ recorded: true, changed: true });
        expect((await store.get(id))?.status).toBe('bounced');
        expect((await store.eventsOf(id)).filter((e) => e.event === 'soft-bounce')).toHaveLength(4);
        expect((await store.eventsOf(id)).at(-1)?.detail).toMatch(/^3 soft bounces since /);
      });

      it('counts soft bounces recorded at the same moment by several processes: the limit is reached', async () => {
        const { a, b, open } = await twoProcesses();
        const c = await track(open());
        const id = (await a.add(subscriber(), T0)).subscriber.id;
        // Up to the limit (3) at once: each must count the others, or none reaches it.
        const outcomes = await Promise.all(
          [a, b, c].map((s, i) => s.recordReturn(returned({ key: `s${i}`, kind: 'soft-bounce', status: '4.2.2', subscriberId: id }), SOFT(T0))),
        );
        expect(outcomes.filter((o) => o.changed)).toHaveLength(1);
        expect((await a.get(id))?.status).toBe('bounced');
      });

      it('a complaint unsubscribes and marks the subscriber, once; list complained finds them', async () => {
        const { store, id } = await one();
        expect(await store.recordReturn(returned({ key: 'c1', kind: 'complaint', status: undefined, detail: 'abuse', subscriberId: id }), SOFT(T0))).toEqual({
          recorded: true,
          changed: true,
        });
        const s = (await store.get(id))!;
        expect([s.status, s.unsubscribedAt, s.complainedAt]).toEqual(['unsubscribed', T0, T0]);
        expect((await store.list({ status: 'complained' })).map((x) => x.email)).toEqual(['ada@example.com']);
        expect((await store.recordReturn(returned({ key: 'c2', kind: 'complaint', subscriberId: id, at: day(1) }), SOFT(day(1)))).changed).toBe(false);
        expect((await store.get(id))?.complainedAt).toEqual(T0);
      });

      it('a complaint about someone already unsubscribed marks them and leaves their status and date; an unsubscribe request unsubscribes', async () => {
        const { store, id } = await one();
        await store.unsubscribe(id, T0);
        await store.recordReturn(returned({ key: 'c1', kind: 'complaint', subscriberId: id, at: day(2) }), SOFT(day(2)));
        const s = (await store.get(id))!;
        expect([s.status, s.unsubscribedAt, s.complainedAt]).toEqual(['unsubscribed', T0, day(2)]);
        const other = (await store.add(subscriber({ email: 'bob@example.com' }), T0)).subscriber.id;
        expect((await store.recordReturn(returned({ key: 'u1', kind: 'unsubscribe', subscriberId: other }), SOFT(T0))).changed).toBe(true);
        expect(await store.get(other)).toMatchObject({ status: 'unsubscribed', complainedAt: null });
      });

      it('ignored and unattributed records keep only the key', async () => {
        const { store, id } = await one();
        expect(await store.recordReturn(returned({ key: 'i1', kind: 'ignored' }), SOFT(T0))).toEqual({ recorded: true, changed: false });
        expect(await store.recordReturn(returned({ key: 'n1', kind: 'unattributed' }), SOFT(T0))).toEqual({ recorded: true, changed: false });
        expect((await store.get(id))?.status).toBe('active');
        expect((await store.hasReturn('i1')) && (await store.hasReturn('n1'))).toBe(true);
        expect(await store.hasReturn('other')).toBe(false);
      });

      it("finds the delivery of a Message-ID, the subscriber's latest submitted campaign, and a campaign's return counts", async () => {
        const { store, id } = await one();
        const campaign = await store.createCampaign({ since: T0, until: day(7) }, day(7));
        expect(await store.claimDelivery(campaign.id, id, 'run-1', '<d.1@example.com>', day(7))).toBe(true);
        expect(await store.latestDeliveryOf(id)).toBeUndefined();
        await store.markSubmitted(campaign.id, id, '250 ok', day(7), day(7));
        expect(await store.deliveryByMessageId('<d.1@example.com>')).toEqual({ campaignId: campaign.id, subscriberId: id });
        expect(await store.deliveryByMessageId('<other@example.com>')).toBeUndefined();
        expect(await store.latestDeliveryOf(id)).toEqual({ campaignId: campaign.id });
        await store.recordReturn(returned({ key: 'h', kind: 'soft-bounce', subscriberId: id, campaignId: campaign.id }), SOFT(T0));
        await store.recordReturn(returned({ key: 'c', kind: 'complaint', subscriberId: id, campaignId: campaign.id }), SOFT(T0));
        expect(await store.returnCounts(campaign.id)).toEqual({ hardBounces: 0, softBounces: 1, complaints: 1, unsubscribes: 0 });
      });
    });
  });
}
