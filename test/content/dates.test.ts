// The fast path for plain ISO dates must give Luxon's answer every time it answers at all.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseDateValue, plainIsoInstant } from '../../src/content/schema.js';

/** The reading before the fast path existed: Luxon's ISO, SQL, then RFC 2822 parsers. */
function luxonOnly(text: string, timezone: string): Date | undefined {
  const options = { zone: timezone, setZone: true };
  for (const parse of [DateTime.fromISO, DateTime.fromSQL, DateTime.fromRFC2822]) {
    const date = parse(text, options);
    if (date.isValid) return date.toJSDate();
  }
  return undefined;
}

const days = [
  '2026-01-29',
  '2024-02-29',
  '2025-02-29',
  '2026-02-28',
  '2026-04-31',
  '2026-12-31',
  '2026-13-01',
  '2026-00-10',
  '2026-06-00',
  '1999-12-31',
  '2000-02-29',
  '1900-02-29',
  '0999-01-01',
  '1000-01-01',
  '9999-12-31',
];
const times = [
  '',
  'T00:00',
  'T14:11',
  'T23:59:59',
  'T24:00',
  'T12:60',
  'T12:30:60',
  'T14:11:00.1',
  'T14:11:00.123',
  'T14:11:00.1239',
  'T14:11:00.999999999',
  'T14:11:00.',
];
const offsets = ['', 'Z', '+00:00', '-00:00', '+05:30', '-08:00', '+14:00', '+23:59', '+24:00', '-12:60', '+0530', '+05'];
const samples = days.flatMap((d) => times.flatMap((t) => (t === '' ? [d, `${d}Z`, `${d}+01:00`] : offsets.map((o) => `${d}${t}${o}`))));

describe('plain ISO dates', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Los_Angeles'])('match Luxon for every sample in %s, and the fast path answers for the common shapes', (timezone) => {
    let answered = 0;
    for (const text of samples) {
      const expected = luxonOnly(text, timezone)?.toISOString();
      expect(parseDateValue(text, timezone)?.toISOString(), text).toBe(expected);
      const fast = plainIsoInstant(text, timezone);
      if (fast !== undefined) {
        answered++;
        expect(fast.toISOString(), text).toBe(expected);
      }
    }
    // Not a vacuous comparison: the fast path really takes most of the valid samples.
    expect(answered).toBeGreaterThan(timezone === 'UTC' ? 300 : 150);
  });

  it('leaves a date without an offset outside UTC to Luxon (it needs the zone rules)', () => {
    expect(plainIsoInstant('2026-03-29T02:30', 'Europe/Paris')).toBeUndefined();
    expect(parseDateValue('2026-07-01', 'Europe/Paris')?.toISOString()).toBe('2026-06-30T22:00:00.000Z');
  });

  it('rejects impossible dates instead of rolling them over', () => {
    for (const text of ['2026-02-30', '2025-02-29', '2026-04-31T10:00Z', '2026-13-01']) expect(parseDateValue(text, 'UTC'), text).toBeUndefined();
    expect(parseDateValue('2024-02-29', 'UTC')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});
