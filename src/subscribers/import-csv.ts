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
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as typeof records;
  } catch (cause) {
    const err = cause as { lines?: number; message?: string };
    throw new InputError({ file: err.lines ? `${file}:${err.lines}` : file, message: `is not valid CSV: ${err.message ?? cause}`, cause });
  }
  const first = records[0];
  if (first && !('email' in first.record)) {
    throw new InputError({ file: `${file}:1`, field: 'header', message: `has no "email" column (found: ${Object.keys(first.record).join(', ') || 'nothing'})`, hint: 'the first line must name the columns: email, and optionally name and categories' });
  }
  const seen = new Set<string>();
  const result: CsvImport = { rows: [], errors: [], duplicates: 0 };
  for (const { record, info } of records) {
    const raw = record.email ?? '';
    const email = normalizeAddress(raw);
    if (!email) {
      result.errors.push({ line: info.lines, message: raw ? `"${raw}" is not an email address` : 'the email column is empty' });
      continue;
    }
    if (seen.has(email)) {
      result.duplicates++;
      continue;
    }
    seen.add(email);
    const name = record.name?.replace(/\s+/g, ' ').trim();
    result.rows.push({ email, name: name || undefined, categories: parseCategoryList(record.categories, toSlug), status });
  }
  return result;
}
