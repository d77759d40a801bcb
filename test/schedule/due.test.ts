// Schedule maths for the digest with a frozen clock: each subscriber's slot is read in their own
// timezone (else the site's), DST moves the UTC instant and never the local hour, and a long outage
// is one digest, not one per missed slot.
import { describe, expect, it } from 'vitest';
import { cronProblem, dueSubscribers, isDue, lastSlot, nextSlot } from '../../src/schedule/due.js';
import type { Subscriber } from '../../src/subscribers/store.js';

const MONDAYS_8 = '0 8 * * 1';
const SITE_TZ = 'UTC';
const at = (iso: string) => new Date(iso);
const WEEK = 7 * 86_400_000;

const subscriber = (o: Partial<Subscriber> = {}): Subscriber => ({
  id: 1,
  email: 'ada@example.org',
  name: null,
  status: 'active',
  categories: [],
  timezone: null,
  createdAt: at('2026-09-01T00:00:00Z'),
  updatedAt: at('2026-09-01T00:00:00Z'),
  confirmedAt: at('2026-09-01T00:00:00Z'),
  unsubscribedAt: null,
  bouncedAt: null,
  lastDigestUntil: null,
  ...o,
});

describe('lastSlot and nextSlot', () => {
  // Monday 2026-11-30, no DST change anywhere near it.
  it.each([
    ['Europe/Paris', '2026-11-30T07:00:00.000Z'], // UTC+1
    ['America/New_York', '2026-11-30T13:00:00.000Z'], // UTC-5
    ['Asia/Kolkata', '2026-11-30T02:30:00.000Z'], // UTC+05:30: the half hour carries over
    ['UTC', '2026-11-30T08:00:00.000Z'],
  ])('reads "Monday 08:00" as 08:00 local time in %s', (timezone, expected) => {
    expect(lastSlot(MONDAYS_8, at('2026-11-30T23:00:00Z'), timezone)?.toISOString()).toBe(expected);
    expect(nextSlot(MONDAYS_8, at('2026-11-29T00:00:00Z'), timezone)?.toISOString()).toBe(expected);
  });

  it.each([
    // Europe/Paris springs forward on Sunday 2026-03-29: 07:00Z the Monday before, 06:00Z the Monday after.
    ['Europe/Paris', '2026-03-27T12:00:00Z', '2026-03-23T07:00:00.000Z', '2026-03-30T06:00:00.000Z'],
    // …and falls back on Sunday 2026-10-25: 06:00Z before, 07:00Z after.
    ['Europe/Paris', '2026-10-22T12:00:00Z', '2026-10-19T06:00:00.000Z', '2026-10-26T07:00:00.000Z'],
    // America/New_York springs forward on Sunday 2026-03-08: 13:00Z before, 12:00Z after.
    ['America/New_York', '2026-03-05T12:00:00Z', '2026-03-02T13:00:00.000Z', '2026-03-09T12:00:00.000Z'],
    // …and falls back on Sunday 2026-11-01: 12:00Z before, 13:00Z after.
    ['America/New_York', '2026-10-29T12:00:00Z', '2026-10-26T12:00:00.000Z', '2026-11-02T13:00:00.000Z'],
  ])('keeps 08:00 local across the DST change in %s (week of %s)', (timezone, midweek, before, after) => {
    const now = at(midweek);
    expect(lastSlot(MONDAYS_8, now, timezone)?.toISOString()).toBe(before);
    expect(nextSlot(MONDAYS_8, now, timezone)?.toISOString()).toBe(after);
    // The week across the change is an hour shorter or longer in UTC, never a different local hour.
    const gap = at(after).getTime() - at(before).getTime();
    expect(Math.abs(gap - WEEK)).toBe(3_600_000);
    expect(lastSlot(MONDAYS_8, at(after), timezone)?.toISOString()).toBe(after);
  });

  it('counts a slot at exactly now as passed, and the next one is a week later', () => {
    const slot = at('2026-11-30T08:00:00Z');
    expect(lastSlot(MONDAYS_8, slot, 'UTC')).toEqual(slot);
    expect(nextSlot(MONDAYS_8, slot, 'UTC')).toEqual(new Date(slot.getTime() + WEEK));
    // A millisecond before, it is still last week's.
    expect(lastSlot(MONDAYS_8, new Date(slot.getTime() - 1), 'UTC')).toEqual(new Date(slot.getTime() - WEEK));
    expect(lastSlot(MONDAYS_8, new Date(slot.getTime() - 500), 'UTC')).toEqual(new Date(slot.getTime() - WEEK));
  });

  it('returns a single slot, the latest, however long ago the previous ones were', () => {
    expect(lastSlot('0 8 * * *', at('2026-11-30T09:15:00Z'), 'UTC')).toEqual(at('2026-11-30T08:00:00Z'));
    expect(lastSlot('0 8 * * *', at('2026-11-30T07:15:00Z'), 'UTC')).toEqual(at('2026-11-29T08:00:00Z'));
  });
});

