// Other newsletter tools' subscriber exports, recognised by their header and mapped with the consent
// they record: one small fixture per format under test/fixtures/subscribers/, written from the format
// as its vendor documents it (each describe block says which columns). Through the CLI, Mailchimp's
// three files are imported in cli.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toSlug } from '../../src/content/slug.js';
import { InputError } from '../../src/errors.js';
import { parseSubscriberCsv } from '../../src/subscribers/import-csv.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/subscribers/${name}`, import.meta.url));
const read = (name: string, subscribed: 'active' | 'pending' = 'active') => parseSubscriberCsv(readFileSync(fixture(name), 'utf8'), name, subscribed, toSlug);
/** Each row as the store would get it, without its line and source (tested where they matter). */
const rows = (name: string, subscribed: 'active' | 'pending' = 'active') => read(name, subscribed).rows.map(({ line: _line, source: _source, ...row }) => row);

describe('Mailchimp', () => {
  // Mailchimp's audience export: a zip of one CSV per status, each with "Email Address", the merge fields
  // ("First Name", "Last Name", Address, "Phone Number", Birthday), then MEMBER_RATING, OPTIN_TIME,
  // OPTIN_IP, CONFIRM_TIME, CONFIRM_IP, LATITUDE, LONGITUDE, GMTOFF, DSTOFF, TIMEZONE, CC, REGION,
  // LAST_CHANGED, LEID, EUID, NOTES, TAGS; the unsubscribed file adds UNSUB_TIME, UNSUB_CAMPAIGN_TITLE,
  // UNSUB_CAMPAIGN_ID, UNSUB_REASON, UNSUB_REASON_OTHER, the cleaned (bounced) file CLEAN_TIME,
  // CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID. Times are written without a zone, in UTC.
  it('reads the subscribed members: name from first and last name, opt-in and confirmation times, time zone', () => {
    const result = read('mailchimp-subscribed.csv');
    expect(result.format).toBe('mailchimp');
    expect(result.description).toBe('a Mailchimp export (subscribed members)');
    expect(result.errors).toEqual([]);
    expect(rows('mailchimp-subscribed.csv')).toEqual([
      {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        status: 'active',
        categories: [],
        timezone: 'Europe/London',
        createdAt: new Date('2024-03-01T09:15:00Z'),
        confirmedAt: new Date('2024-03-01T09:20:30Z'),
      },
      {
        email: 'grace@example.com',
        name: 'Grace',
        status: 'active',
        categories: [],
        createdAt: new Date('2024-04-10T17:00:00Z'),
        confirmedAt: new Date('2024-04-10T17:05:00Z'),
      },
    ]);
  });

  it('says which columns it used and which it ignored (tags are not categories)', () => {
    expect(read('mailchimp-subscribed.csv').columns).toEqual({
      used: ['Email Address', 'First Name', 'Last Name', 'OPTIN_TIME', 'CONFIRM_TIME', 'TIMEZONE'],
      ignored: [
        'Address',
        'Phone Number',
        'Birthday',
        'MEMBER_RATING',
        'OPTIN_IP',
        'CONFIRM_IP',
        'LATITUDE',
        'LONGITUDE',
        'GMTOFF',
        'DSTOFF',
        'CC',
        'REGION',
        'LAST_CHANGED',
        'LEID',
        'EUID',
        'NOTES',
        'TAGS',
      ],
    });
  });

  it('with --pending makes the subscribed members pending (without the old confirmation time)', () => {
    expect(rows('mailchimp-subscribed.csv', 'pending').map((r) => [r.status, r.confirmedAt])).toEqual([
      ['pending', undefined],
      ['pending', undefined],
    ]);
  });

  it('stores the unsubscribed members as unsubscribed, with UNSUB_TIME, even with --pending', () => {
    expect(read('mailchimp-unsubscribed.csv').description).toBe('a Mailchimp export (unsubscribed members)');
    for (const subscribed of ['active', 'pending'] as const) {
      expect(rows('mailchimp-unsubscribed.csv', subscribed)).toEqual([
        {
          email: 'gone@example.com',
          name: 'Gone Away',
          status: 'unsubscribed',
          categories: [],
          timezone: 'America/New_York',
          createdAt: new Date('2023-01-05T08:00:00Z'),
          confirmedAt: new Date('2023-01-05T08:01:00Z'),
          unsubscribedAt: new Date('2024-02-14T12:30:00Z'),
        },
      ]);
    }
  });

  it('stores the cleaned members as bounced, with CLEAN_TIME', () => {
    const result = read('mailchimp-cleaned.csv');
    expect(result.description).toBe('a Mailchimp export (cleaned members)');
    expect(rows('mailchimp-cleaned.csv')).toEqual([
      {
        email: 'dead@example.com',
        name: 'Dead Letter',
        status: 'bounced',
        categories: [],
        createdAt: new Date('2022-06-01T10:00:00Z'),
        confirmedAt: new Date('2022-06-01T10:02:00Z'),
        bouncedAt: new Date('2024-01-20T06:45:00Z'),
      },
    ]);
    expect(result.rows[0]!.source).toBe('imported from a Mailchimp export (cleaned members): cleaned');
  });
});

