// `broadsheet start` as a real process (dist/bin/broadsheet.js): the startup digest check sends to whoever is due,
// two processes on one database send one campaign together, a SIGKILL mid-send is resumed by the next start, SIGTERM
// stops cleanly, and `broadsheet status` reports it all. Mail goes to an in-process SMTP sink.
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { NewSubscriber } from '../../src/subscribers/store.js';
import { DAY, RECENT_POSTS, tempChildSite } from '../helpers/child-site.js';
import { cleanUpProcesses, everything, type Exit, launch, type Running, waitFor } from '../helpers/cli-process.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});
// Registered after: after-hooks run last-registered first, so the processes go before their sink.
cleanUpProcesses();

interface Site {
  root: string;
  data: string;
  dbFile: string;
  sink: SmtpSink;
  emails: string[];
  /** `start` arguments; `status` takes the same. */
  args(command: 'start' | 'status'): string[];
  env: Record<string, string>;
}

interface SiteOptions {
  due: number;
  maxConnections?: number;
  schedule?: Record<string, unknown>;
  sink?: SmtpSinkOptions;
  /** Extra subscribers, added now (after the last slot). */
  extra?: NewSubscriber[];
}

/** A temp site: posts from the last two days, `due` subscribers who joined three weeks ago, a config, a sink. */
async function site(options: SiteOptions): Promise<Site> {
  const { root, content, data, out, configFile } = await tempChildSite('start', {
    posts: RECENT_POSTS.slice(0, 2),
    maxConnections: options.maxConnections ?? 2,
    // Daily at 08:00: a slot has passed since anyone who joined weeks ago, whenever the test runs.
    config: { schedule: { digest: '0 8 * * *', ...options.schedule } },
  });
  const emails = Array.from({ length: options.due }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
  const dbFile = path.join(data, 'broadsheet.db');
  const store = openSqliteStore(dbFile);
  await store.importMany(
    emails.map((email) => ({ email, status: 'active' })),
    new Date(Date.now() - 21 * DAY),
  );
  if (options.extra) await store.importMany(options.extra, new Date());
  await store.close();
  const sink = await startSmtpSink(options.sink);
  cleanups.push(() => sink.close());
  return {
    root,
    data,
    dbFile,
    sink,
    emails,
    args: (command) => [command, ...(command === 'start' ? ['--port', '0'] : []), '--config', configFile, '--content', content, '--data', data, '--out', out],
    env: { BROADSHEET_SMTP_URL: sink.url },
  };
}

const addressOf = (p: Running) => /running at (http:\/\/127\.0\.0\.1:\d+)\//.exec(p.stdout())?.[1];
const digestRuns = (p: Running) => p.logs().filter((l) => l.job === 'digest');
function byRecipient(sink: SmtpSink): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const m of sink.messages) for (const rcpt of m.envelope.rcpt) map.set(rcpt, [...(map.get(rcpt) ?? []), m.messageId ?? '']);
  return map;
}

function campaigns(dbFile: string): Array<{ id: number; status: string; submitted: number }> {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db
      .prepare<[], { id: number; status: string; submitted: number }>(
        `SELECT c.id, c.status, (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'submitted') AS submitted
         FROM campaigns c ORDER BY c.id`,
      )
      .all();
  } finally {
    db.close();
  }
}

/** SIGTERM, and how long the process took to exit. */
async function terminate(p: Running): Promise<Exit & { ms: number }> {
  const started = Date.now();
  p.child.kill('SIGTERM');
  const exit = await p.exited;
  return { ...exit, ms: Date.now() - started };
}

