// `broadsheet db copy --to postgres://…`: a SQLite database's rows into PostgreSQL (subscribers, their
// events, campaigns, deliveries, the suppression list, what came back, meta), ids kept. Resumable: each
// row goes in with ON CONFLICT DO NOTHING, so a copy stopped half-way is run again and continues; at the
// end every table's rows are counted on both sides, and the id sequences moved past the copied ids. I/O.
import Database from 'better-sqlite3';
import pg from 'pg';
import { StoreError } from '../errors.js';
import { openPgStore, redactDatabaseUrl } from './pg-store.js';

/** The tables copied, parents first (foreign keys), each with what makes a row the same row. */
const TABLES = [
  { name: 'subscribers', key: ['id'], identity: 'id' },
  { name: 'subscriber_events', key: ['id'], identity: 'id' },
  { name: 'campaigns', key: ['id'], identity: 'id' },
  { name: 'deliveries', key: ['campaign_id', 'subscriber_id'] },
  { name: 'suppressions', key: ['hash'] },
  { name: 'returns', key: ['key'] },
  { name: 'meta', key: ['key'] },
] as const;

/** Rows per INSERT: a few hundred kilobytes of parameters at most. */
const BATCH = 500;

export interface CopyReport {
  /** Each table: rows in the SQLite file, rows in PostgreSQL after the copy, and rows this run added. */
  tables: Array<{ name: string; source: number; target: number; added: number }>;
  /** True when every table has as many rows in PostgreSQL as in the file. */
  verified: boolean;
}

export async function copySqliteToPg(sqliteFile: string, url: string, onProgress?: (table: string, done: number, total: number) => void): Promise<CopyReport> {
  // Opening the store applies PostgreSQL's migrations: the tables exist, in the schema the store expects.
  await (await openPgStore(url)).close();
  let source: Database.Database;
  try {
    source = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new StoreError({ file: sqliteFile, message: 'cannot be opened to copy from', hint: 'name the SQLite database (paths.data/broadsheet.db)', cause });
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const report: CopyReport = { tables: [], verified: true };
    for (const table of TABLES) {
      const columns = await sharedColumns(source, client, table.name);
      const total = (source.prepare(`SELECT count(*) AS n FROM ${table.name}`).get() as { n: number }).n;
      const booleans = await booleanColumns(client, table.name);
      const list = columns.map((c) => `"${c}"`).join(', ');
      const overriding = 'identity' in table ? ' OVERRIDING SYSTEM VALUE' : '';
      let added = 0;
      let done = 0;
      const rows = source.prepare(`SELECT ${list} FROM ${table.name} ORDER BY ${table.key.join(', ')}`).iterate() as IterableIterator<Record<string, unknown>>;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const values = batch.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        const result = await client.query(
          `INSERT INTO ${table.name} (${list})${overriding} VALUES ${values} ON CONFLICT (${table.key.join(', ')}) DO NOTHING`,
          batch.flat(),
        );
        added += result.rowCount ?? 0;
        done += batch.length;
        onProgress?.(table.name, done, total);
        batch = [];
      };
      for (const row of rows) {
        batch.push(columns.map((c) => (booleans.has(c) && typeof row[c] === 'number' ? row[c] !== 0 : row[c])));
        if (batch.length === BATCH) await flush();
      }
      await flush();
      if ('identity' in table) {
        // Ids given explicitly leave the identity sequence behind: the next row PostgreSQL numbers must not collide.
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'), GREATEST((SELECT max(${table.identity}) FROM ${table.name}), 1))`,
        );
      }
      const target = Number((await client.query(`SELECT count(*) AS n FROM ${table.name}`)).rows[0].n);
      report.tables.push({ name: table.name, source: total, target, added });
      if (target !== total) report.verified = false;
    }
    return report;
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError({
      file: redactDatabaseUrl(url),
      message: `the copy stopped: ${(cause as Error).message}`,
      hint: 'run it again: it continues where it stopped',
      cause,
    });
  } finally {
    source.close();
    await client.end();
  }
}

/** The columns a table has on both sides (an older file may lack a later column: PostgreSQL's default fills it). */
async function sharedColumns(source: Database.Database, client: pg.Client, table: string): Promise<string[]> {
  const inFile = new Set((source.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map((c) => c.name));
  if (inFile.size === 0) throw new StoreError({ message: `the SQLite file has no ${table} table: is it a Broadsheet database?` });
  const inPg = (
    await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table])
  ).rows;
  return inPg.map((c) => c.column_name).filter((c) => inFile.has(c));
}

/** SQLite keeps booleans as 0 and 1. */
async function booleanColumns(client: pg.Client, table: string): Promise<Set<string>> {
  const rows = (
    await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND data_type = 'boolean'`, [table])
  ).rows;
  return new Set(rows.map((r) => r.column_name));
}
