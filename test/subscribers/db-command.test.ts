// Choosing PostgreSQL, and moving to it (issue 18 §1): BROADSHEET_DATABASE_URL puts the subscribers there
// (the CLI in process, a throwaway cluster); `db migrate` on both stores; `db copy` moves a SQLite file's
// rows into PostgreSQL with their ids, verified by counts, and continues when run again.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { DATABASE_FILE } from '../../src/adapters.js';
import { openPgStore } from '../../src/subscribers/pg-store.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { skipPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { REPO, SAMPLE_CONTENT, tempSite, type TempSite } from '../helpers/site.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const NOW = new Date('2026-11-30T09:00:00Z');
/** The cluster trusts loopback logins, so a password in the URL is accepted and ignored: what must never be shown. */
const SECRET = 'a'.repeat(64);
const withPassword = (url: string) => url.replace('postgres://postgres@', 'postgres://postgres:test-password@');

const cli = (site: TempSite, args: string[], env: Record<string, string> = {}) => runMain(args, { cwd: site.root, env: { NO_COLOR: '1', ...env }, now: NOW });

describe.skipIf(skipPostgres)('the database: PostgreSQL chosen, migrated, copied into', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('BROADSHEET_DATABASE_URL keeps the subscribers in PostgreSQL, not in a file', async () => {
    const site = await tempSite('db-select', { config: { site: { url: 'https://news.example.com/' } } });
    const env = { BROADSHEET_DATABASE_URL: await cluster.createDatabase() };
    expect((await cli(site, ['subscribers', 'add', 'ada@example.org'], env)).code).toBe(0);
    const listed = await cli(site, ['subscribers', 'list'], env);
    expect(listed.stdout).toMatch(/^ada@example\.org\tactive/m);
    const pgStore = await openPgStore(env.BROADSHEET_DATABASE_URL);
    expect((await pgStore.findByEmail('ada@example.org'))?.status).toBe('active');
    await pgStore.close();
    // Nothing went to a SQLite file.
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(site.data, DATABASE_FILE))).toBe(false);
  });

  it('send and status run on PostgreSQL: every active subscriber gets the digest once, and the campaign is recorded there', async () => {
    const site = await tempSite('db-send', { copy: SAMPLE_CONTENT, config: { site: { url: 'https://news.example.com/' } } });
    const sink = await startSmtpSink();
    try {
      const env = { BROADSHEET_DATABASE_URL: await cluster.createDatabase(), BROADSHEET_SMTP_URL: sink.url, BROADSHEET_SECRET: SECRET };
      for (const email of ['ada@example.org', 'bob@example.org', 'carol@example.org'])
        expect((await cli(site, ['subscribers', 'add', email], env)).code).toBe(0);
      expect((await cli(site, ['subscribers', 'remove', 'carol@example.org'], env)).code).toBe(0);
      // Without a shared signing key, nothing is sent: each machine would sign links with a key of its own.
      const { BROADSHEET_SECRET: _, ...noSecret } = env;
      const refused = await cli(site, ['send', '--yes', '--json'], noSecret);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/BROADSHEET_SECRET: must be set when subscribers live in PostgreSQL/);
      expect(sink.messages).toHaveLength(0);
      expect(await cli(site, ['start', '--port', '0'], noSecret)).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/BROADSHEET_SECRET: must be set when subscribers live in PostgreSQL/),
      });
      const sent = await cli(site, ['send', '--yes', '--json'], env);
      expect(sent.code, sent.stderr).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({ submitted: 2, failed: 0 });
      expect(sink.messages.map((m) => m.envelope.rcpt.join(',')).sort()).toEqual(['ada@example.org', 'bob@example.org']);
      // Sent again: everyone is covered, nobody gets a second one.
      const again = JSON.parse((await cli(site, ['send', '--yes', '--json'], env)).stdout) as { submitted: number };
      expect(again.submitted).toBe(0);
      expect(sink.messages).toHaveLength(2);
      const status = JSON.parse((await cli(site, ['status', '--json'], env)).stdout) as {
        subscribers: Record<string, number>;
        campaigns: Array<{ counts: { submitted: number } }>;
      };
      expect(status.subscribers).toMatchObject({ active: 2, unsubscribed: 1 });
      expect(status.campaigns[status.campaigns.length - 1]?.counts.submitted).toBe(2);
    } finally {
      await sink.close();
    }
  }, 60_000);

  it('start runs on PostgreSQL: it says so (never the password), serves, and stops cleanly', async () => {
    const site = await tempSite('db-start', { copy: SAMPLE_CONTENT, config: { site: { url: 'https://news.example.com/' } } });
    const url = withPassword(await cluster.createDatabase());
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'bin', 'broadsheet.js'), 'start', '--port', '0'], {
      cwd: site.root,
      env: { ...process.env, BROADSHEET_DATABASE_URL: url, BROADSHEET_SECRET: SECRET, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/Ctrl-C stops/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(/^ {2}data: {7}data\/ \(outbox, signing key\); subscribers in PostgreSQL postgres:\/\/[^ ]+$/m);
    expect(stdout).not.toContain('test-password');
    const address = /running at (http:\/\/[^/]+)\//.exec(stdout)?.[1];
    expect(
      (
        await fetch(`${address}/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'web@example.org' }),
        })
      ).status,
    ).toBe(202);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const pgStore = await openPgStore(url);
    expect((await pgStore.findByEmail('web@example.org'))?.status).toBe('pending');
    await pgStore.close();
  }, 60_000);

  it('db migrate says which database it migrated, on both stores, and again changes nothing', async () => {
    const site = await tempSite('db-migrate');
    const sqlite = await cli(site, ['db', 'migrate']);
    expect(sqlite).toMatchObject({ code: 0, stdout: expect.stringMatching(/^SQLite database data\/broadsheet\.db: schema version \d+, up to date\.\n$/) });
    const url = withPassword(await cluster.createDatabase());
    for (let i = 0; i < 2; i++) {
      const run = await cli(site, ['db', 'migrate', '--json'], { BROADSHEET_DATABASE_URL: url });
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { kind: string; where: string; version: number };
      expect(doc).toMatchObject({ kind: 'PostgreSQL', version: 1 });
      // The password never shows.
      expect(doc.where).not.toContain('test-password');
    }
  });

  it('db copy moves every row with its id, verified by counts; run again it adds nothing; PostgreSQL numbers new rows after them', async () => {
    const site = await tempSite('db-copy');
    const file = path.join(site.data, DATABASE_FILE);
    const sqlite = openSqliteStore(file);
    const ids: number[] = [];
    for (let i = 0; i < 1200; i++)
      ids.push((await sqlite.add({ email: `reader${i}@example.org`, status: 'active', categories: i % 2 ? ['science'] : [] }, NOW)).subscriber.id);
    await sqlite.unsubscribe(ids[3]!, NOW);
    const campaign = await sqlite.createCampaign({ since: new Date('2026-11-23T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') }, NOW);
    await sqlite.claimDelivery(campaign.id, ids[0]!, 'run', '<m0@example.com>', NOW);
    await sqlite.markSubmitted(campaign.id, ids[0]!, '250 ok', campaign.until, NOW);
    await sqlite.recordReturn(
      { key: 'k1', kind: 'complaint', subscriberId: ids[0], campaignId: campaign.id, status: undefined, detail: 'abuse', source: 'ses', at: NOW },
      { limit: 3, since: new Date(0) },
    );
    await sqlite.erase(ids[5]!, { hash: 'h5', reason: 'deleted on request' }, NOW);
    await sqlite.setMeta('lastBuild', NOW.toISOString());
    await sqlite.finishCampaign(campaign.id, NOW);
    const before = { counts: await sqlite.counts(), ada: await sqlite.get(ids[0]!), events: await sqlite.eventsOf(ids[0]!) };
    await sqlite.close();

    const url = withPassword(await cluster.createDatabase());
    const first = await cli(site, ['db', 'copy', '--json'], { BROADSHEET_DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as {
      verified: boolean;
      to: string;
      tables: Array<{ name: string; source: number; target: number; added: number }>;
    };
    expect(report.verified).toBe(true);
    expect(report.to).not.toContain('test-password');
    const rows = Object.fromEntries(report.tables.map((t) => [t.name, t]));
    expect(rows.subscribers).toEqual({ name: 'subscribers', source: 1199, target: 1199, added: 1199 });
    expect(rows.suppressions).toMatchObject({ source: 1, target: 1 });
    expect(rows.returns).toMatchObject({ source: 1, target: 1 });

    // Run again (as after a copy that stopped half-way): it adds nothing, and still verifies.
    const again = await cli(site, ['db', 'copy'], { BROADSHEET_DATABASE_URL: url });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/subscribers\s+1199 in the file, 1199 in PostgreSQL \(0 added now\)/);
    expect(again.stdout).toContain('Verified: every table');

    const pgStore = await openPgStore(url);
    expect(await pgStore.counts()).toEqual(before.counts);
    expect(await pgStore.get(ids[0]!)).toEqual(before.ada);
    expect(await pgStore.eventsOf(ids[0]!)).toEqual(before.events);
    expect(await pgStore.returnCounts(campaign.id)).toEqual({ hardBounces: 0, softBounces: 0, complaints: 1, unsubscribes: 0 });
    expect(await pgStore.deliveryByMessageId('<m0@example.com>')).toEqual({ campaignId: campaign.id, subscriberId: ids[0] });
    expect(await pgStore.getMeta('lastBuild')).toBe(NOW.toISOString());
    // A new subscriber is numbered after the copied ones.
    const added = await pgStore.add({ email: 'new@example.org', status: 'active' }, NOW);
    expect(added.subscriber.id).toBeGreaterThan(Math.max(...ids));
    await pgStore.close();

    // Into a database in use (it holds a row the file does not): the counts differ, and it says so; nothing is deleted.
    const inUse = await cli(site, ['db', 'copy'], { BROADSHEET_DATABASE_URL: url });
    expect(inUse.code).toBe(1);
    expect(inUse.stdout).toMatch(/subscribers\s+1199 in the file, 1200 in PostgreSQL \(0 added now\)/);
    expect(inUse.stdout).toContain('NOT verified');
  });

  it('db copy without a database, or with a file that is not there, says what to give', async () => {
    const site = await tempSite('db-copy-usage');
    expect(await cli(site, ['db', 'copy'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--to postgres://… or BROADSHEET_DATABASE_URL') });
    expect(await cli(site, ['db', 'copy', '--to', 'mysql://x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('postgres:// URL') });
    expect(await cli(site, ['db', 'copy', '--to', 'postgres://127.0.0.1:1/none'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no SQLite database to copy'),
    });
    expect(await cli(site, ['db', 'purge'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown db subcommand 'purge'") });
  });
});

it('database.url in the config file may not hold a password', async () => {
  const site = await tempSite('db-config', { config: { database: { url: 'postgres://broadsheet:secret@db.example.com/broadsheet' } } });
  const run = await cli(site, ['db', 'migrate']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('database.url');
  expect(run.stderr).toContain('BROADSHEET_DATABASE_URL');
});
