// The envelope tag (VERP) and the return paths (issue 17 §1): a tag names its delivery only when its mac is
// ours; the envelope sender is tagged only with a bounce address, and the mailto unsubscribe is advertised
// only when a mailbox is read. (What the store does with a returned event is in the store contract suite,
// test/subscribers/store-contract.ts, run against SQLite and PostgreSQL.)
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { bounceTag, readBounceTag, returnPathFor, returnPathsOf, taggedAddress } from '../../src/email/bounce-tag.js';

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
