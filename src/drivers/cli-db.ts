// `broadsheet db migrate|copy`: the database's schema, and moving a SQLite database into PostgreSQL.
// Parse, one call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CopyReport } from '../subscribers/copy-to-pg.js';
import { jsonDocument, JSON_OPTION, PATH_OPTIONS, UsageError, type CliIo } from './cli-args.js';

const OPTIONS = { ...PATH_OPTIONS, ...JSON_OPTION, to: { type: 'string' } } as const satisfies ParseArgsConfig['options'];

export type DbArgs = ReturnType<typeof parseDbArgs>;

export function parseDbArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  const [action, ...extra] = positionals;
  if (action !== 'migrate' && action !== 'copy')
    throw new UsageError(action === undefined ? 'db needs a subcommand: migrate or copy' : `unknown db subcommand '${action}' (expected: migrate, copy)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'migrate' && values.to !== undefined) throw new UsageError('--to is for db copy');
  return { ...values, action };
}

export interface DbDeps {
  /** Opens the configured store (applying its migrations) and says which it is. */
  migrate(): Promise<{ kind: 'SQLite' | 'PostgreSQL'; where: string; version: number }>;
  /** Copies the SQLite file under paths.data into the PostgreSQL database at `url` (default: the configured one). */
  copy(url: string | undefined, onProgress: (table: string, done: number, total: number) => void): Promise<{ from: string; to: string; report: CopyReport }>;
}

export async function runDb(values: DbArgs, io: CliIo, deps: DbDeps): Promise<number> {
  if (values.action === 'migrate') {
    const r = await deps.migrate();
    io.stdout.write(values.json ? jsonDocument(r) : `${r.kind} database ${r.where}: schema version ${r.version}, up to date.\n`);
    return 0;
  }
  const { from, to, report } = await deps.copy(values.to, (table, done, total) => {
    if (done === total || done % 10_000 === 0) io.stderr.write(`  ${table}: ${done} of ${total}\n`);
  });
  if (values.json) io.stdout.write(jsonDocument({ from, to, ...report }));
  else {
    const width = Math.max(...report.tables.map((t) => t.name.length));
    io.stdout.write(
      [
        `Copied ${from} into ${to}:`,
        ...report.tables.map((t) => `  ${t.name.padEnd(width)}  ${t.source} in the file, ${t.target} in PostgreSQL (${t.added} added now)`),
        report.verified
          ? 'Verified: every table has as many rows in PostgreSQL as in the file. Set BROADSHEET_DATABASE_URL to use it.'
          : 'NOT verified: some table has another number of rows in PostgreSQL than in the file (a database already in use?). Nothing was deleted; see above.',
        '',
      ].join('\n'),
    );
  }
  return report.verified ? 0 : 1;
}
