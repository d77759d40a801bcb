// The store contract (test/subscribers/store-contract.ts) against SQLite: the same tests the PostgreSQL
// store passes (test/subscribers/pg-store.test.ts), on a real file per test.
import path from 'node:path';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { storeContract } from './store-contract.js';

storeContract('SQLite', async () => {
  const file = path.join(await tempDir('store-contract'), 'broadsheet.db');
  return async () => openSqliteStore(file);
});
