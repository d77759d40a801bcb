// A throwaway PostgreSQL cluster for tests: Debian's `postgresql` package (installed by .ci/run), never its
// system service. startPostgres() runs `initdb` into a fresh temp folder and `pg_ctl start` on a free
// loopback port, with the unix socket in that folder too, and returns a connection URL; stop() stops the
// cluster (fast mode) and removes the folder. One cluster per test file (beforeAll/afterAll): initdb takes
// about a second; a test that wants a clean slate asks for a fresh database (createDatabase), which is
// a copy of template1 and takes milliseconds.
//
// PostgreSQL refuses to run as root. When the tests run as root (CI does), initdb and pg_ctl run as the
// `postgres` system user the package creates (spawned with its uid/gid; the temp folder is chowned to it);
// as anyone else, they run as that user. If the test process dies without calling stop(), a watchdog it
// started stops the cluster and removes the folder. Authentication is `trust` on loopback and the socket only: the
// cluster lives as long as the test file and listens on 127.0.0.1 only.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { removeTempDir, sharedTempDir } from './temp-dir.js';

const run = promisify(execFile);

/** The newest installed server's bin folder (/usr/lib/postgresql/<version>/bin), if there is one. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

export const POSTGRES_BIN = findBinDir();
export const hasPostgres = POSTGRES_BIN !== undefined;
/** Skip the PostgreSQL tests only on a developer machine without it: CI must fail instead. */
export const skipPostgres = !hasPostgres && !process.env.CI;

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres: the cluster's default database. */
  url: string;
  port: number;
  /** A fresh empty database on the cluster; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stop the cluster and remove its folder. */
  stop(): Promise<void>;
}

/** The uid/gid to run the server as: the `postgres` user when we are root, ourselves otherwise. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as: install the postgresql package');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let counter = 0;

export async function startPostgres(): Promise<TestPostgres> {
  if (!POSTGRES_BIN) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/pg_ctl): apt-get install postgresql');
  const bin = POSTGRES_BIN;
  const root = await sharedTempDir('postgres');
  const data = path.join(root, 'data');
  const user = await serverUser();
  if (user) {
    // mkdtemp makes the folder 0700 root's: the server user must own it (initdb creates data/ inside it).
    await chown(root, user.uid, user.gid);
    await chmod(root, 0o700);
  }
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  // A short HOME and locale the server user can use whatever ours are.
  const env = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', HOME: root };
  const exec = (file: string, args: string[]) => run(path.join(bin, file), args, { ...as, env, cwd: root, timeout: 60_000 });

  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync', '--no-instructions']);
  let port = 0;
  // Another process may take the free port between our check and the server's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    // fsync off and no WAL archiving: a test cluster trades durability for speed.
    const options = `-h 127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    try {
      await exec('pg_ctl', ['start', '-w', '-t', '30', '-D', data, '-l', path.join(root, 'server.log'), '-o', options]);
      break;
    } catch (err) {
      const log = await readFile(path.join(root, 'server.log'), 'utf8').catch(() => '');
      if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
      await removeTempDir(root);
      throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log}`);
    }
  }
  // A test process that ends without its afterAll (a crash, a timeout, a worker torn down) must not leave a
  // server running: a watchdog, as the server's user, stops it and removes the folder once this process is
  // gone (its /proc entry: readable whoever owns it, where `kill -0` on root's process would be refused).
  const watchdog = spawn(
    '/bin/sh',
    [
      '-c',
      'while [ -d "/proc/$1" ]; do sleep 1; done; "$2" stop -m immediate -D "$3" > /dev/null 2>&1; rm -rf "$4"',
      'postgres-watchdog',
      String(process.pid),
      path.join(bin, 'pg_ctl'),
      data,
      root,
    ],
    { ...as, env, cwd: '/', detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name) {
      const db = name ?? `test_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      watchdog.kill();
      await exec('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]).catch(() => {});
      await removeTempDir(root);
    },
  };
}
