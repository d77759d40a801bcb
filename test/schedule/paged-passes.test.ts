// The passes over every active subscriber (send --dry-run, the scheduler's due check, status) read the list a
// page at a time (subscriberPages). They must give the answers reading it whole gave: the references here are
// computed from store.list() the way the code did before paging, on a real SQLite file.
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCore } from '../../src/core.js';
import { createOutboxMailer } from '../../src/delivery/mailer.js';
import { createLogger } from '../../src/log.js';
import { dueSubscribers } from '../../src/schedule/due.js';
import { SUBSCRIBER_PAGE } from '../../src/subscribers/pages.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { NewSubscriber, SubscriberStore } from '../../src/subscribers/store.js';
import type { PostFile } from '../helpers/posts.js';
import { TEMPLATES, tempSite } from '../helpers/site.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Monday 2026-11-30, 07:30Z: Kolkata's 08:00 (02:30Z) and Paris's (07:00Z) have passed, New York's (13:00Z) has not.
const MONDAY = new Date('2026-11-30T07:30:00Z');
const SCHEDULE = '0 8 * * 1';

const POSTS: readonly PostFile[] = [
  { file: 'harbour.md', title: 'Harbour cranes return', date: '2026-11-24T09:00:00Z', category: 'News' },
  { file: 'comet.md', title: 'A comet brightens over the bay', date: '2026-11-26T10:00:00Z', category: 'Science' },
  { file: 'budget.md', title: 'Council votes on the budget', date: '2026-11-28T09:00:00Z', category: 'News' },
];

const TIMEZONES = ['Asia/Kolkata', 'Europe/Paris', 'America/New_York', undefined] as const;
const CATEGORIES = [[], ['news'], ['science'], ['sports']] as const;
const STATUSES = ['active', 'active', 'active', 'pending', 'unsubscribed', 'bounced', 'active'] as const;
/** Watermarks and join times around the slots: some subscribers are due, some had this week's digest, some never had one. */
const ANCHORS = [undefined, new Date('2026-11-23T08:00:00Z'), new Date('2026-11-30T06:00:00Z'), new Date('2026-11-25T00:00:00Z'), MONDAY];

/** A list of every mix of status, timezone, categories and watermark (varying at different rates, so they combine). */
function mixedRows(n: number): NewSubscriber[] {
  return Array.from({ length: n }, (_, i) => {
    const timezone = TIMEZONES[i % TIMEZONES.length];
    const anchor = ANCHORS[i % ANCHORS.length];
    return {
      email: `reader${i}@example.org`,
      status: STATUSES[i % STATUSES.length]!,
      categories: [...CATEGORIES[Math.floor(i / 3) % CATEGORIES.length]!],
      ...(timezone ? { timezone } : {}),
      ...(i % 2 && anchor ? { lastDigestUntil: anchor } : {}),
      createdAt: new Date(MONDAY.getTime() - ((i % 11) + 1) * 7 * HOUR),
    };
  });
}

async function world(rows: readonly NewSubscriber[]) {
  const { root, data, parseConfig } = await tempSite('paged', { posts: POSTS });
  const config = parseConfig({
    site: { title: 'The Test Times', url: 'https://news.example.com/', timezone: 'UTC' },
    email: { from: { name: 'The Desk', address: 'digest@news.example.com' } },
    paths: { templates: TEMPLATES },
    schedule: { digest: SCHEDULE },
  });
  const store = openSqliteStore(path.join(data, 'broadsheet.db'));
  onTestFinished(() => store.close());
  await store.importMany(rows, new Date(MONDAY.getTime() - 30 * DAY));
  // Every importMany row is added at one time: createdAt above sets who joined when. Two complain.
  for (const [i, email] of ['reader0@example.org', 'reader7@example.org'].entries()) {
    const id = (await store.findByEmail(email))!.id;
    await store.recordReturn(
      { key: `c${i}`, kind: 'complaint', subscriberId: id, campaignId: undefined, status: undefined, detail: 'abuse', source: 'test', at: MONDAY },
      { limit: 3, since: new Date(0) },
    );
  }
  const coreOn = (s: SubscriberStore) =>
    createCore(config, {
      now: () => MONDAY,
      cwd: root,
      env: {},
      store: s,
      mailer: createOutboxMailer(path.join(root, 'outbox')),
      sleep: async () => {},
      log: createLogger({ write: () => {} }),
    });
  return { store, config, coreOn };
}