describe('isDue and dueSubscribers', () => {
  const lastWeek = at('2026-11-23T23:59:00Z'); // after every timezone's slot of Monday 2026-11-23
  const paris = subscriber({ id: 1, email: 'paris@example.org', timezone: 'Europe/Paris', lastDigestUntil: lastWeek });
  const newYork = subscriber({ id: 2, email: 'ny@example.org', timezone: 'America/New_York', lastDigestUntil: lastWeek });
  const kolkata = subscriber({ id: 3, email: 'kolkata@example.org', timezone: 'Asia/Kolkata', lastDigestUntil: lastWeek });
  const site = subscriber({ id: 4, email: 'site@example.org', timezone: null, lastDigestUntil: lastWeek });
  const everyone = [paris, newYork, kolkata, site];
  const dueAt = (iso: string, siteTz = SITE_TZ) => dueSubscribers(everyone, MONDAYS_8, at(iso), siteTz).map((s) => s.email);

  it('makes each subscriber due at their own local Monday 08:00, and the site timezone covers the rest', () => {
    expect(dueAt('2026-11-30T02:29:59Z')).toEqual([]);
    expect(dueAt('2026-11-30T02:30:00Z')).toEqual(['kolkata@example.org']);
    expect(dueAt('2026-11-30T07:00:00Z')).toEqual(['paris@example.org', 'kolkata@example.org']);
    expect(dueAt('2026-11-30T08:00:00Z')).toEqual(['paris@example.org', 'kolkata@example.org', 'site@example.org']);
    expect(dueAt('2026-11-30T13:00:00Z')).toEqual(['paris@example.org', 'ny@example.org', 'kolkata@example.org', 'site@example.org']);
    // The same subscribers on a site in Tokyo (UTC+9): the one without a timezone is due at 23:00Z on Sunday.
    expect(dueAt('2026-11-29T23:00:00Z', 'Asia/Tokyo')).toEqual(['site@example.org']);
  });

  it('gives subscribers who share a timezone the same slot, each measured from their own last digest', () => {
    // Between Paris's slot of Monday 2026-11-30 (07:00Z) and the site's (UTC, 08:00Z).
    const sent = at('2026-11-30T07:30:00Z');
    const many = Array.from({ length: 50 }, (_, i) =>
      subscriber({ id: 10 + i, email: `p${i}@example.org`, timezone: i % 2 ? 'Europe/Paris' : null, lastDigestUntil: i % 3 ? lastWeek : sent }),
    );
    const now = at('2026-11-30T09:00:00Z');
    expect(dueSubscribers(many, MONDAYS_8, now, SITE_TZ).map((s) => s.id)).toEqual(many.filter((s) => isDue(s, MONDAYS_8, now, SITE_TZ)).map((s) => s.id));
    // Sent at 07:30 and in Paris: not due again; sent at 07:30 on the site's time: its slot came after.
    expect(dueSubscribers(many, MONDAYS_8, now, SITE_TZ)).toHaveLength(many.filter((_, i) => !(i % 3 === 0 && i % 2 === 1)).length);
  });

  it.each([
    ['Europe/Paris', '2026-03-30T06:00:00Z', '2026-03-23T12:00:00Z'],
    ['Europe/Paris', '2026-10-26T07:00:00Z', '2026-10-19T12:00:00Z'],
    ['America/New_York', '2026-03-09T12:00:00Z', '2026-03-02T18:00:00Z'],
    ['America/New_York', '2026-11-02T13:00:00Z', '2026-10-26T18:00:00Z'],
  ])('in %s, the week after a DST change, is due at 08:00 local (%s) and not a minute before', (timezone, slot, previousDigest) => {
    const s = subscriber({ timezone, lastDigestUntil: at(previousDigest) });
    expect(isDue(s, MONDAYS_8, new Date(at(slot).getTime() - 60_000), SITE_TZ)).toBe(false);
    expect(isDue(s, MONDAYS_8, at(slot), SITE_TZ)).toBe(true);
  });

  it('counts a slot at exactly now', () => {
    const s = subscriber({ timezone: 'UTC', lastDigestUntil: lastWeek });
    expect(isDue(s, MONDAYS_8, at('2026-11-30T08:00:00Z'), SITE_TZ)).toBe(true);
    expect(isDue(s, MONDAYS_8, at('2026-11-30T07:59:59.999Z'), SITE_TZ)).toBe(false);
  });

  it('after three missed weeks, is due once: the latest slot; once the watermark passes it, not again', () => {
    const now = at('2026-11-30T10:00:00Z');
    const s = subscriber({ timezone: 'UTC', lastDigestUntil: at('2026-11-09T09:00:00Z') });
    expect(isDue(s, MONDAYS_8, now, SITE_TZ)).toBe(true);
    // One slot owed, whatever the outage: the slots of 11-16 and 11-23 are not separate digests.
    expect(lastSlot(MONDAYS_8, now, 'UTC')).toEqual(at('2026-11-30T08:00:00Z'));
    // The digest sent now moves the watermark to now (the campaign's end): nothing more is due this week…
    const sent = { ...s, lastDigestUntil: now };
    expect(isDue(sent, MONDAYS_8, now, SITE_TZ)).toBe(false);
    expect(isDue(sent, MONDAYS_8, at('2026-12-07T07:59:00Z'), SITE_TZ)).toBe(false);
    // …and a watermark at exactly the slot covers it too.
    expect(isDue({ ...s, lastDigestUntil: at('2026-11-30T08:00:00Z') }, MONDAYS_8, now, SITE_TZ)).toBe(false);
    // Next Monday they are due again.
    expect(isDue(sent, MONDAYS_8, at('2026-12-07T08:00:00Z'), SITE_TZ)).toBe(true);
  });

  it('does not make someone who joined after the last slot due until the next one', () => {
    const joined = at('2026-11-30T09:00:00Z');
    const s = subscriber({ timezone: 'UTC', createdAt: joined, updatedAt: joined, confirmedAt: joined });
    expect(isDue(s, MONDAYS_8, at('2026-11-30T10:00:00Z'), SITE_TZ)).toBe(false);
    expect(isDue(s, MONDAYS_8, at('2026-12-07T07:59:00Z'), SITE_TZ)).toBe(false);
    expect(isDue(s, MONDAYS_8, at('2026-12-07T08:00:00Z'), SITE_TZ)).toBe(true);
  });

  it('reads "joined" as confirmed: a signup weeks ago confirmed after the slot waits for the next', () => {
    const s = subscriber({ timezone: 'UTC', createdAt: at('2026-11-01T00:00:00Z'), confirmedAt: at('2026-11-30T09:00:00Z') });
    expect(isDue(s, MONDAYS_8, at('2026-11-30T10:00:00Z'), SITE_TZ)).toBe(false);
  });

  it('never makes a pending, unsubscribed or bounced subscriber due', () => {
    const now = at('2026-11-30T10:00:00Z');
    for (const status of ['pending', 'unsubscribed', 'bounced'] as const) {
      expect(isDue(subscriber({ status }), MONDAYS_8, now, SITE_TZ)).toBe(false);
    }
    expect(isDue(subscriber(), MONDAYS_8, now, SITE_TZ)).toBe(true);
  });
});

