// Several processes opening one new SQLite file at once (two builds, `start` beside a command): each
// switches it to WAL and migrates it, and none fails with "database is locked" (SQLite answers a busy
// journal-mode change at once, without its busy timeout: useWal retries it). Real processes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';

const PROCESSES = 6;
const ROUNDS = 4;

function opener(kind: 'store' | 'cache', target: string): Promise<{ code: number | null; stderr: string }> {
  const script =
    kind === 'store'
      ? `import { openSqliteStore } from ${JSON.stringify(path.join(REPO, 'dist', 'subscribers', 'sqlite-store.js'))};
         const store = openSqliteStore(${JSON.stringify(target)});
         await store.add({ email: 'p' + process.pid + '@example.org', status: 'active' }, new Date());
         await store.close();`
      : `import { openBuildCache } from ${JSON.stringify(path.join(REPO, 'dist', 'output', 'build-cache.js'))};
         const cache = openBuildCache(${JSON.stringify(target)});
         cache.saveBuild('site-' + process.pid, { state: { key: 'k', nextChangeAt: null, outputs: [], channelPrints: {}, summary: {} } });
         cache.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

it.each(['store', 'cache'] as const)(
  '%s: six processes open one new file at once, every time, and all of them work',
  async (kind) => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await tempDir('wal-race');
      const target = kind === 'store' ? path.join(dir, 'broadsheet.db') : dir;
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => opener(kind, target)));
      expect(results).toEqual(Array.from({ length: PROCESSES }, () => ({ code: 0, stderr: '' })));
      const file = kind === 'store' ? target : path.join(dir, 'build.db');
      const db = new Database(file, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare(kind === 'store' ? 'SELECT count(*) AS n FROM subscribers' : 'SELECT count(*) AS n FROM builds').get() as { n: number };
      expect(rows.n).toBe(PROCESSES);
      db.close();
    }
  },
  60_000,
);
