// The subscriber CSVs `subscribers import` recognises by their header (Broadsheet's own export, or any
// CSV with an email column; Mailchimp, Substack, Buttondown, Ghost and listmonk exports), and how one row
// of each says who the person is and what they consented to. Pure.
import { DateTime } from 'luxon';
import { InputError } from '../errors.js';

export type ImportFormat = 'broadsheet' | 'mailchimp' | 'substack' | 'buttondown' | 'ghost' | 'listmonk';

/**
 * What a row records about consent. 'subscribed' is the source's word for someone who opted in: stored
 * active, or pending under --pending. The others are stored as they are and are never made active.
 */
export type ImportedStatus = 'subscribed' | 'pending' | 'unsubscribed' | 'bounced';

/** One row, mapped: raw text for what import-csv validates, parsed dates. */
export interface MappedRow {
  email: string;
  name?: string | undefined;
  /** Category names or slugs, comma/semicolon-separated. */
  categories?: string | undefined;
  timezone?: string | undefined;
  status: ImportedStatus;
  /** Why a row has the status it has, when the word differs ("complained", "cleaned"). */
  note?: string | undefined;
  createdAt?: Date | undefined;
  confirmedAt?: Date | undefined;
  unsubscribedAt?: Date | undefined;
  bouncedAt?: Date | undefined;
  lastDigestUntil?: Date | undefined;
}

/** A row's cells by (lower-cased, trimmed) column name. */
export interface RowReader {
  /** True when the file has this column. */
  has(column: string): boolean;
  /** The trimmed cell, '' when empty or absent. */
  text(column: string): string;
  /** The cell as an instant, undefined when empty; an InputError naming the column when it is no date. */
  date(column: string): Date | undefined;
}

export interface FormatSpec {
  format: ImportFormat;
  /** Recognises the format by its (lower-cased) header. */
  detect(columns: ReadonlySet<string>): boolean;
  /** For the report: "a Mailchimp export (cleaned members)". */
  describe(columns: ReadonlySet<string>): string;
  /** Every column the mapping reads; the report lists the file's other columns as ignored. */
  reads: readonly string[];
  /** The row as a subscriber, or an InputError naming the column at fault. */
  map(row: RowReader): MappedRow;
}

/** A source's status word as Broadsheet stores it, and the word itself when it is not the same. */
type StatusMapping = { status: ImportedStatus; note?: string };

/** A status word mapped through a table; anything else is an error that lists the known words. */
function statusFrom(table: Record<string, StatusMapping>, column: string, value: string) {
  const found = Object.hasOwn(table, value.toLowerCase()) ? table[value.toLowerCase()] : undefined;
  if (!found)
    throw new InputError({ field: column, message: `"${value}" is not a status this import knows (expected one of: ${Object.keys(table).join(', ')})` });
  return found;
}

/** A "true"/"false" cell. */
function flag(row: RowReader, column: string): boolean {
  const value = row.text(column).toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError({ field: column, message: `expected true or false, got "${row.text(column)}"` });
}

const SUBSCRIBED: StatusMapping = { status: 'subscribed' };

// Broadsheet's own export, whose columns any hand-made CSV may use a subset of. The synonyms are the
// words other tools commonly write in a status column.
const BROADSHEET_STATUSES: Record<string, StatusMapping> = {
  active: SUBSCRIBED,
  subscribed: SUBSCRIBED,
  pending: { status: 'pending' },
  unconfirmed: { status: 'pending' },
  unsubscribed: { status: 'unsubscribed' },
  bounced: { status: 'bounced' },
  cleaned: { status: 'bounced', note: 'cleaned' },
  // A spam complaint withdraws consent; it says nothing about whether the address works, so it is
  // stored as unsubscribed (never mailed, never re-activated by an import), not as bounced.
  complained: { status: 'unsubscribed', note: 'complained' },
};

const broadsheet: FormatSpec = {
  format: 'broadsheet',
  detect: (columns) => columns.has('email'),
  describe: (columns) => (columns.has('last_digest_until') ? 'a Broadsheet export' : 'a subscriber CSV'),
  reads: ['email', 'name', 'categories', 'timezone', 'status', 'created_at', 'confirmed_at', 'unsubscribed_at', 'bounced_at', 'last_digest_until'],
  map(row) {
    const given = row.text('status');
    const { status, note } = given ? statusFrom(BROADSHEET_STATUSES, 'status', given) : SUBSCRIBED;
    return {
      email: row.text('email'),
      name: row.text('name'),
      categories: row.text('categories'),
      timezone: row.text('timezone'),
      status,
      note,
      createdAt: row.date('created_at'),
      confirmedAt: row.date('confirmed_at'),
      unsubscribedAt: row.date('unsubscribed_at'),
      bouncedAt: row.date('bounced_at'),
      lastDigestUntil: row.date('last_digest_until'),
    };
  },
};

// Mailchimp exports an audience as one CSV per status; which one a file is shows in its columns:
// UNSUB_TIME only in the unsubscribed export, CLEAN_TIME only in the cleaned (bounced) one.
const mailchimp: FormatSpec = {
  format: 'mailchimp',
  detect: (columns) => columns.has('email address'),
  describe: (columns) => `a Mailchimp export (${columns.has('clean_time') ? 'cleaned' : columns.has('unsub_time') ? 'unsubscribed' : 'subscribed'} members)`,
  reads: ['email address', 'first name', 'last name', 'timezone', 'optin_time', 'confirm_time', 'unsub_time', 'clean_time'],
  map(row) {
    const optin = row.date('optin_time');
    const confirmed = row.date('confirm_time');
    const cleaned = row.has('clean_time');
    const unsubscribed = !cleaned && row.has('unsub_time');
    return {
      email: row.text('email address'),
      name: `${row.text('first name')} ${row.text('last name')}`,
      timezone: row.text('timezone'),
      status: cleaned ? 'bounced' : unsubscribed ? 'unsubscribed' : 'subscribed',
      note: cleaned ? 'cleaned' : undefined,
      createdAt: optin ?? confirmed,
      confirmedAt: confirmed ?? optin,
      unsubscribedAt: unsubscribed ? row.date('unsub_time') : undefined,
      bouncedAt: cleaned ? row.date('clean_time') : undefined,
    };
  },
};

