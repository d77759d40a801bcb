// parseSubscriberCsv: a subscriber CSV → rows to add with the consent each records, and every bad row by
// its line in the file. The other tools' exports have their own tests in import-formats.test.ts.
import { describe, expect, it } from 'vitest';
import { toSlug } from '../../src/content/slug.js';
import { InputError } from '../../src/errors.js';
import { parseSubscriberCsv } from '../../src/subscribers/import-csv.js';
import { parseImportDate } from '../../src/subscribers/import-formats.js';

const FILE = 'lists/subscribers.csv';
const parse = (text: string, status: 'active' | 'pending' = 'active') => parseSubscriberCsv(text, FILE, status, toSlug);
/** The rows without what every row carries (its line and where it came from), for comparing whole rows. */
const bare = (rows: ReturnType<typeof parse>['rows']) => rows.map(({ line: _line, source: _source, ...row }) => row);
/** Lines joined with LF (the default) or CRLF. */
const csv = (lines: string[], eol = '\n') => lines.join(eol) + eol;

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('parseSubscriberCsv', () => {
  it('reads email, name and categories into rows with the status asked for', () => {
    const result = parse(csv(['email,name,categories', 'ada@example.com,Ada Lovelace,tech', 'bob@example.com,,']), 'pending');
    expect(result).toEqual({
      format: 'broadsheet',
      description: 'a subscriber CSV',
      columns: { used: ['email', 'name', 'categories'], ignored: [] },
      rows: [
        { line: 2, email: 'ada@example.com', name: 'Ada Lovelace', categories: ['tech'], status: 'pending', source: 'imported from a subscriber CSV' },
        { line: 3, email: 'bob@example.com', name: undefined, categories: [], status: 'pending', source: 'imported from a subscriber CSV' },
      ],
      errors: [],
      duplicates: 0,
    });
  });

  it('keeps unsubscribed and bounced rows of an export as they are, never active', () => {
    const result = parse(csv(['email,status', 'gone@example.com,unsubscribed', 'dead@example.com,Bounced', 'ok@example.com,active']));
    expect(result.rows.map((r) => [r.email, r.status])).toEqual([
      ['gone@example.com', 'unsubscribed'],
      ['dead@example.com', 'bounced'],
      ['ok@example.com', 'active'],
    ]);
  });

  it('needs only the email column', () => {
    expect(bare(parse(csv(['email', 'Ada@Example.com'])).rows)).toEqual([{ email: 'ada@example.com', name: undefined, categories: [], status: 'active' }]);
  });

  it('matches header names whatever their case and surrounding whitespace, in any order', () => {
    const result = parse(csv([' Categories ,  NAME,EMAIL  ', 'news,Ada,ada@example.com']));
    expect(bare(result.rows)).toEqual([{ email: 'ada@example.com', name: 'Ada', categories: ['news'], status: 'active' }]);
    expect(result.columns).toEqual({ used: ['Categories', 'NAME', 'EMAIL'], ignored: [] });
  });

  it('ignores columns it does not know, and says which it used and which it ignored', () => {
    const result = parse(csv(['id,email,signed_up,name', '7,ada@example.com,2020-01-01,Ada']));
    expect(bare(result.rows)).toEqual([{ email: 'ada@example.com', name: 'Ada', categories: [], status: 'active' }]);
    expect(result.columns).toEqual({ used: ['email', 'name'], ignored: ['id', 'signed_up'] });
  });

  it('skips a UTF-8 byte order mark (Excel writes one)', () => {
    const result = parse(`\uFEFF${csv(['email,name', 'ada@example.com,Ada'])}`);
    expect(result.rows.map((r) => r.email)).toEqual(['ada@example.com']);
    expect(result.errors).toEqual([]);
  });

  it('reads CRLF line endings, and a file without a final line break', () => {
    expect(parse(csv(['email,name', 'ada@example.com,Ada', 'bob@example.com,Bob'], '\r\n')).rows.map((r) => [r.email, r.name])).toEqual([
      ['ada@example.com', 'Ada'],
      ['bob@example.com', 'Bob'],
    ]);
    expect(parse('email\r\nada@example.com').rows.map((r) => r.email)).toEqual(['ada@example.com']);
  });

  it('reads quoted fields containing commas, quotes and line breaks; collapses whitespace in names', () => {
    const result = parse(csv(['email,name', '"ada@example.com","Lovelace, Ada"', 'bob@example.com,"Bob ""The Builder"""', 'cy@example.com,"Cy\n  Young"']));
    expect(result.rows.map((r) => r.name)).toEqual(['Lovelace, Ada', 'Bob "The Builder"', 'Cy Young']);
    expect(result.errors).toEqual([]);
  });

  it('splits categories on commas (inside quotes) or semicolons, slugs, de-duplicates and sorts them', () => {
    const result = parse(
      csv(['email,categories', 'a@example.com,"Tech, News"', 'b@example.com,tech;Open Source;tech', 'c@example.com,', 'd@example.com," ; "']),
    );
    expect(result.rows.map((r) => r.categories)).toEqual([['news', 'tech'], ['open-source', 'tech'], [], []]);
  });

  it('normalises addresses: case, whitespace and <angle> brackets', () => {
    const result = parse(csv(['email', '  ADA@example.COM  ', '<bob@example.com>']));
    expect(result.rows.map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('skips empty lines without shifting the line numbers of later rows', () => {
    const result = parse(csv(['email', '', 'ada@example.com', '', '', 'not-an-address', '']));
    expect(result.rows.map((r) => r.email)).toEqual(['ada@example.com']);
    expect(result.errors).toEqual([{ line: 6, message: '"not-an-address" is not an email address' }]);
  });

  it('skips whitespace-only lines without shifting the line numbers of later rows (LF and CRLF)', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = csv(['email', 'ada@example.com', '   ', '\t', 'bad-1', '  ', '"not', 'an address"', 'bad-3'], eol);
      expect(parse(text).errors.map((e) => e.line)).toEqual([5, 7, 9]);
    }
  });

  it('reports each bad row by its 1-based line in the file and keeps the good ones', () => {
    const result = parse(csv(['email,name', 'ada@example.com,Ada', 'no-at-sign,Bad', ',Empty', 'bob@example.com,Bob', 'two@@example.com,Worse']));
    expect(result.rows.map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com']);
    expect(result.errors).toEqual([
      { line: 3, message: '"no-at-sign" is not an email address' },
      { line: 4, message: 'the email column is empty' },
      { line: 6, message: '"two@@example.com" is not an email address' },
    ]);
  });

  it('counts line numbers correctly after a multi-line quoted field (LF)', () => {
    const text = csv(['email,name', 'ada@example.com,"Ada', 'Lovelace"', 'bad-1,x', 'bob@example.com,"B', '', 'ob"', 'bad-2,y']);
    expect(parse(text).errors.map((e) => e.line)).toEqual([4, 8]);
  });

  it('counts line numbers correctly after a multi-line quoted field (CRLF file)', () => {
    const text = csv(['email,name', 'ada@example.com,"Ada', 'Lovelace"', 'bad-1,x', 'bob@example.com,"B', '', 'ob"', 'bad-2,y'], '\r\n');
    expect(parse(text).errors.map((e) => e.line)).toEqual([4, 8]);
    expect(parse(text).rows.map((r) => r.name)).toEqual(['Ada Lovelace', 'B ob']);
  });

  it('counts line numbers correctly in an Excel-style file: CRLF between rows, LF inside cells', () => {
    const text = ['email,name', 'ada@example.com,"Ada\nLovelace"', 'bad-1,x', ''].join('\r\n');
    expect(parse(text).errors).toEqual([{ line: 4, message: '"bad-1" is not an email address' }]);
  });

  it('reports a bad row that spans lines at the line it starts on', () => {
    const text = csv(['email,name', 'ada@example.com,Ada', '"not', 'an address",x', 'bob@example.com,Bob']);
    const result = parse(text);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.line).toBe(3);
    expect(result.rows.map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('counts repeated addresses (after normalisation) as duplicates and keeps the first', () => {
    const result = parse(csv(['email,name', 'ada@example.com,First', 'ADA@example.com,Second', ' <ada@example.com> ,Third', 'bob@example.com,Bob']));
    expect(result.rows.map((r) => [r.email, r.name])).toEqual([
      ['ada@example.com', 'First'],
      ['bob@example.com', 'Bob'],
    ]);
    expect(result.duplicates).toBe(2);
    expect(result.errors).toEqual([]);
  });

  it('tolerates rows with fewer or more fields than the header', () => {
    const result = parse(csv(['email,name,categories', 'ada@example.com', 'bob@example.com,Bob,news,extra']));
    expect(result.rows.map((r) => [r.email, r.name, r.categories])).toEqual([
      ['ada@example.com', undefined, []],
      ['bob@example.com', 'Bob', ['news']],
    ]);
  });

  it('rejects a file without an email column with an InputError naming the file and the header it found', () => {
    const err = thrown(() => parse(csv(['mail,name', 'ada@example.com,Ada'])));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.file).toBe(`${FILE}:1`);
    expect(err.field).toBe('header');
    expect(err.message).toContain('"email"');
    expect(err.message).toContain('mail, name');
    expect(err.describe()).toContain(FILE);
  });

  it('rejects a header-only file without an email column too (not a silent empty import)', () => {
    const err = thrown(() => parse(csv(['mail,name'])));
    expect(err.file).toBe(`${FILE}:1`);
    expect(err.message).toContain('mail, name');
  });

  it('rejects an empty file: it has no header naming the email column', () => {
    const err = thrown(() => parse(''));
    expect(err.file).toBe(`${FILE}:1`);
    expect(err.message).toContain('"email"');
  });

  it('accepts a header-only file with an email column: nothing to import, nothing wrong', () => {
    expect(parse(csv(['email,name']))).toMatchObject({ rows: [], errors: [], duplicates: 0 });
  });

  it('rejects malformed CSV (an unclosed quote) with an InputError giving the file and a line', () => {
    const err = thrown(() => parse(csv(['email,name', 'ada@example.com,Ada', 'bob@example.com,"Bob', 'cy@example.com,Cy'])));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.file).toMatch(new RegExp(`^${FILE.replace(/[.]/g, '\\.')}:\\d+$`));
    expect(err.message).toMatch(/not valid CSV/);
    expect(err.cause).toBeDefined();
  });

  it('rejects a stray quote inside an unquoted field with the line it is on', () => {
    const err = thrown(() => parse(csv(['email,name', 'ada@example.com,Ada', 'bob@example.com,"Bob"by'])));
    expect(err.file).toBe(`${FILE}:3`);
  });
});

describe('parseSubscriberCsv: consent', () => {
  const STATUSES = csv([
    'email,status',
    'a@example.com,active',
    'p@example.com,pending',
    'u@example.com,unsubscribed',
    'b@example.com,bounced',
    'c@example.com,complained',
    'n@example.com,',
    's@example.com,Subscribed',
  ]);

  it("keeps each row's status: pending stays pending, unsubscribed and bounced stay so, complained is stored unsubscribed", () => {
    const result = parse(STATUSES);
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.email, r.status])).toEqual([
      ['a@example.com', 'active'],
      ['p@example.com', 'pending'],
      ['u@example.com', 'unsubscribed'],
      ['b@example.com', 'bounced'],
      ['c@example.com', 'unsubscribed'],
      ['n@example.com', 'active'],
      ['s@example.com', 'active'],
    ]);
    // The complaint is not lost: it is the detail of the subscriber's first event.
    expect(result.rows[4]!.source).toBe('imported from a subscriber CSV: complained');
  });

  it('with --pending, only the subscribed rows become pending: nothing is ever raised to active', () => {
    const result = parse(STATUSES, 'pending');
    expect(result.rows.map((r) => r.status)).toEqual(['pending', 'pending', 'unsubscribed', 'bounced', 'unsubscribed', 'pending', 'pending']);
  });

  it('reports a status it does not know as a bad row naming the column and the statuses it knows', () => {
    const result = parse(csv(['email,status', 'ok@example.com,active', 'odd@example.com,deleted']));
    expect(result.rows.map((r) => r.email)).toEqual(['ok@example.com']);
    expect(result.errors).toEqual([
      {
        line: 3,
        message:
          'status: "deleted" is not a status this import knows (expected one of: active, subscribed, pending, unconfirmed, unsubscribed, bounced, cleaned, complained)',
      },
    ]);
  });
});

