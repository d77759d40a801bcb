// What comes back, as the SQLite store records it (issue 17): each returned event once by its key, acted on
// in the same transaction; soft bounces counted over a window; complaints unsubscribe and mark; the
// delivery a Message-ID names; a campaign's counts; erasure takes the records too. And the envelope tag.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bounceTag, readBounceTag, returnPathFor, returnPathsOf, taggedAddress } from '../../src/email/bounce-tag.js';
import { parseConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { ReturnRecord, SubscriberStore } from '../../src/subscribers/store.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = new Date('2026-11-01T08:00:00Z');
const day = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const SOFT = (now: Date) => ({ limit: 3, since: new Date(now.getTime() - 30 * 86_400_000) });

let stores: SubscriberStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

async function storeWithOne() {
  const store = openSqliteStore(path.join(await tempDir('returns'), 'broadsheet.db'));
  stores.push(store);
  const { subscriber } = await store.add({ email: 'ada@example.com', status: 'active' }, T0);
  return { store, id: subscriber.id };
}

const record = (o: Partial<ReturnRecord>): ReturnRecord => ({
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

describe('recordReturn', () => {
  it('a hard bounce bounces the subscriber, with the server’s words in their history; the same key again does nothing', async () => {
    const { store, id } = await storeWithOne();
    expect(await store.recordReturn(record({ subscriberId: id }), SOFT(T0))).toEqual({ recorded: true, changed: true });
    expect((await store.get(id))?.status).toBe('bounced');
    expect((await store.get(id))?.bouncedAt).toEqual(T0);
    expect((await store.eventsOf(id)).at(-1)).toEqual({ event: 'bounced', detail: 'mailbox: 5.1.1 550 5.1.1 user unknown', at: T0 });
    expect(await store.hasReturn('mailbox:abc:0')).toBe(true);
    expect(await store.recordReturn(record({ subscriberId: id }), SOFT(T0))).toEqual({ recorded: false, changed: false });
    expect((await store.eventsOf(id)).filter((e) => e.event === 'bounced')).toHaveLength(1);
  });

  it('soft bounces bounce the subscriber at the limit within the window, not before; older ones do not count', async () => {
    const { store, id } = await storeWithOne();
    const soft = (key: string, at: Date) => store.recordReturn(record({ key, kind: 'soft-bounce', status: '4.2.2', subscriberId: id, at }), SOFT(at));
    expect(await soft('s1', day(0))).toEqual({ recorded: true, changed: false });
    // 40 days later: the first is out of the window.
    expect(await soft('s2', day(40))).toEqual({ recorded: true, changed: false });
    expect(await soft('s3', day(41))).toEqual({ recorded: true, changed: false });
    expect((await store.get(id))?.status).toBe('active');
    expect(await soft('s4', day(42))).toEqual({ recorded: true, changed: true });
    expect((await store.get(id))?.status).toBe('bounced');
    expect((await store.eventsOf(id)).filter((e) => e.event === 'soft-bounce')).toHaveLength(4);
    expect((await store.eventsOf(id)).at(-1)?.detail).toMatch(/^3 soft bounces since /);
  });

  it('a complaint unsubscribes the subscriber and marks them complained, once; list --status complained finds them', async () => {
    const { store, id } = await storeWithOne();
    expect(await store.recordReturn(record({ key: 'c1', kind: 'complaint', status: undefined, detail: 'abuse', subscriberId: id }), SOFT(T0))).toEqual({
      recorded: true,
      changed: true,
    });
    const s = (await store.get(id))!;
    expect([s.status, s.unsubscribedAt, s.complainedAt]).toEqual(['unsubscribed', T0, T0]);
    expect((await store.list({ status: 'complained' })).map((x) => x.email)).toEqual(['ada@example.com']);
    expect((await store.list({ status: 'unsubscribed' })).map((x) => x.email)).toEqual(['ada@example.com']);
    // A second report of the same complaint (another key) changes nothing more.
    expect((await store.recordReturn(record({ key: 'c2', kind: 'complaint', subscriberId: id, at: day(1) }), SOFT(day(1)))).changed).toBe(false);
    expect((await store.get(id))?.complainedAt).toEqual(T0);
  });

  it('a complaint about someone already unsubscribed marks them, and leaves their status and date', async () => {
    const { store, id } = await storeWithOne();
    await store.unsubscribe(id, T0);
    await store.recordReturn(record({ key: 'c1', kind: 'complaint', subscriberId: id, at: day(2) }), SOFT(day(2)));
    const s = (await store.get(id))!;
    expect([s.status, s.unsubscribedAt, s.complainedAt]).toEqual(['unsubscribed', T0, day(2)]);
  });

  it('an unsubscribe request unsubscribes', async () => {
    const { store, id } = await storeWithOne();
    expect((await store.recordReturn(record({ key: 'u1', kind: 'unsubscribe', subscriberId: id }), SOFT(T0))).changed).toBe(true);
    expect((await store.get(id))?.status).toBe('unsubscribed');
    expect((await store.get(id))?.complainedAt).toBeNull();
  });

  it('ignored and unattributed records keep only the key', async () => {
    const { store, id } = await storeWithOne();
    expect(await store.recordReturn(record({ key: 'i1', kind: 'ignored' }), SOFT(T0))).toEqual({ recorded: true, changed: false });
    expect(await store.recordReturn(record({ key: 'n1', kind: 'unattributed' }), SOFT(T0))).toEqual({ recorded: true, changed: false });
    expect((await store.get(id))?.status).toBe('active');
    expect((await store.hasReturn('i1')) && (await store.hasReturn('n1'))).toBe(true);
    expect(await store.hasReturn('other')).toBe(false);
  });
});

describe('deliveries and campaigns', () => {
  it('finds the delivery of a Message-ID, the latest submitted campaign, and counts what came back per campaign', async () => {
    const { store, id } = await storeWithOne();
    const campaign = await store.createCampaign({ since: T0, until: day(7) }, day(7));
    expect(await store.claimDelivery(campaign.id, id, 'run-1', '<d.1@example.com>', day(7))).toBe(true);
    await store.markSubmitted(campaign.id, id, '250 ok', day(7), day(7));
    expect(await store.deliveryByMessageId('<d.1@example.com>')).toEqual({ campaignId: campaign.id, subscriberId: id });
    expect(await store.deliveryByMessageId('<other@example.com>')).toBeUndefined();
    expect(await store.latestDeliveryOf(id)).toEqual({ campaignId: campaign.id });
    await store.recordReturn(record({ key: 'h', kind: 'soft-bounce', subscriberId: id, campaignId: campaign.id }), SOFT(T0));
    await store.recordReturn(record({ key: 'c', kind: 'complaint', subscriberId: id, campaignId: campaign.id }), SOFT(T0));
    expect(await store.returnCounts(campaign.id)).toEqual({ hardBounces: 0, softBounces: 1, complaints: 1, unsubscribes: 0 });
  });

  it('erasing a subscriber erases what came back about them', async () => {
    const { store, id } = await storeWithOne();
    await store.recordReturn(record({ key: 'h', subscriberId: id }), SOFT(T0));
    await store.erase(id, { hash: 'x', reason: 'deleted on request' }, T0);
    expect(await store.hasReturn('h')).toBe(false);
  });
});

describe('the envelope tag', () => {
  const KEY = 'k'.repeat(40);

  it('names the delivery, and only when its mac is ours', () => {
    const tag = bounceTag({ campaignId: 12, subscriberId: 345 }, KEY);
    expect(tag).toMatch(/^b-12-345-[0-9a-f]{16}$/);
    expect(readBounceTag(tag, KEY)).toEqual({ campaignId: 12, subscriberId: 345 });
    // Servers that uppercase or keep the case as sent: the tag still reads.
    expect(readBounceTag(tag.toUpperCase(), KEY)).toEqual({ campaignId: 12, subscriberId: 345 });
    expect(readBounceTag(tag.replace('-345-', '-346-'), KEY)).toBeUndefined();
    expect(readBounceTag(tag, 'another key'.repeat(4))).toBeUndefined();
    for (const other of ['unsubscribe', 'b-12-345', `${tag}x`, '', 'b-1-2-zzzzzzzzzzzzzzzz']) expect(readBounceTag(other, KEY)).toBeUndefined();
  });

  it('is the envelope sender only with a bounce address; the mailto only when a mailbox is read', () => {
    expect(taggedAddress('bounces@example.com', 'b-1-2-x')).toBe('bounces+b-1-2-x@example.com');
    const without = parseConfig({});
    expect(returnPathsOf(without, true)).toEqual({ bounceAddress: undefined, unsubscribeMailbox: undefined });
    expect(returnPathFor(returnPathsOf(without, true), { campaignId: 1, subscriberId: 2 }, KEY)).toBeUndefined();
    const withAddress = parseConfig({ bounces: { address: 'bounces@example.com' } });
    expect(returnPathsOf(withAddress, false)).toEqual({ bounceAddress: 'bounces@example.com', unsubscribeMailbox: undefined });
    expect(returnPathsOf(withAddress, true).unsubscribeMailbox).toBe('bounces+unsubscribe@example.com');
    expect(returnPathFor(returnPathsOf(withAddress, true), { campaignId: 1, subscriberId: 2 }, KEY)).toBe(
      `bounces+${bounceTag({ campaignId: 1, subscriberId: 2 }, KEY)}@example.com`,
    );
    const named = parseConfig({ bounces: { address: 'bounces@example.com' }, email: { unsubscribeMailbox: 'leave@example.com' } });
    expect(returnPathsOf(named, true).unsubscribeMailbox).toBe('leave@example.com');
  });
});
