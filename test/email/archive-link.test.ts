// The "view in browser" link: bare for whole-day windows up to 62 days, signed with the exact window otherwise.
import { describe, expect, it } from 'vitest';
import { archivePath, bareArchiveWindow, signedArchiveWindow, UNSIGNED_ARCHIVE_DAYS } from '../../src/email/archive-link.js';

const KEY = 'archive-link-test-key';
const digest = (since: string, until: string, id: string) => ({ id, since, until, timezone: 'UTC' });
const signedPart = (path: string) => new URL(path, 'https://x.example/').searchParams.get('w') ?? undefined;

describe('archivePath', () => {
  it('is the bare id for a whole-day window of at most 62 days', () => {
    expect(archivePath(digest('2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2026-11-23..2026-11-30'), KEY)).toBe('/archive/2026-11-23..2026-11-30/');
    expect(UNSIGNED_ARCHIVE_DAYS).toBe(62);
  });

  it('signs a 90-day window, and the signature gives back exactly that window', () => {
    const path = archivePath(digest('2026-09-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2026-09-01..2026-11-30'), KEY);
    expect(path).toMatch(/^\/archive\/2026-09-01\.\.2026-11-30\/\?w=\d+-\d+\.[\w-]{43}$/);
    expect(bareArchiveWindow('2026-09-01..2026-11-30', 'UTC')).toBeUndefined();
    expect(signedArchiveWindow('2026-09-01..2026-11-30', signedPart(path)!, KEY)).toEqual({
      since: new Date('2026-09-01T00:00:00.000Z'),
      until: new Date('2026-11-30T00:00:00.000Z'),
    });
  });

  it('signs a window that does not end at midnight (a send ends "now"), keeping its exact bounds', () => {
    const path = archivePath(digest('2026-11-22T12:34:56.789Z', '2026-11-29T12:00:00.123Z', '2026-11-22..2026-11-29'), KEY);
    expect(signedArchiveWindow('2026-11-22..2026-11-29', signedPart(path)!, KEY)).toEqual({
      since: new Date('2026-11-22T12:34:56.789Z'),
      until: new Date('2026-11-29T12:00:00.123Z'),
    });
  });

  it('refuses a signature that was altered, made with another key, or made for another id', () => {
    const path = archivePath(digest('2026-09-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z', '2026-09-01..2026-11-30'), KEY);
    const w = signedPart(path)!;
    expect(signedArchiveWindow('2026-09-01..2026-11-30', w, 'another-key')).toBeUndefined();
    expect(signedArchiveWindow('2026-08-01..2026-11-30', w, KEY)).toBeUndefined();
    expect(
      signedArchiveWindow(
        '2026-09-01..2026-11-30',
        w.replace(/^\d/, (d) => String((Number(d) + 1) % 10)),
        KEY,
      ),
    ).toBeUndefined();
    expect(signedArchiveWindow('2026-09-01..2026-11-30', `${w.slice(0, -1)}${w.endsWith('A') ? 'B' : 'A'}`, KEY)).toBeUndefined();
    expect(signedArchiveWindow('2026-09-01..2026-11-30', 'nonsense', KEY)).toBeUndefined();
  });

  it('serves bare ids up to 62 days and no further', () => {
    expect(bareArchiveWindow('2026-09-29..2026-11-30', 'UTC')).toBeDefined(); // 62 days
    expect(bareArchiveWindow('2026-09-28..2026-11-30', 'UTC')).toBeUndefined(); // 63
    expect(bareArchiveWindow('2026-11-30..2026-11-23', 'UTC')).toBeUndefined();
  });
});
