// `broadsheet db migrate|copy`: the configured store, and the SQLite file and a PostgreSQL database for a copy.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE, dataDirOf, openStore } from '../adapters.js';
import { databaseUrlOf, loadConfig } from '../config.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseDbArgs, runDb } from '../drivers/cli-db.js';
import { UsageError } from '../drivers/usage.js';

export async function dbCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseDbArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const sqliteFile = path.join(dataDirOf(config, io.cwd), DATABASE_FILE);
  const url = databaseUrlOf(config, io.env);
  return runDb(values, io, {
    async migrate() {
      const store = await openStore(config, io.cwd, io.env);
      await store.close();
      if (url === undefined) {
        const { SQLITE_SCHEMA_VERSION } = await import('../subscribers/sqlite-store.js');
        return { kind: 'SQLite', where: path.relative(io.cwd, sqliteFile) || sqliteFile, version: SQLITE_SCHEMA_VERSION };
      }
      const { PG_MIGRATIONS, redactDatabaseUrl } = await import('../subscribers/pg-store.js');
      return { kind: 'PostgreSQL', where: redactDatabaseUrl(url), version: PG_MIGRATIONS.length };
    },
    async copy(to, onProgress) {
      const target = to ?? url;
      if (target === undefined) throw new UsageError('db copy needs a PostgreSQL database: --to postgres://… or BROADSHEET_DATABASE_URL');
      if (!/^postgres(ql)?:\/\/[^/]/.test(target)) throw new UsageError(`--to expects a postgres:// URL`);
      if (!existsSync(sqliteFile)) throw new UsageError(`there is no SQLite database to copy at ${sqliteFile} (see --data)`);
      const [{ copySqliteToPg }, { redactDatabaseUrl }] = await Promise.all([import('../subscribers/copy-to-pg.js'), import('../subscribers/pg-store.js')]);
      const report = await copySqliteToPg(sqliteFile, target, onProgress);
      return { from: path.relative(io.cwd, sqliteFile) || sqliteFile, to: redactDatabaseUrl(target), report };
    },
  });
}
