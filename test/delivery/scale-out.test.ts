// Several instances on one PostgreSQL database (issue 18 §2), as real processes of the built CLI against a
// real SMTP sink: three `send`s share one campaign and one is SIGKILLed mid-campaign; three `start`s share
// the digest check and the campaign it opens. Each sender names itself in EHLO (`?name=` on the SMTP URL),
// so the sink knows who sent what.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../src/subscribers/pg-store.js';
import { DAY, RECENT_POSTS, tempChildSite } from '../helpers/child-site.js';
import { cleanUpProcesses, everything, launch, type Running, waitFor } from '../helpers/cli-process.js';
import { skipPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';

const SECRET = 'f'.repeat(64);
const MAX_CONNECTIONS = 2;
const LEASE_SECONDS = 10;

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});
cleanUpProcesses();

/**
 * Run a process in a pid namespace of its own when this machine allows it (root, util-linux's unshare): to
 * the others it is then a process of another machine, whose death they can only learn from its lease
 * running out. `--kill-child`: the SIGKILL sent to unshare reaches the CLI under it.
 */
const otherMachine = (() => {
  const wrapper = ['unshare', '--pid', '--fork', '--kill-child'];
  try {
    execFileSync(wrapper[0]!, [...wrapper.slice(1), 'true'], { stdio: 'ignore' });
    return wrapper;
  } catch {
    return undefined;
  }
})();

function byRecipient(sink: SmtpSink): Map<string, Array<{ messageId: string; client: string }>> {
  const map = new Map<string, Array<{ messageId: string; client: string }>>();
  for (const m of sink.messages)
    for (const rcpt of m.envelope.rcpt) map.set(rcpt, [...(map.get(rcpt) ?? []), { messageId: m.messageId ?? '', client: m.client }]);
  return map;
}

