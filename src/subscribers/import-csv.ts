// A subscriber CSV (Broadsheet's export, any CSV with an email column, or another newsletter tool's
// export; see import-formats.ts) → rows to add with the consent each records, and every bad row by its
// line number. Pure: the categories and the suppression list are checked by the caller.
import { parse } from 'csv-parse/sync';
import { IANAZone } from 'luxon';
import { AppError, InputError } from '../errors.js';
import { normalizeAddress, parseCategoryList } from './address.js';
import { detectFormat, FORMATS, parseImportDate, type ImportFormat, type RowReader } from './import-formats.js';
import type { NewSubscriber } from './store.js';

/** A row to add, with the line it starts on (for problems found later: categories, suppression). */
export interface ImportRow extends NewSubscriber {
  line: number;
}

export interface CsvImport {
  format: ImportFormat;
  /** How the report names the file's kind: "a Mailchimp export (cleaned members)". */
  description: string;
  /** The file's column names as written: those the import read, and the others. */
  columns: { used: string[]; ignored: string[] };
  rows: ImportRow[];
  /** Rows that were skipped, by their line in the file. */
  errors: Array<{ line: number; message: string }>;
  /** Rows repeating an address seen earlier in the same file. */
  duplicates: number;
}

/**
 * `subscribed` is the status for rows whose source says the person opted in: 'active' when the
 * publisher vouches for that consent, 'pending' (--pending) when each must confirm again. Rows the
 * source has as pending, unsubscribed or bounced keep that status either way.
 */
export function parseSubscriberCsv(text: string, file: string, subscribed: 'active' | 'pending', toSlug: (s: string) => string): CsvImport {
  let records: Array<{ record: Record<string, string>; raw: string; info: { lines: number } }>;
  let written: string[] = [];
  try {
    // csv-parse counts a CRLF inside a quoted field as two lines, so every later line number would be off.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      columns: (names: string[]) => (written = names).map(normalizeColumn),
      info: true,
      raw: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as typeof records;
  } catch (cause) {
    const err = cause as { lines?: number; message?: string };
    throw new InputError({ file: err.lines ? `${file}:${err.lines}` : file, message: `is not valid CSV: ${err.message ?? cause}`, cause });
  }
  const header = written.map(normalizeColumn);
  const columns = new Set(header);
  // Checked on the header itself: a file with no data rows (or none at all) must not pass as an empty import.
  const spec = detectFormat(columns);
  if (!spec) {
    throw new InputError({
      file: `${file}:1`,
      field: 'header',
      message: `has no "email" column (found: ${written.map((h) => h.trim()).join(', ') || 'nothing'})`,
      hint: `the first line must name the columns: email, and optionally name, categories, timezone, status; or be the header of a ${FORMATS.filter(
        (f) => f.format !== 'broadsheet',
      )
        .map((f) => f.format)
        .join(', ')} export`,
    });
  }
  const reads = new Set(spec.reads);
  const result: CsvImport = {
    format: spec.format,
    description: spec.describe(columns),
    columns: { used: [], ignored: [] },
    rows: [],
    errors: [],
    duplicates: 0,
  };
  for (const [i, name] of written.entries()) (reads.has(header[i]!) ? result.columns.used : result.columns.ignored).push(name.trim());

  const seen = new Set<string>();
  for (const { record, raw: source, info } of records) {
    // info.lines is where a record ends; a quoted line break makes it start earlier, and that is where to look.
    const line =
      info.lines -
      (source
        .replace(/^(?:[^\S\n]*\n)+/, '')
        .replace(/\n$/, '')
        .match(/\n/g)?.length ?? 0);
    const reader: RowReader = {
      has: (column) => columns.has(column),
      text: (column) => record[column]?.trim() ?? '',
      date(column) {
        const cell = record[column]?.trim() ?? '';
        if (cell === '') return undefined;
        const date = parseImportDate(cell);
        if (!date) throw new InputError({ field: column, message: `"${cell}" is not a date (expected one like 2026-11-29 or 2026-11-29T08:00:00Z)` });
        return date;
      },
    };
    let row: ImportRow;
    try {
      const mapped = spec.map(reader);
      const email = normalizeAddress(mapped.email);
      if (!email) throw new InputError({ message: mapped.email ? `"${mapped.email}" is not an email address` : 'the email column is empty' });
      const timezone = mapped.timezone || undefined;
      if (timezone && !IANAZone.isValidZone(timezone)) {
        throw new InputError({ field: 'timezone', message: `"${timezone}" is not an IANA time zone (like Europe/Paris)` });
      }
      if (seen.has(email)) {
        result.duplicates++;
        continue;
      }
      seen.add(email);
      const status = mapped.status === 'subscribed' ? subscribed : mapped.status;
      // Under --pending the file's confirmation does not count: the new one will be recorded when it comes.
      const confirmedAt = mapped.status === 'subscribed' && status === 'pending' ? undefined : mapped.confirmedAt;
      row = {
        line,
        email,
        name: mapped.name?.replace(/\s+/g, ' ').trim() || undefined,
        categories: parseCategoryList(mapped.categories, toSlug),
        status,
        ...(timezone ? { timezone } : {}),
        ...definedDates({
          createdAt: mapped.createdAt,
          confirmedAt,
          unsubscribedAt: mapped.unsubscribedAt,
          bouncedAt: mapped.bouncedAt,
          lastDigestUntil: mapped.lastDigestUntil,
        }),
        source: `imported from ${result.description}${mapped.note ? `: ${mapped.note}` : ''}`,
      };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      result.errors.push({ line, message: err.describe() });
      continue;
    }
    result.rows.push(row);
  }
  return result;
}

/** Header names are matched whatever their case and surrounding whitespace ("Email Address" → "email address"). */
function normalizeColumn(name: string): string {
  return name.trim().toLowerCase();
}

/** Only the dates the file gave: the store fills in the others. */
function definedDates<T extends Record<string, Date | undefined>>(dates: T): Partial<T> {
  return Object.fromEntries(Object.entries(dates).filter(([, d]) => d !== undefined)) as Partial<T>;
}