describe('Substack', () => {
  // Substack's subscriber export (Subscribers → Export): email, active_subscription, expiry, plan,
  // email_disabled, created_at, first_payment_at. The paid-plan columns say nothing about consent to email.
  it('keeps readers who turned emails off (email_disabled) unsubscribed; the others are subscribed', () => {
    const result = read('substack.csv');
    expect(result.format).toBe('substack');
    expect(result.errors).toEqual([]);
    expect(rows('substack.csv')).toEqual([
      { email: 'reader@example.com', name: undefined, status: 'active', categories: [], createdAt: new Date('2023-09-12T14:03:22.104Z') },
      { email: 'patron@example.com', name: undefined, status: 'active', categories: [], createdAt: new Date('2022-02-01T08:00:00.000Z') },
      { email: 'quiet@example.com', name: undefined, status: 'unsubscribed', categories: [], createdAt: new Date('2021-11-30T23:59:59.000Z') },
    ]);
    expect(result.columns.ignored).toEqual(['active_subscription', 'expiry', 'plan', 'first_payment_at']);
  });

  it('reports an email_disabled cell that is neither true nor false', () => {
    const result = parseSubscriberCsv('email,email_disabled\nx@example.com,maybe\n', 'substack.csv', 'active', toSlug);
    expect(result.errors).toEqual([{ line: 2, message: 'email_disabled: expected true or false, got "maybe"' }]);
  });
});

describe('Buttondown', () => {
  // Buttondown's subscriber object, which its CSV export lists one column each: id, email,
  // creation_date, notes, metadata, tags, referrer_url, secondary_id, subscriber_type, source,
  // utm_campaign, utm_medium, utm_source. Types: regular, premium (and the other paid ones),
  // unactivated (not yet confirmed), unsubscribed, complained, …
  it('maps the subscriber types: unactivated stays pending, unsubscribed and complained are unsubscribed', () => {
    const result = read('buttondown.csv');
    expect(result.format).toBe('buttondown');
    expect(result.errors).toEqual([]);
    expect(rows('buttondown.csv').map((r) => [r.email, r.status, r.createdAt?.toISOString()])).toEqual([
      ['regular@example.com', 'active', '2024-05-02T10:11:12.000Z'],
      ['new@example.com', 'pending', '2024-06-01T00:00:00.000Z'],
      ['left@example.com', 'unsubscribed', '2023-12-24T18:30:00.000Z'],
      ['angry@example.com', 'unsubscribed', '2023-10-01T09:00:00.000Z'],
      ['paid@example.com', 'active', '2022-01-15T12:00:00.000Z'],
    ]);
    expect(result.rows[3]!.source).toBe('imported from a Buttondown export: complained');
    expect(result.columns.used).toEqual(['email', 'creation_date', 'subscriber_type']);
  });

  it('reads the newer column names (email_address, type) too, and reports a type it does not know', () => {
    const result = parseSubscriberCsv(
      'email_address,creation_date,type\na@example.com,2024-01-01T00:00:00Z,regular\nb@example.com,,teleported\n',
      'bd.csv',
      'active',
      toSlug,
    );
    expect(result.rows.map((r) => [r.email, r.status])).toEqual([['a@example.com', 'active']]);
    expect(result.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^type: "teleported" is not a status this import knows \(expected one of: regular, .*unactivated/) },
    ]);
  });
});

