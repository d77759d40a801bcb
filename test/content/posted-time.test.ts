import { describe, expect, it } from 'vitest';
import { dayAgreement, readPostedTime } from '../../src/content/posted-time.js';

const utc = { timezone: 'UTC' };

describe('readPostedTime', () => {
  it.each([
    ['2:11 PM PST · January 29, 2026', '2026-01-29T22:11:00.000Z', 'UTC-8'],
    ['7:42 AM EST · November 23, 2026', '2026-11-23T12:42:00.000Z', 'UTC-5'],
    ['6:15 PM PDT · June 4, 2026', '2026-06-05T01:15:00.000Z', 'UTC-7'],
    ['29 January 2026 14:11 CET', '2026-01-29T13:11:00.000Z', 'UTC+1'],
    ['14:11 CEST, 3 June 2026', '2026-06-03T12:11:00.000Z', 'UTC+2'],
    ['Jan. 29, 2026, 9:05 a.m. PDT', '2026-01-29T16:05:00.000Z', 'UTC-7'],
    ['Sept. 3, 2026 at 12:30 PM BST', '2026-09-03T11:30:00.000Z', 'UTC+1'],
    ['January 29, 2026 at 2:11 p.m. ET', '2026-01-29T19:11:00.000Z', 'America/New_York'],
    ['July 29, 2026 at 2:11 PM ET', '2026-07-29T18:11:00.000Z', 'America/New_York'],
    ['3:00 PM JST, 29 January 2026', '2026-01-29T06:00:00.000Z', 'UTC+9'],
    ['3:00 PM IST, 29 January 2026', '2026-01-29T09:30:00.000Z', 'UTC+5:30'],
    ['29 January 2026 14:11 GMT+2', '2026-01-29T12:11:00.000Z', 'UTC+2'],
    ['2026-01-29T14:11:00-08:00', '2026-01-29T22:11:00.000Z', 'UTC-8'],
    ['2026-01-29T14:11Z', '2026-01-29T14:11:00.000Z', 'UTC'],
    ['2026-01-29 14:11 UTC', '2026-01-29T14:11:00.000Z', 'UTC'],
    ['2026-07-01 14:11 Europe/Berlin', '2026-07-01T12:11:00.000Z', 'Europe/Berlin'],
    ['17.02.2026, 08:30 MEZ', '2026-02-17T07:30:00.000Z', 'UTC+1'],
    ['29 janvier 2026 à 14h11 CET', '2026-01-29T13:11:00.000Z', 'UTC+1'],
    ['29. Januar 2026, 14:11 Uhr MEZ', '2026-01-29T13:11:00.000Z', 'UTC+1'],
    ['29 de enero de 2026, 14:11 CET', '2026-01-29T13:11:00.000Z', 'UTC+1'],
  ])('reads %j as an instant and its zone', (text, instant, zone) => {
    const read = readPostedTime(text, utc);
    expect(read?.instant.toISOString()).toBe(instant);
    expect(read?.zone).toBe(zone);
    expect(read?.hasWrittenZone).toBe(true);
  });

  it('reads a time with no zone in the site timezone, and says so', () => {
    const read = readPostedTime('2:11 PM · January 29, 2026', { timezone: 'America/Los_Angeles' });
    expect(read).toEqual({ instant: new Date('2026-01-29T22:11:00Z'), zone: 'America/Los_Angeles', hasWrittenZone: false, writtenZone: undefined });
  });

  it('takes extra or overriding abbreviations from the rules (IST as Irish Standard Time)', () => {
    const read = readPostedTime('3:00 PM IST, 29 July 2026', { timezone: 'UTC', zones: { IST: 60 } });
    expect(read?.instant.toISOString()).toBe('2026-07-29T14:00:00.000Z');
    expect(read?.zone).toBe('UTC+1');
  });

  it.each([
    ['a day alone', 'January 29, 2026'],
    ['a time alone', '2:11 PM PST'],
    ['a day and month that could be either way round', '03/04/2026 10:00 UTC'],
    ['a date that does not exist', 'February 30, 2026 10:00 UTC'],
    ['an hour out of range', '13:11 PM PST · January 29, 2026'],
    ['no time at all', 'soon'],
  ])('gives no instant for %s (%j)', (_what, text) => {
    expect(readPostedTime(text, utc)).toBeUndefined();
  });

  it('reads slashed dates when one side cannot be a month', () => {
    expect(readPostedTime('29/01/2026 14:11 UTC', utc)?.instant.toISOString()).toBe('2026-01-29T14:11:00.000Z');
    expect(readPostedTime('01/29/2026 2:11 PM UTC', utc)?.instant.toISOString()).toBe('2026-01-29T14:11:00.000Z');
  });
});

describe('dayAgreement', () => {
  // 10 PM PST on the 29th is 06:00 UTC on the 30th.
  const lateEvening = new Date('2026-01-30T06:00:00Z');
  const dayIn = (day: string, zone: string) => (zone === 'UTC' ? new Date(`${day}T00:00:00Z`) : new Date(`${day}T00:00:00-08:00`));

  it('is the same day when the instant falls on the front matter date in the site timezone', () => {
    expect(dayAgreement(lateEvening, 'UTC-8', dayIn('2026-01-29', 'America/Los_Angeles'), 'America/Los_Angeles')).toBe('same-day');
    expect(dayAgreement(lateEvening, 'UTC-8', dayIn('2026-01-30', 'UTC'), 'UTC')).toBe('same-day');
  });

  it('says when the day only agrees in the zone the time was written in', () => {
    expect(dayAgreement(lateEvening, 'UTC-8', dayIn('2026-01-29', 'UTC'), 'UTC')).toBe('same-day-in-written-zone');
  });

  it('says when the days disagree', () => {
    expect(dayAgreement(lateEvening, 'UTC-8', dayIn('2026-01-27', 'UTC'), 'UTC')).toBe('different-day');
  });
});