describe('cronProblem', () => {
  it.each(['0 8 * * 1', '*/15 * * * *', '30 7 * * 1-5', '0 8 * * MON', '0 8 1 * *'])('accepts %s', (expression) => {
    expect(cronProblem(expression, 'Europe/Paris')).toBeUndefined();
  });

  it.each([
    ['61 8 * * 1', /61/],
    ['0 25 * * *', /25/],
    ['0 8 * *', /five fields/],
    ['0 0 8 * * 1', /five fields/], // seconds are not supported: five fields only
    ['0 8 31 2 *', /day of month/i], // never matches
    ['every monday', /./],
  ])('explains what is wrong with %s', (expression, message) => {
    const problem = cronProblem(expression, 'UTC');
    expect(problem).toEqual(expect.any(String));
    expect(problem).toMatch(message);
  });
});

describe('isDue after a failed digest', () => {
  it('waits for the next slot instead of retrying at every check', () => {
    const base = {
      id: 1,
      email: 'f@example.org',
      name: null,
      status: 'active' as const,
      categories: [],
      timezone: null,
      createdAt: new Date('2026-10-01T00:00:00Z'),
      updatedAt: new Date('2026-10-01T00:00:00Z'),
      confirmedAt: new Date('2026-10-01T00:00:00Z'),
      unsubscribedAt: null,
      bouncedAt: null,
      lastDigestUntil: new Date('2026-11-16T08:00:00Z'),
    };
    const now = new Date('2026-11-23T08:10:00Z'); // Monday, just after the 08:00 UTC slot
    expect(isDue({ ...base, lastFailedAt: null }, '0 8 * * 1', now, 'UTC')).toBe(true);
    expect(isDue({ ...base, lastFailedAt: new Date('2026-11-23T08:05:00Z') }, '0 8 * * 1', now, 'UTC')).toBe(false);
    expect(isDue({ ...base, lastFailedAt: new Date('2026-11-23T08:05:00Z') }, '0 8 * * 1', new Date('2026-11-30T08:01:00Z'), 'UTC')).toBe(true);
  });
});