describe('parseSubscriberCsv: a Broadsheet export', () => {
  const HEADER = 'email,name,status,categories,timezone,created_at,confirmed_at,unsubscribed_at,bounced_at,last_digest_until';

  it('reads every column of the export, dates to the millisecond', () => {
    const result = parse(
      csv([
        HEADER,
        'ada@example.com,Ada,active,"news,tech",Europe/London,2026-01-02T03:04:05.678Z,2026-01-02T03:05:00.000Z,,,2026-11-23T00:00:00.000Z',
        'pen@example.com,,pending,,,2026-02-01T00:00:00.000Z,,,,',
        'back@example.com,,pending,,,2025-01-01T00:00:00.000Z,2025-01-02T00:00:00.000Z,2025-06-01T00:00:00.000Z,,',
      ]),
    );
    expect(result.format).toBe('broadsheet');
    expect(result.description).toBe('a Broadsheet export');
    expect(result.columns).toEqual({ used: HEADER.split(','), ignored: [] });
    expect(bare(result.rows)).toEqual([
      {
        email: 'ada@example.com',
        name: 'Ada',
        status: 'active',
        categories: ['news', 'tech'],
        timezone: 'Europe/London',
        createdAt: new Date('2026-01-02T03:04:05.678Z'),
        confirmedAt: new Date('2026-01-02T03:05:00.000Z'),
        lastDigestUntil: new Date('2026-11-23T00:00:00.000Z'),
      },
      { email: 'pen@example.com', name: undefined, status: 'pending', categories: [], createdAt: new Date('2026-02-01T00:00:00.000Z') },
      // Signed up again after unsubscribing: pending, with the dates of its history kept.
      {
        email: 'back@example.com',
        name: undefined,
        status: 'pending',
        categories: [],
        createdAt: new Date('2025-01-01T00:00:00.000Z'),
        confirmedAt: new Date('2025-01-02T00:00:00.000Z'),
        unsubscribedAt: new Date('2025-06-01T00:00:00.000Z'),
      },
    ]);
  });

  it("with --pending, drops the file's confirmation time of a row it makes pending (the new confirmation will count)", () => {
    const result = parse(csv([HEADER, 'ada@example.com,,active,,,2026-01-02T00:00:00Z,2026-01-03T00:00:00Z,,,']), 'pending');
    expect(bare(result.rows)).toEqual([
      { email: 'ada@example.com', name: undefined, status: 'pending', categories: [], createdAt: new Date('2026-01-02T00:00:00Z') },
    ]);
  });

  it('reports a date that is not one, and a time zone that is not one, as bad rows naming the column', () => {
    const result = parse(
      csv([HEADER, 'a@example.com,,active,,,soon,,,,', 'b@example.com,,active,,Mars/Olympus,,,,,', 'c@example.com,,active,,,,,,,2026-02-30']),
    );
    expect(result.rows).toEqual([]);
    expect(result.errors).toEqual([
      { line: 2, message: 'created_at: "soon" is not a date (expected one like 2026-11-29 or 2026-11-29T08:00:00Z)' },
      { line: 3, message: 'timezone: "Mars/Olympus" is not an IANA time zone (like Europe/Paris)' },
      { line: 4, message: 'last_digest_until: "2026-02-30" is not a date (expected one like 2026-11-29 or 2026-11-29T08:00:00Z)' },
    ]);
  });
});

describe('parseImportDate', () => {
  it.each([
    ['2026-11-29T08:00:00.123Z', '2026-11-29T08:00:00.123Z'],
    ['2026-11-29T08:00:00+01:00', '2026-11-29T07:00:00.000Z'],
    ['2026-11-29', '2026-11-29T00:00:00.000Z'],
    // Mailchimp: UTC without saying so.
    ['2026-11-29 08:00:00', '2026-11-29T08:00:00.000Z'],
    // listmonk (Go's time.String()): microseconds are cut to milliseconds, the offset counts, the zone name is ignored.
    ['2024-01-02 03:04:05.123456 +0530 IST', '2024-01-01T21:34:05.123Z'],
    ['2023-05-06 07:08:09.5 +0000 UTC', '2023-05-06T07:08:09.500Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseImportDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['soon', '29/11/2026', '2026-13-01', '2026-02-30T00:00:00Z', '2026-11-29T25:00:00Z', ''])('refuses %j', (text) => {
    expect(parseImportDate(text)).toBeUndefined();
  });
});