// Substack's subscriber export: email_disabled is a reader who turned the newsletter's emails off.
// Its other columns are about paid plans.
const substack: FormatSpec = {
  format: 'substack',
  detect: (columns) => columns.has('email') && columns.has('email_disabled'),
  describe: () => 'a Substack export',
  reads: ['email', 'created_at', 'email_disabled'],
  map(row) {
    const disabled = row.text('email_disabled') !== '' && flag(row, 'email_disabled');
    return {
      email: row.text('email'),
      status: disabled ? 'unsubscribed' : 'subscribed',
      note: disabled ? 'email disabled' : undefined,
      createdAt: row.date('created_at'),
    };
  },
};

// Buttondown's subscriber types. Older exports call the columns email and subscriber_type, newer ones
// email_address and type.
const BUTTONDOWN_TYPES: Record<string, StatusMapping> = {
  regular: SUBSCRIBED,
  premium: SUBSCRIBED,
  trialed: SUBSCRIBED,
  gifted: SUBSCRIBED,
  churning: SUBSCRIBED,
  unpaid: SUBSCRIBED,
  unactivated: { status: 'pending' },
  unsubscribed: { status: 'unsubscribed' },
  removed: { status: 'unsubscribed', note: 'removed' },
  complained: { status: 'unsubscribed', note: 'complained' },
  // Refused by Buttondown's firewall as likely spam: kept off the list for good rather than left out,
  // so a later import cannot add them as if they were new.
  blocked: { status: 'unsubscribed', note: 'blocked' },
  undeliverable: { status: 'bounced', note: 'undeliverable' },
};

const buttondown: FormatSpec = {
  format: 'buttondown',
  detect: (columns) => (columns.has('email') || columns.has('email_address')) && (columns.has('subscriber_type') || columns.has('creation_date')),
  describe: () => 'a Buttondown export',
  reads: ['email', 'email_address', 'creation_date', 'subscriber_type', 'type'],
  map(row) {
    const column = row.has('subscriber_type') ? 'subscriber_type' : 'type';
    const type = row.text(column);
    const { status, note } = type ? statusFrom(BUTTONDOWN_TYPES, column, type) : SUBSCRIBED;
    return { email: row.text(row.has('email_address') ? 'email_address' : 'email'), status, note, createdAt: row.date('creation_date') };
  },
};

// Ghost's member export: subscribed_to_emails false is a member who does not get the newsletter, kept
// as unsubscribed. Labels are Ghost's own segments, not Broadsheet categories.
const ghost: FormatSpec = {
  format: 'ghost',
  detect: (columns) => columns.has('email') && columns.has('subscribed_to_emails'),
  describe: () => 'a Ghost members export',
  reads: ['email', 'name', 'subscribed_to_emails', 'created_at'],
  map(row) {
    const subscribed = flag(row, 'subscribed_to_emails');
    return { email: row.text('email'), name: row.text('name'), status: subscribed ? 'subscribed' : 'unsubscribed', createdAt: row.date('created_at') };
  },
};

// listmonk's subscriber statuses (per-list subscription states are not in its export). Disabled and
// blocklisted subscribers receive no campaigns there, so they are not made active here either.
const LISTMONK_STATUSES: Record<string, StatusMapping> = {
  enabled: SUBSCRIBED,
  disabled: { status: 'unsubscribed', note: 'disabled' },
  blocklisted: { status: 'unsubscribed', note: 'blocklisted' },
};

const listmonk: FormatSpec = {
  format: 'listmonk',
  detect: (columns) => columns.has('email') && columns.has('uuid') && columns.has('attributes') && columns.has('status'),
  describe: () => 'a listmonk export',
  reads: ['email', 'name', 'status', 'created_at'],
  map(row) {
    const { status, note } = statusFrom(LISTMONK_STATUSES, 'status', row.text('status'));
    return { email: row.text('email'), name: row.text('name'), status, note, createdAt: row.date('created_at') };
  },
};

/** In the order they are tried: the most specific headers first, the plain email column last. */
export const FORMATS: readonly FormatSpec[] = [listmonk, ghost, substack, buttondown, mailchimp, broadsheet];

export function detectFormat(columns: ReadonlySet<string>): FormatSpec | undefined {
  return FORMATS.find((f) => f.detect(columns));
}

// ISO 8601 (Broadsheet, Substack, Ghost, Buttondown), "2024-05-01 09:30:00" (Mailchimp, which writes
// UTC without saying so) and Go's time.String() (listmonk: "2024-05-01 09:30:00.123456 +0530 IST").
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?(?:\s+(?:[A-Za-z]{1,6}|[+-]\d{4}))?)?$/;

/** An instant from the date formats above; a date alone is its first instant in UTC. Undefined when it is none. */
export function parseImportDate(text: string): Date | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, day, time = '00:00:00', fraction = '', offset = 'Z'] = m;
  // JavaScript dates keep milliseconds: listmonk's microseconds are cut, not rounded into the next second.
  const iso = `${day}T${time}${fraction.slice(0, 4)}${offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset}`;
  const parsed = DateTime.fromISO(iso, { setZone: true });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}