describe.skipIf(skipPostgres)('several instances on one PostgreSQL database', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  /** A site, a fresh database with `count` active subscribers who joined three weeks ago, and a sink. */
  async function setUp(count: number, sinkOptions: SmtpSinkOptions) {
    const site = await tempChildSite('scale-out', {
      posts: RECENT_POSTS,
      maxConnections: MAX_CONNECTIONS,
      // Daily at 08:00: a slot has passed since anyone who joined weeks ago, whenever the test runs.
      config: { schedule: { leaseSeconds: LEASE_SECONDS, digest: '0 8 * * *' } },
    });
    const url = await cluster.createDatabase();
    const emails = Array.from({ length: count }, (_, i) => `reader${String(i).padStart(3, '0')}@example.org`);
    const store = await openPgStore(url);
    await store.importMany(
      emails.map((email) => ({ email, status: 'active' as const })),
      new Date(Date.now() - 21 * DAY),
    );
    await store.close();
    const sink = await startSmtpSink(sinkOptions);
    sinks.push(sink);
    const env = (name: string) => ({ BROADSHEET_DATABASE_URL: url, BROADSHEET_SMTP_URL: `${sink.url}?name=${name}`, BROADSHEET_SECRET: SECRET });
    return { site, url, emails, sink, env };
  }

  async function campaignsIn(url: string) {
    const store = await openPgStore(url);
    try {
      return await store.listCampaigns(10);
    } finally {
      await store.close();
    }
  }

  it('three send processes share a campaign; one killed mid-campaign has its claims taken over within the lease: everyone once, the in-flight ones resent with their Message-ID', async () => {
    const COUNT = 240;
    let victim: Running | undefined;
    let killedAt = 0;
    let victimMessages = 0;
    const inFlightAtKill: string[] = [];
    const { site, url, emails, sink, env } = await setUp(COUNT, {
      dataDelayMs: 20,
      // The victim's tenth message is received, and its 250 goes out only once the victim is dead: it was
      // in flight, so it must be sent again.
      onMessage: async (message) => {
        if (message.client !== 'victim' || ++victimMessages !== 10) return;
        inFlightAtKill.push(message.envelope.rcpt[0]!);
        killedAt = Date.now();
        victim!.child.kill('SIGKILL');
        await victim!.exited;
      },
    });
    const args = ['send', '--yes', '--data', site.data, '--content', site.content, '--config', site.configFile];
    const survivors = [launch(args, env('a'), site.root), launch(args, env('b'), site.root)];
    victim = launch(args, env('victim'), site.root, otherMachine);
    const all = [...survivors, victim];

    const exits = await Promise.all(survivors.map((p) => p.exited));
    for (const exit of exits) expect(exit, everything(...all)()).toEqual({ code: 0, signal: null });
    expect((await victim.exited).signal).toBe('SIGKILL');

    // Everyone got the digest. The only second copies are the victim's messages in flight at its death
    // (at most one per connection), resent with the same Message-ID.
    const received = byRecipient(sink);
    expect([...received.keys()].sort(), everything(...all)()).toEqual(emails);
    const twice = [...received].filter(([, copies]) => copies.length > 1);
    expect(twice.length).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(twice.map(([rcpt]) => rcpt)).toEqual(expect.arrayContaining(inFlightAtKill));
    for (const [rcpt, copies] of twice) {
      expect(copies, rcpt).toHaveLength(2);
      expect(new Set(copies.map((c) => c.messageId)).size, rcpt).toBe(1);
      expect(
        copies.map((c) => c.client),
        rcpt,
      ).toContain('victim');
    }
    // All three sent a share.
    const clients = new Set(sink.messages.map((m) => m.client));
    expect([...clients].sort()).toEqual(['a', 'b', 'victim']);
    const [campaign] = await campaignsIn(url);
    expect(campaign).toMatchObject({ status: 'done', counts: { submitted: COUNT, queued: 0, sending: 0, failed: 0 } });

    // Its claims came back once its lease had run out (renewed every third of it): not before, since to the
    // others it ran on another machine, and within schedule.leaseSeconds.
    const takeovers = survivors.flatMap((p) => p.logs()).filter((l) => String(l.msg).startsWith('deliveries left in flight by a run that stopped or died'));
    expect(takeovers.length, everything(...all)()).toBeGreaterThan(0);
    const after = Math.min(...takeovers.map((l) => new Date(l.time as string | number).getTime())) - killedAt;
    expect(after).toBeLessThanOrEqual(LEASE_SECONDS * 1000 + 1500);
    if (otherMachine) expect(after).toBeGreaterThanOrEqual(((LEASE_SECONDS * 2) / 3) * 1000 - 500);
  }, 60_000);

  it('three start processes: one decides who is due, all three send that campaign, each subscriber once', async () => {
    const COUNT = 120;
    const { site, url, emails, sink, env } = await setUp(COUNT, { dataDelayMs: 50 });
    const starts = ['a', 'b', 'c'].map((name) =>
      launch(['start', '--port', '0', '--data', site.data, '--content', site.content, '--out', site.out, '--config', site.configFile], env(name), site.root),
    );
    const digestRuns = (p: Running) => p.logs().filter((l) => l.job === 'digest');
    await waitFor('every startup digest check', () => starts.every((p) => digestRuns(p).length > 0), 40_000, everything(...starts));

    expect(starts.filter((p) => p.logs().some((l) => l.msg === 'campaign created'))).toHaveLength(1);
    const runs = starts.map((p) => digestRuns(p)[0]!);
    for (const run of runs) expect(run, everything(...starts)()).toMatchObject({ outcome: 'ok', campaign: 1 });
    expect(runs.reduce((n, r) => n + Number(r.submitted), 0)).toBe(COUNT);
    for (const run of runs) expect(Number(run.submitted), everything(...starts)()).toBeGreaterThan(0);
    const received = byRecipient(sink);
    expect([...received.keys()].sort()).toEqual(emails);
    for (const copies of received.values()) expect(copies).toHaveLength(1);
    expect(new Set(sink.messages.map((m) => m.client))).toEqual(new Set(['a', 'b', 'c']));
    expect(await campaignsIn(url)).toEqual([expect.objectContaining({ status: 'done', counts: expect.objectContaining({ submitted: COUNT }) })]);

    for (const p of starts) p.child.kill('SIGTERM');
    for (const p of starts) expect((await p.exited).code).toBe(0);
  }, 60_000);
});