describe('broadsheet start', () => {
  it('serves the feeds, sends the digest to each due subscriber at startup, and stops cleanly on SIGTERM', async () => {
    const s = await site({ due: 3, extra: [{ email: 'newcomer@example.org', status: 'active' }] });
    const p = launch(s.args('start'), s.env, s.root);
    await waitFor('the startup digest run', () => digestRuns(p).length > 0 && s.sink.messages.length >= 3, 15_000, everything(p));

    const address = addressOf(p);
    expect(address, p.stdout()).toBeDefined();
    // Where to look, bounces included: none configured here.
    expect(p.stdout()).toContain('  bounces:    not read: set BROADSHEET_BOUNCE_IMAP_URL or a webhook (docs/bounces.md)\n');
    const feed = await fetch(`${address}/feed.xml`);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('A comet brightens over the bay');

    // One message per due subscriber; the newcomer joined after the last slot and waits for the next.
    await delay(300);
    expect([...byRecipient(s.sink).keys()].sort()).toEqual(s.emails);
    expect(s.sink.messages).toHaveLength(3);
    expect(s.sink.to('newcomer@example.org')).toHaveLength(0);
    // One structured line per job run, with its outcome and duration.
    expect(digestRuns(p)).toEqual([expect.objectContaining({ job: 'digest', outcome: 'ok', submitted: 3, failed: 0, ms: expect.any(Number) })]);

    const exit = await terminate(p);
    expect(exit, everything(p)()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
    expect(p.stderr()).toContain('SIGTERM: stopping');
    expect(p.logs().at(-1)).toMatchObject({ msg: 'stopped' });
    expect(p.logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('two processes on one database send one campaign together: every subscriber gets exactly one message', async () => {
    const s = await site({ due: 40, maxConnections: 2, sink: { dataDelayMs: 100 } });
    const a = launch(s.args('start'), s.env, s.root);
    const b = launch(s.args('start'), s.env, s.root);
    await waitFor(
      'both startup digest runs and every message',
      () => digestRuns(a).length > 0 && digestRuns(b).length > 0 && s.sink.messages.length >= 40,
      30_000,
      everything(a, b),
    );
    await delay(300);

    const received = byRecipient(s.sink);
    expect([...received.keys()].sort()).toEqual(s.emails);
    expect([...received.values()].every((ids) => ids.length === 1)).toBe(true);
    expect(s.sink.messages).toHaveLength(40);
    expect(campaigns(s.dbFile)).toEqual([{ id: 1, status: 'done', submitted: 40 }]);
    // One process decided who was due and created the campaign; the other waited for that check to end and
    // joined: both sent a share.
    expect([a, b].filter((p) => p.logs().some((l) => l.msg === 'campaign created'))).toHaveLength(1);
    const runs = [...digestRuns(a), ...digestRuns(b)];
    expect(runs, everything(a, b)()).toEqual([
      expect.objectContaining({ outcome: 'ok', campaign: 1, submitted: expect.any(Number) }),
      expect.objectContaining({ outcome: 'ok', campaign: 1, submitted: expect.any(Number) }),
    ]);
    expect(runs.map((r) => r.submitted as number).reduce((x, y) => x + y)).toBe(40);
    for (const r of runs) expect(r.submitted, everything(a, b)()).toBeGreaterThan(0);
    expect(addressOf(a)).not.toBe(addressOf(b));

    const [exitA, exitB] = await Promise.all([terminate(a), terminate(b)]);
    expect(exitA.code).toBe(0);
    expect(exitB.code).toBe(0);
  });

  it('after a SIGKILL mid-send, the next start resumes: everyone has a copy, duplicates only in flight, same Message-ID', async () => {
    const MAX_CONNECTIONS = 2;
    const KILL_AT = 10;
    let first: Running | undefined;
    let inFlightAtKill: string | undefined;
    const s = await site({
      due: 40,
      maxConnections: MAX_CONNECTIONS,
      schedule: { leaseSeconds: 10 },
      sink: {
        dataDelayMs: 20,
        // The KILL_AT-th message arrives, and its 250 only goes out once the sender is dead.
        onMessage: async (message) => {
          if (message.seq !== KILL_AT || !first) return;
          inFlightAtKill = message.envelope.rcpt[0];
          first.child.kill('SIGKILL');
          await first.exited;
        },
      },
    });
    first = launch(s.args('start'), s.env, s.root);
    const killed = await first.exited;
    expect(killed.signal, everything(first)()).toBe('SIGKILL');
    expect(new Set(s.sink.messages.map((m) => m.envelope.rcpt[0])).size).toBeLessThan(40);

    // Started again on this machine: the dead process's run is seen gone (its pid no longer runs), and its
    // claims are taken over at once, without waiting for its lease to run out.
    const second = launch(s.args('start'), s.env, s.root);
    await waitFor('the resumed campaign', () => digestRuns(second).length > 0, 20_000, everything(second));
    expect(digestRuns(second)[0]).toMatchObject({ outcome: 'ok', campaign: 1, failed: 0 });
    expect(second.logs().some((l) => l.msg === 'joining the unfinished campaign')).toBe(true);

    const received = byRecipient(s.sink);
    expect([...received.keys()].sort()).toEqual(s.emails);
    expect(s.sink.messages.length - 40).toBeLessThanOrEqual(MAX_CONNECTIONS);
    for (const ids of received.values()) expect(new Set(ids).size).toBe(1);
    expect(received.get(inFlightAtKill!)).toHaveLength(2);
    expect(campaigns(s.dbFile)).toEqual([{ id: 1, status: 'done', submitted: 40 }]);

    const exit = await terminate(second);
    expect(exit.code).toBe(0);
  }, 60_000);

  it('on SIGTERM mid-send, stops at a safe point and exits 0; the next start resumes without a duplicate', async () => {
    let first: Running | undefined;
    const s = await site({
      due: 30,
      maxConnections: 2,
      sink: {
        dataDelayMs: 30,
        onMessage: (message) => {
          if (message.seq === 5) first?.child.kill('SIGTERM');
        },
      },
    });
    first = launch(s.args('start'), s.env, s.root);
    const started = Date.now();
    await waitFor('the SIGTERM', () => s.sink.messages.length >= 5, 15_000, everything(first));
    const exit = await first.exited;
    expect(exit, everything(first)()).toMatchObject({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    const sentBeforeStop = s.sink.messages.length;
    expect(sentBeforeStop).toBeLessThan(30);
    expect(digestRuns(first)[0]).toMatchObject({ outcome: 'ok', campaign: 1 });
    expect(campaigns(s.dbFile)[0]).toMatchObject({ status: 'sending' });

    // The lease was released on the way out: the next start resumes at once.
    const second = launch(s.args('start'), s.env, s.root);
    await waitFor('the resumed campaign', () => digestRuns(second).length > 0, 15_000, everything(second));
    expect(second.logs().some((l) => l.msg === 'joining the unfinished campaign')).toBe(true);
    const received = byRecipient(s.sink);
    expect([...received.keys()].sort()).toEqual(s.emails);
    // A clean stop leaves nothing in flight: no one gets a second copy.
    expect(s.sink.messages).toHaveLength(30);
    expect(campaigns(s.dbFile)).toEqual([{ id: 1, status: 'done', submitted: 30 }]);
    expect((await terminate(second)).code).toBe(0);
  }, 30_000);

  it('refuses to start with an invalid cron expression, naming schedule.digest', async () => {
    const s = await site({ due: 1, schedule: { digest: '61 8 * * 1' } });
    const started = Date.now();
    const p = launch(s.args('start'), s.env, s.root);
    const exit = await p.exited;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exit.code).toBe(1);
    expect(p.stderr()).toMatch(/schedule\.digest/);
    expect(p.stderr()).toMatch(/61 8 \* \* 1/);
    expect(p.stdout()).not.toMatch(/running at/);
    expect(s.sink.messages).toHaveLength(0);
  });
});

describe('broadsheet status', () => {
  it('prints the next runs, subscriber counts, the last feed build and the campaign', async () => {
    const s = await site({
      due: 3,
      extra: [
        { email: 'pending@example.org', status: 'pending' },
        { email: 'left@example.org', status: 'unsubscribed' },
      ],
    });
    const p = launch(s.args('start'), s.env, s.root);
    await waitFor('the startup digest run', () => digestRuns(p).length > 0, 15_000, everything(p));
    expect((await terminate(p)).code).toBe(0);

    const status = launch(s.args('status'), s.env, s.root);
    const exit = await status.exited;
    expect(exit.code, status.stderr()).toBe(0);
    expect(status.stderr()).toBe('');
    const out = status.stdout();
    const iso = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    expect(out).toMatch(new RegExp(`Next feed rebuild: +${iso} \\(\\*/15 \\* \\* \\* \\*\\)`));
    expect(out).toMatch(new RegExp(`Next digest check: +${iso}; next digest slot in UTC: ${iso} \\(0 8 \\* \\* \\*\\)`));
    expect(out).toMatch(new RegExp(`Last feed build: +${iso}`));
    expect(out).toMatch(/Subscribers: .*\b3 active\b/);
    expect(out).toMatch(/Subscribers: .*\b1 pending\b/);
    expect(out).toMatch(/Subscribers: .*\b1 unsubscribed\b/);
    expect(out).toMatch(/; 0 due now/);
    expect(out).toMatch(/#1 done +until .*: 3 submitted, 0 failed, 0 skipped, 0 to go/);
  });
});

describe('broadsheet send beside other senders', () => {
  // Before: two `send` at once mailed 1,432 duplicates to 1,500 subscribers, and a `send` beside a
  // sending `start` 143 to 300. Several sends and a start now send one campaign together on one data
  // folder, three times over.
  it.each([1, 2, 3])('several send processes and a start on one data folder: each subscriber gets exactly one message (trial %i)', async () => {
    const due = 60;
    const s = await site({ due, maxConnections: 3, sink: { dataDelayMs: 2 } });
    const sendArgs = ['send', '--yes', ...s.args('status').slice(1, 7)];
    const senders = [launch(sendArgs, s.env, s.root), launch(s.args('start'), s.env, s.root), launch(sendArgs, s.env, s.root), launch(sendArgs, s.env, s.root)];
    const start = senders[1]!;
    const sends = senders.filter((p) => p !== start);
    const exits = await Promise.all(sends.map((p) => p.exited));
    // Each send joins the campaign the first opened and sends its share.
    for (const exit of exits) expect(exit.code, everything(...senders)()).toBe(0);
    await waitFor('every subscriber to get the digest', () => s.sink.messages.length >= due, 20_000, everything(...senders));
    // Room for a late duplicate to arrive, were there one.
    await delay(500);
    await terminate(start);
    const received = byRecipient(s.sink);
    expect(received.size, everything(...senders)()).toBe(due);
    for (const [rcpt, ids] of received) expect(ids, rcpt).toHaveLength(1);
    expect(s.sink.messages).toHaveLength(due);
    // The database counts what the server received, in one campaign.
    const submitted = campaigns(s.dbFile).reduce((n, c) => n + c.submitted, 0);
    expect(submitted).toBe(due);
  });
});