describe('Ghost', () => {
  // Ghost's members export (Members → Export): id, email, name, note, subscribed_to_emails,
  // complimentary_plan, stripe_customer_id, created_at, deleted_at, labels, tiers. Labels are Ghost's
  // own segments, not Broadsheet categories, so they are ignored.
  it('keeps members not subscribed to emails unsubscribed, with name and created_at', () => {
    const result = read('ghost.csv');
    expect(result.format).toBe('ghost');
    expect(result.description).toBe('a Ghost members export');
    expect(rows('ghost.csv')).toEqual([
      { email: 'member@example.com', name: 'Mia Member', status: 'active', categories: [], createdAt: new Date('2022-09-13T19:01:21.000Z') },
      { email: 'muted@example.com', name: 'Otto Muted', status: 'unsubscribed', categories: [], createdAt: new Date('2023-01-02T03:04:05.000Z') },
    ]);
    expect(result.columns).toEqual({
      used: ['email', 'name', 'subscribed_to_emails', 'created_at'],
      ignored: ['id', 'note', 'complimentary_plan', 'stripe_customer_id', 'deleted_at', 'labels', 'tiers'],
    });
  });
});

describe('listmonk', () => {
  // listmonk's subscriber export (Subscribers → Export): uuid, email, name, attributes (a JSON object),
  // status (enabled, disabled, blocklisted), created_at, updated_at; dates as Go writes them
  // ("2024-01-02 03:04:05.123456 +0530 IST").
  it('keeps disabled and blocklisted subscribers unsubscribed; reads Go dates; ignores the attributes JSON', () => {
    const result = read('listmonk.csv');
    expect(result.format).toBe('listmonk');
    expect(result.errors).toEqual([]);
    expect(rows('listmonk.csv')).toEqual([
      { email: 'john@example.com', name: 'John Doe', status: 'active', categories: [], createdAt: new Date('2024-01-01T21:34:05.123Z') },
      { email: 'off@example.com', name: 'Off Switch', status: 'unsubscribed', categories: [], createdAt: new Date('2023-07-08T09:10:11Z') },
      { email: 'spam@example.com', name: undefined, status: 'unsubscribed', categories: [], createdAt: new Date('2023-05-06T07:08:09.500Z') },
    ]);
    expect(result.rows.map((r) => r.source)).toEqual([
      'imported from a listmonk export',
      'imported from a listmonk export: disabled',
      'imported from a listmonk export: blocklisted',
    ]);
    expect(result.columns).toEqual({ used: ['email', 'name', 'status', 'created_at'], ignored: ['uuid', 'attributes', 'updated_at'] });
  });
});

describe('recognising the format', () => {
  it('takes any other CSV with an email column as a plain subscriber CSV', () => {
    const result = parseSubscriberCsv('Email,Signed up via\nada@example.com,form\n', 'plain.csv', 'active', toSlug);
    expect(result).toMatchObject({ format: 'broadsheet', description: 'a subscriber CSV', columns: { used: ['Email'], ignored: ['Signed up via'] } });
  });

  it('without any email column, names the formats it knows in the hint', () => {
    let caught: unknown;
    try {
      parseSubscriberCsv('mail,name\n', 'x.csv', 'active', toSlug);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toBe('has no "email" column (found: mail, name)');
    expect((caught as InputError).hint).toMatch(/or be the header of a listmonk, ghost, substack, buttondown, mailchimp export$/);
  });
});
