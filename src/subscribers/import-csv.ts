// A subscriber CSV (email, optional name and categories columns) → rows to add, and every bad row by
// line number. Pure.
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';
import { normalizeAddress, parseCategoryList } from './address.js';
import type { NewSubscriber } from './store.js';

export interface CsvImport {
  rows: NewSubscriber[];
  /** Rows that were skipped, by their line in the file. */
  errors: Array<{ line: number; message: string }>;
  /** Rows repeating an address seen earlier in the same file. */
  duplicates: number;
}

export function parseSubscriberCsv(text: string, file: string, status: 'active' | 'pending', toSlug: (s: string) => string): CsvImport {
  let records: Array<{ record: Record<string, string>; raw: string; info: { lines: number } }>;
  let header: string[] | undefined;
  try {
    // csv-parse counts a CRLF inside a quoted field as two lines, so every later line number would be off.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
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
  // Checked on the header itself: a file with no data rows (or none at all) must not pass as an empty import.
  if (!header?.includes('email')) {
    throw new InputError({ file: `${file}:1`, field: 'header', message: `has no "email" column (found: ${header?.join(', ') || 'nothing'})`, hint: 'the first line must name the columns: email, and optionally name and categories' });
  }
  const seen = new Set<string>();
  const result: CsvImport = { rows: [], errors: [], duplicates: 0 };
  for (const { record, raw: source, info } of records) {
    // info.lines is where a record ends; a quoted line break makes it start earlier, and that is where to look.
    const line = info.lines - (source.replace(/^(?:[^\S\n]*\n)+/, '').replace(/\n$/, '').match(/\n/g)?.length ?? 0);
    const raw = record.email ?? '';
    const email = normalizeAddress(raw);
    if (!email) {
      result.errors.push({ line, message: raw ? `"${raw}" is not an email address` : 'the email column is empty' });
      continue;
    }
    if (seen.has(email)) {
      result.duplicates++;
      continue;
    }
    seen.add(email);
    const name = record.name?.replace(/\s+/g, ' ').trim();
    // An export carries a status column: an unsubscribed or bounced address must not come back active.
    const given = record.status?.trim().toLowerCase();
    const rowStatus = given === 'unsubscribed' || given === 'bounced' ? given : status;
    result.rows.push({ email, name: name || undefined, categories: parseCategoryList(record.categories, toSlug), status: rowStatus });
  }
  return result;
}
