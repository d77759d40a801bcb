// The PostgreSQL SubscriberStore against a real throwaway cluster (test/helpers/postgres.ts): the store
// contract every backend passes, then what only PostgreSQL has (its migrations table, advisory lock, types).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openPgStore, PG_MIGRATIONS, redactDatabaseUrl } from '../../src/subscribers/pg-store.js';
import { skipPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storeContract } from './store-contract.js';

describe.skipIf(skipPostgres)('PostgreSQL store', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  storeContract('PostgreSQL', async () => {
    const url = await cluster.createDatabase();
    return () => openPgStore(url);
  });

  /** A plain client on a database, to look at what the store wrote. */
  async function raw(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  }

  describe('schema and migrations', () => {
    it('records each migration in schema_migrations, once, however many processes opened the database at once', async () => {
      const url = await cluster.createDatabase();
      const stores = await Promise.all(Array.from({ length: 5 }, () => openPgStore(url)));
      const client = await raw(url);
      try {
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
        const tables = await client.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual([
          'campaigns',
          'deliveries',
          'leases',
          'meta',
          'returns',
          'schema_migrations',
          'subscriber_events',
          'subscribers',
          'suppressions',
        ]);
        // Times are timestamptz, ids integers (JavaScript numbers, not bigint strings).
        const types = await client.query<{ column_name: string; data_type: string }>(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'subscribers' AND column_name IN ('id', 'created_at', 'categories')
           ORDER BY column_name`,
        );
        expect(types.rows).toEqual([
          { column_name: 'categories', data_type: 'jsonb' },
          { column_name: 'created_at', data_type: 'timestamp with time zone' },
          { column_name: 'id', data_type: 'integer' },
        ]);
      } finally {
        await client.end();
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('allows one unfinished campaign at the database level, whoever writes it', async () => {
      const url = await cluster.createDatabase();
      const store = await openPgStore(url);
      const client = await raw(url);
      try {
        await store.createCampaign({ since: new Date(0), until: new Date(1000) }, new Date(1000));
        await expect(client.query(`INSERT INTO campaigns (since, until, status, created_at) VALUES (now(), now(), 'sending', now())`)).rejects.toThrow(
          /campaigns_one_unfinished/,
        );
        await client.query(`INSERT INTO campaigns (since, until, status, created_at) VALUES (now(), now(), 'done', now())`);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('refuses a database migrated by a newer Broadsheet with a StoreError, changing nothing', async () => {
      const url = await cluster.createDatabase();
      const client = await raw(url);
      try {
        await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        await client.query('INSERT INTO schema_migrations (version) VALUES (999)');
        const caught = await openPgStore(url).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(caught).toBeInstanceOf(StoreError);
        const err = caught as StoreError;
        expect(err.code).toBe('STORE_FAILED');
        expect(err.message).toMatch(/schema version 999/);
        expect(err.describe()).toMatch(/upgrade Broadsheet/);
        const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
        expect(tables.rows).toEqual([{ table_name: 'schema_migrations' }]);
      } finally {
        await client.end();
      }
    });

    it("refreshes the planner's statistics after a large import, so paging by id reads a page, not the rest of the table", async () => {
      const url = await cluster.createDatabase();
      const store = await openPgStore(url);
      const client = await raw(url);
      try {
        const reltuples = async () => (await client.query<{ n: number }>(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'subscribers'`)).rows[0]!.n;
        await store.importMany([{ email: 'one@example.com', status: 'active' }], new Date(0));
        expect(await reltuples()).toBeLessThan(1); // never analysed: autovacuum's first look is a minute away
        const rows = Array.from({ length: 5000 }, (_, i) => ({ email: `r${i}@example.com`, status: 'active' as const }));
        await store.importMany(rows, new Date(0));
        expect(await reltuples()).toBe(5001);
        const plan = await client.query(`EXPLAIN SELECT * FROM subscribers WHERE status = 'active' AND id > 2500 ORDER BY id LIMIT 100`);
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/Sort/);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('reports a server it cannot reach as a StoreError naming the URL without its password', async () => {
      // The cluster's port with a database that does not exist: refused at once, no timeout to wait for.
      const url = `postgres://postgres:s3cret@127.0.0.1:${cluster.port}/no_such_database`;
      const caught = await openPgStore(url).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(caught).toBeInstanceOf(StoreError);
      const err = caught as StoreError;
      expect(err.file).toBe(redactDatabaseUrl(url));
      expect(err.describe()).not.toContain('s3cret');
      expect(err.describe()).toMatch(/no_such_database/);
      expect(err.hint).toMatch(/BROADSHEET_DATABASE_URL/);
    });
  });
});