/**
 * The same store with pages of at most `size` (a store may answer short: the pass goes on to an empty page),
 * counting the pages read; list() throws, so a pass that reads the whole list fails the test.
 */
function smallPages(store: SubscriberStore, size: number) {
  const reads = { pages: 0 };
  const paged: SubscriberStore = {
    ...store,
    listPage: (page) => {
      reads.pages++;
      return store.listPage({ ...page, limit: Math.min(page.limit, size) });
    },
    list: () => Promise.reject(new Error('read the whole list')),
  };
  return { paged, reads };
}

describe('passes over the list, page by page', () => {
  it('status and send --dry-run give the answers of the whole list, with pages of 3', async () => {
    const w = await world(mixedRows(60));
    const active = await w.store.list({ status: 'active' });
    const expectedDue = dueSubscribers(active, SCHEDULE, MONDAY, 'UTC').length;
    expect(expectedDue).toBeGreaterThan(3);
    expect(expectedDue).toBeLessThan(active.length);

    const { paged, reads } = smallPages(w.store, 3);
    const status = await w.coreOn(paged).status();
    expect(status.due).toBe(expectedDue);
    expect(status.complained).toBe((await w.store.list({ status: 'complained' })).length);
    expect(status.complained).toBe(2);
    // Every page, then the empty one that ends the pass.
    expect(reads.pages).toBe(Math.ceil(active.length / 3) + 1);

    // One page (the default size holds them all) is the whole list, as before: three per page must agree.
    const whole = await w.coreOn(w.store).sendDigest({ dryRun: true });
    const byThree = await w.coreOn(paged).sendDigest({ dryRun: true });
    expect(byThree).toEqual(whole);
    expect(whole.submitted + whole.skipped).toBe(active.length);
    expect(whole.skipped).toBeGreaterThan(0);
    expect(whole.renders).toBeGreaterThan(1);
  });

  it("the scheduler's due run queues exactly the due subscribers, read three at a time", async () => {
    const w = await world(mixedRows(45));
    const expected = dueSubscribers(await w.store.list({ status: 'active' }), SCHEDULE, MONDAY, 'UTC').map((s) => s.id);
    const { paged } = smallPages(w.store, 3);
    const report = await w.coreOn(paged).runDueDigests();
    expect(report.campaignId).toBeDefined();
    const queued: number[] = [];
    for (const s of await w.store.list()) if ((await w.store.deliveriesOf(s.id)).length > 0) queued.push(s.id);
    expect(queued).toEqual(expected);
    expect(report.submitted + report.skipped + report.failed).toBe(expected.length);
  });

  it(`pages of ${SUBSCRIBER_PAGE} over a list of several pages agree with the whole list`, async () => {
    const w = await world(mixedRows(SUBSCRIBER_PAGE * 2 + 345));
    const active = await w.store.list({ status: 'active' });
    expect(active.length).toBeGreaterThan(SUBSCRIBER_PAGE);
    const { paged, reads } = smallPages(w.store, Number.POSITIVE_INFINITY);
    const status = await w.coreOn(paged).status();
    expect(status.due).toBe(dueSubscribers(active, SCHEDULE, MONDAY, 'UTC').length);
    expect(reads.pages).toBe(Math.ceil(active.length / SUBSCRIBER_PAGE) + 1);
    const dry = await w.coreOn(paged).sendDigest({ dryRun: true });
    expect(dry.submitted + dry.skipped).toBe(active.length);
  });
});
