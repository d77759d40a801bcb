// The scheduler's pieces in-process, on loopback: core.runDueDigests against a real SMTP sink with a frozen clock, startScheduler's digest
// job while a run is in flight, and the WebSub ping after a rebuild that changed a feed.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { folderWatcher } from '../../src/adapters.js';
import type { Config } from '../../src/config.js';
import { createCore, type Core } from '../../src/core.js';
import type { BuildReport } from '../../src/core/types.js';
import { createOutboxMailer, createSmtpMailer } from '../../src/delivery/mailer.js';
import type { SendReport } from '../../src/delivery/send-digest.js';
import { JOIN_POLL_MS, startScheduler, type SchedulerDeps } from '../../src/drivers/scheduler.js';
import { createLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { NewSubscriber, Subscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import type { PostFile } from '../helpers/posts.js';
import { TEMPLATES, tempSite } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';

const SITE_URL = 'https://news.example.com/';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Monday 2026-11-30, 07:30Z: Kolkata's 08:00 (02:30Z) and Paris's (07:00Z) have passed, New York's (13:00Z) has not.
const MONDAY = new Date('2026-11-30T07:30:00Z');

const POSTS: readonly PostFile[] = [
  { file: 'harbour.md', title: 'Harbour cranes return', date: '2026-11-24T09:00:00Z', category: 'News' },
  { file: 'comet.md', title: 'A comet brightens over the bay', date: '2026-11-26T10:00:00Z', category: 'Science' },
  { file: 'budget.md', title: 'Council votes on the budget', date: '2026-11-28T09:00:00Z', category: 'News' },
];

interface Site {
  root: string;
  content: string;
  dbFile: string;
  config: Readonly<Config>;
  addPost(p: PostFile): Promise<void>;
}

/** A temp site folder with posts and a config; removed when the test ends. */
async function site(overrides: { feeds?: Record<string, unknown>; schedule?: Record<string, unknown> } = {}): Promise<Site> {
  const { root, content, data, parseConfig, writePost } = await tempSite('schedule', { posts: POSTS });
  const config = parseConfig({
    site: { title: 'The Test Times', url: SITE_URL, timezone: 'UTC' },
    email: { from: { name: 'The Desk', address: 'digest@news.example.com' } },
    paths: { templates: TEMPLATES },
    delivery: { maxConnections: 2, retry: { attempts: 2, delayMs: 0 } },
    feeds: overrides.feeds ?? {},
    schedule: { digest: '0 8 * * 1', ...overrides.schedule },
  });
  return { root, content, dbFile: path.join(data, 'broadsheet.db'), config, addPost: writePost };
}

/** One "process": its own store instance on the shared file, a mailer to the sink, a core on the shared clock. */
function node(s: Site, sink: SmtpSink, clock: { now: Date }, logs: string[] = []): { store: SubscriberStore; core: Core; logs: string[] } {
  const store = openSqliteStore(s.dbFile);
  const mailer = createSmtpMailer(sink.url, { maxConnections: s.config.delivery.maxConnections });
  onTestFinished(async () => {
    await mailer.close();
    await store.close();
  });
  const core = createCore(s.config, {
    now: () => clock.now,
    cwd: s.root,
    env: {},
    store,
    mailer,
    sleep: async () => {},
    log: createLogger({ write: (line: string) => logs.push(line) }),
  });
  return { store, core, logs };
}

async function sink(): Promise<SmtpSink> {
  const started = await startSmtpSink();
  onTestFinished(() => started.close());
  return started;
}

const add = async (store: SubscriberStore, email: string, joined: Date, o: Partial<NewSubscriber> = {}): Promise<Subscriber> =>
  (await store.add({ email, status: 'active', ...o }, joined)).subscriber;

const recipients = (s: SmtpSink) => s.messages.flatMap((m) => m.envelope.rcpt).sort();

describe('core.runDueDigests', () => {
  it('sends only to subscribers whose local slot passed, and a second run at the same now sends nothing', async () => {
    const s = await site();
    const mail = await sink();
    const clock = { now: MONDAY };
    const { store, core, logs } = node(s, mail, clock);
    // Joined last Monday after every timezone's 08:00: this Monday's slot is the first each is owed.
    const joined = new Date('2026-11-23T23:00:00Z');
    await add(store, 'paris@example.org', joined, { timezone: 'Europe/Paris' });
    await add(store, 'kolkata@example.org', joined, { timezone: 'Asia/Kolkata' });
    await add(store, 'ny@example.org', joined, { timezone: 'America/New_York' });
    await add(store, 'site-tz@example.org', joined); // the site's UTC: 08:00Z
    await add(store, 'late@example.org', new Date('2026-11-30T07:10:00Z'), { timezone: 'Europe/Paris' }); // after the Paris slot
    await add(store, 'gone@example.org', joined, { timezone: 'Asia/Kolkata', status: 'unsubscribed' });

    const first = await core.runDueDigests();
    expect(first).toMatchObject({ submitted: 2, failed: 0, resumed: false });
    expect(recipients(mail)).toEqual(['kolkata@example.org', 'paris@example.org']);
    // A new subscriber's first digest covers the last seven days: all three posts.
    const text = mail.to('paris@example.org')[0]!.parsed.text ?? '';
    for (const p of POSTS) expect(text).toContain(p.title);

    const again = await core.runDueDigests();
    expect(again.campaignId).toBeUndefined();
    expect(again.idle).toMatch(/no subscriber is due/);
    expect(mail.messages).toHaveLength(2);

    // 13:00Z: New York's 08:00 and the site's (UTC) have come; Paris and Kolkata already had this week's.
    clock.now = new Date('2026-11-30T13:00:00Z');
    const afternoon = await core.runDueDigests();
    expect(afternoon).toMatchObject({ submitted: 2, resumed: false });
    expect(recipients(mail)).toEqual(['kolkata@example.org', 'ny@example.org', 'paris@example.org', 'site-tz@example.org']);
    expect(logs.filter((l) => l.includes('campaign created'))).toHaveLength(2);
  });

  it("covers exactly the posts since each subscriber's last digest: none twice, none missed", async () => {
    const s = await site();
    const mail = await sink();
    const clock = { now: MONDAY };
    const { store, core } = node(s, mail, clock);
    await add(store, 'paris@example.org', new Date(MONDAY.getTime() - 21 * DAY), { timezone: 'Europe/Paris' });
    await core.runDueDigests();
    expect(mail.messages).toHaveLength(1);

    // Published after that digest went out (07:30Z), before next Monday.
    await s.addPost({ file: 'late-monday.md', title: 'Late on Monday', date: '2026-11-30T07:45:00Z', category: 'News' });
    await s.addPost({ file: 'wednesday.md', title: 'Wednesday market', date: '2026-12-02T09:00:00Z', category: 'Culture' });
    clock.now = new Date('2026-12-07T07:30:00Z');
    const next = await core.runDueDigests();
    expect(next.submitted).toBe(1);
    expect(mail.messages).toHaveLength(2);
    const text = mail.messages[1]!.parsed.text ?? '';
    expect(text).toContain('Late on Monday');
    expect(text).toContain('Wednesday market');
    for (const p of POSTS) expect(text).not.toContain(p.title);
  });

  it('sends no email and logs it when a due subscriber has nothing new, and they are not due again this week', async () => {
    const s = await site();
    const mail = await sink();
    const clock = { now: MONDAY };
    const { store, core, logs } = node(s, mail, clock);
    await add(store, 'gardener@example.org', new Date(MONDAY.getTime() - 21 * DAY), { timezone: 'Europe/Paris', categories: ['gardening'] });

    const report = await core.runDueDigests();
    expect(report).toMatchObject({ submitted: 0, skipped: 1, skipReasons: { 'nothing new': 1 } });
    expect(mail.messages).toHaveLength(0);
    expect(logs.some((l) => l.includes('nothing new for this subscriber'))).toBe(true);
    expect((await core.runDueDigests()).idle).toMatch(/no subscriber is due/);
  });

  it('resumes an unfinished campaign before starting a new one', async () => {
    const s = await site();
    const mail = await sink();
    const clock = { now: MONDAY };
    const { store, core } = node(s, mail, clock);
    const weeksAgo = new Date(MONDAY.getTime() - 21 * DAY);
    const interrupted = await add(store, 'interrupted@example.org', weeksAgo, { timezone: 'Europe/Paris' });
    await add(store, 'waiting@example.org', weeksAgo, { timezone: 'Europe/Paris' });
    // A previous run created this campaign, for one subscriber, an hour ago, and died before sending.
    const window = { since: new Date(MONDAY.getTime() - HOUR - 7 * DAY), until: new Date(MONDAY.getTime() - HOUR) };
    const unfinished = await store.createCampaign(window, window.until, [interrupted.id]);

    const resumed = await core.runDueDigests();
    expect(resumed).toMatchObject({ campaignId: unfinished.id, resumed: true, submitted: 1 });
    expect(recipients(mail)).toEqual(['interrupted@example.org']);
    expect((await store.get(interrupted.id))!.lastDigestUntil).toEqual(window.until);

    const fresh = await core.runDueDigests();
    expect(fresh).toMatchObject({ resumed: false, submitted: 1 });
    expect(fresh.campaignId).not.toBe(unfinished.id);
    expect(recipients(mail)).toEqual(['interrupted@example.org', 'waiting@example.org']);
  });

  it('two processes running the check at once open one campaign and send each digest once between them', async () => {
    const s = await site({ schedule: { leaseSeconds: 60 } });
    const mail = await startSmtpSink({ dataDelayMs: 5 });
    onTestFinished(() => mail.close());
    const clock = { now: MONDAY };
    const a = node(s, mail, clock);
    const b = node(s, mail, clock);
    const emails = Array.from({ length: 12 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
    for (const email of emails) await add(a.store, email, new Date(MONDAY.getTime() - 21 * DAY), { timezone: 'Asia/Kolkata' });

    const results = await Promise.all([a.core.runDueDigests(), b.core.runDueDigests()]);

    // One decided who is due; the other either joined the campaign it opened, or found the check taken.
    for (const r of results) if (r.idle) expect(r.idle).toMatch(/^another process (is checking|checked) who is due/);
    expect(results.reduce((n, r) => n + r.submitted, 0)).toBe(emails.length);
    expect(recipients(mail)).toEqual(emails);
    expect(await a.store.listCampaigns(10)).toEqual([expect.objectContaining({ status: 'done' })]);
    // Once the check is free again, the other process finds nobody due.
    const after = await b.core.runDueDigests();
    expect(after).toMatchObject({ idle: expect.stringMatching(/no subscriber is due/) });
    expect(mail.messages).toHaveLength(emails.length);
  });
});

describe('startScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the bounce mailbox on schedule.bounceCheck when one is configured, and never when none is', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T07:59:30Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const s = await site({ schedule: { digestCheck: '0 0 1 1 *', rebuild: '0 0 1 1 *', bounceCheck: '*/5 * * * *' } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    const report = {
      messages: 2,
      hardBounces: 1,
      softBounces: 0,
      complaints: 1,
      unsubscribes: 0,
      changed: 2,
      unattributed: 0,
      duplicates: 0,
      ignored: 0,
      unknown: 0,
    };
    for (const configured of [true, false]) {
      const { core, runs } = pendingDigestCore();
      let checks = 0;
      const logs: string[] = [];
      const scheduler = schedulerOf(
        {
          ...core,
          bounceMailboxConfigured: () => configured,
          checkBounceMailbox: async () => {
            checks++;
            return report;
          },
        },
        store,
        s.config,
        { log: createLogger({ write: (l: string) => logs.push(l) }) },
      );
      await vi.advanceTimersByTimeAsync(0);
      runs[0]?.resolve(idleReport(undefined));
      // 08:00 and 08:05 pass.
      await vi.advanceTimersByTimeAsync(6 * 60_000);
      expect(checks).toBe(configured ? 2 : 0);
      if (configured) {
        const done = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.job === 'bounce check' && l.outcome === 'ok');
        expect(done[0]).toMatchObject({ messages: 2, hardBounces: 1, complaints: 1 });
      }
      await scheduler.stop();
    }
  });

  it('skips a digest check that fires while a run is in flight, and runs the next one once it ended', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T07:59:30Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const s = await site({ schedule: { digestCheck: '* * * * *', rebuild: '0 0 1 1 *', leaseSeconds: 60 } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    // A hand-written fake of the core: each digest check waits until the test settles it.
    const { core, runs } = pendingDigestCore();
    const logs: string[] = [];
    const scheduler = schedulerOf(core, store, s.config, { log: createLogger({ write: (l: string) => logs.push(l) }) });

    // The startup check runs at once (runs missed while down are caught up).
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);

    // 08:00:00 and 08:01:00: node-cron's checks fire while the startup run is still sending.
    await vi.advanceTimersByTimeAsync(95_000);
    expect(runs).toHaveLength(1);
    expect(logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.job === 'digest' && l.outcome === 'skipped')).toHaveLength(2);

    runs[0]!.resolve(idleReport(7));
    await vi.advanceTimersByTimeAsync(0);
    const done = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.job === 'digest' && l.outcome === 'ok');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ campaign: 7, submitted: 3, ms: expect.any(Number) });

    // The next minute's check runs.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
    runs[1]!.resolve(idleReport(undefined));
    await vi.advanceTimersByTimeAsync(0);
    await scheduler.stop();
  });

  it('joins a campaign another process is sending every 30 s between checks, quietly when there is none, never beside its own run', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T07:59:30Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const s = await site({ schedule: { digestCheck: '0 0 1 1 *', rebuild: '0 0 1 1 *' } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    const { core, runs, joins } = pendingDigestCore();
    const logs: string[] = [];
    const scheduler = schedulerOf(core, store, s.config, { log: createLogger({ write: (l: string) => logs.push(l) }) });
    const digestLines = () => logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.job === 'digest');

    // The startup check is still running: the polls leave it alone, and say nothing.
    await vi.advanceTimersByTimeAsync(65_000);
    expect(runs).toHaveLength(1);
    expect(joins.count).toBe(0);
    expect(digestLines()).toEqual([]);
    runs[0]!.resolve(idleReport(undefined));
    await vi.advanceTimersByTimeAsync(0);
    expect(digestLines()).toHaveLength(1);

    // Nothing being sent: each poll asks, and logs nothing.
    await vi.advanceTimersByTimeAsync(JOIN_POLL_MS * 2);
    expect(joins.count).toBe(2);
    expect(digestLines()).toHaveLength(1);

    // Another process opened a campaign: the next poll joins it, and that run is logged.
    joins.answer = idleReport(9);
    await vi.advanceTimersByTimeAsync(JOIN_POLL_MS);
    expect(joins.count).toBe(3);
    expect(digestLines().at(-1)).toMatchObject({ outcome: 'ok', campaign: 9, submitted: 3 });

    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(JOIN_POLL_MS * 3);
    expect(joins.count).toBe(3);
  });

  it('stop() waits for the running job and starts no new one', async () => {
    const s = await site({ schedule: { digestCheck: '* * * * *', rebuild: '0 0 1 1 *' } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    const run = deferred<SendReport>();
    let calls = 0;
    const core = {
      runDueDigests: () => {
        calls++;
        return run.promise;
      },
      joinCampaign: async () => idleReport(undefined),
      rebuild: async () => ({ published: 0, written: [], errors: [] }) as unknown as BuildReport,
    } satisfies SchedulerDeps['core'];
    const scheduler = schedulerOf(core, store, s.config);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    run.resolve(idleReport(undefined));
    await stopping;
    expect(calls).toBe(1);
  });

  it('rebuilds once, two seconds after the last of a burst of post changes; stop() closes the watcher and drops a waiting rebuild', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T07:59:30Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const s = await site({ schedule: { digestCheck: '0 0 1 1 *', rebuild: '0 0 1 1 *' } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    let rebuilds = 0;
    const core = {
      runDueDigests: async () => idleReport(undefined),
      joinCampaign: async () => idleReport(undefined),
      rebuild: async () => {
        rebuilds++;
        return { published: 0, written: [], errors: [] } as unknown as BuildReport;
      },
    } satisfies SchedulerDeps['core'];
    // A hand-written watcher: the test says when a post changed.
    let changed: () => void = () => {
      throw new Error('the scheduler did not watch the content');
    };
    let closed = false;
    const watchContent = (onChange: () => void) => {
      changed = onChange;
      return { close: () => void (closed = true) };
    };
    const scheduler = schedulerOf(core, store, s.config, { watchContent });
    await vi.advanceTimersByTimeAsync(0);

    changed();
    await vi.advanceTimersByTimeAsync(1_500);
    changed();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(rebuilds).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(rebuilds).toBe(1);

    changed();
    await scheduler.stop();
    expect(closed).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(rebuilds).toBe(1);
  });
});

describe('the content watcher (adapters.ts)', () => {
  it('reports a change to a post in a subfolder, and nothing once closed', async () => {
    const dir = await tempDir('watch');
    await mkdir(path.join(dir, '2026'));
    let changes = 0;
    const watcher = folderWatcher(dir)(() => changes++);
    await writeFile(path.join(dir, '2026', 'post.md'), '---\ntitle: A\n---\n');
    await vi.waitFor(() => expect(changes).toBeGreaterThan(0), { timeout: 5_000 });
    watcher.close();
    const seen = changes;
    await writeFile(path.join(dir, '2026', 'other.md'), '---\ntitle: B\n---\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(changes).toBe(seen);
  });

  it('throws for a folder that cannot be watched (the scheduler then rebuilds on schedule only)', () => {
    expect(() => folderWatcher(path.join(os.tmpdir(), 'broadsheet-no-such-folder', 'content'))(() => {})).toThrow();
  });
});

describe('core.rebuild and WebSub', () => {
  interface Ping {
    method: string | undefined;
    headers: IncomingHttpHeaders;
    body: URLSearchParams;
  }

  async function hub(): Promise<{ url: string; pings: Ping[] }> {
    const pings: Ping[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        pings.push({ method: req.method, headers: req.headers, body: new URLSearchParams(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`, pings };
  }

  it('pings the hub for each feed a rebuild changed, and not when nothing changed', async () => {
    const h = await hub();
    const s = await site({ feeds: { hub: h.url } });
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    const clock = { now: MONDAY };
    const core = createCore(s.config, { now: () => clock.now, cwd: s.root, env: {}, store, mailer: createOutboxMailer(path.join(s.root, 'outbox')) });

    const first = await core.rebuild();
    expect(first.written).toContain('feed.xml');
    const topics = h.pings.map((p) => p.body.get('hub.url'));
    for (const feed of ['feed.xml', 'atom.xml', 'feed.json']) expect(topics).toContain(`${SITE_URL}${feed}`);
    for (const ping of h.pings) {
      expect(ping.method).toBe('POST');
      expect(ping.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(ping.body.get('hub.mode')).toBe('publish');
      expect(ping.body.get('hub.url')).toMatch(/^https:\/\/news\.example\.com\/.*(feed\.xml|atom\.xml|feed\.json)$/);
    }
    expect(new Set(topics).size).toBe(topics.length);
    expect((await core.status()).lastBuild).toEqual(MONDAY);

    const pingsAfterFirst = h.pings.length;
    clock.now = new Date(MONDAY.getTime() + 15 * 60_000);
    const second = await core.rebuild();
    expect(second.written.filter((f) => /(feed\.xml|atom\.xml|feed\.json)$/.test(f))).toEqual([]);
    expect(h.pings).toHaveLength(pingsAfterFirst);
    expect((await core.status()).lastBuild).toEqual(clock.now);

    // A new post in Science: the site feeds and the Science feeds change, the News feeds do not.
    await s.addPost({ file: 'tides.md', title: 'Tide tables for December', date: '2026-11-29T08:00:00Z', category: 'Science' });
    await core.rebuild();
    const newTopics = h.pings.slice(pingsAfterFirst).map((p) => p.body.get('hub.url') ?? '');
    expect(newTopics).toContain(`${SITE_URL}feed.xml`);
    expect(newTopics.some((t) => t.includes('science'))).toBe(true);
    expect(newTopics.some((t) => t.includes('news/'))).toBe(false);
  });

  it('does not ping anything when no hub is configured', async () => {
    const s = await site();
    const fetchSpy = vi.fn<typeof fetch>();
    const store = openSqliteStore(s.dbFile);
    onTestFinished(() => store.close());
    const core = createCore(s.config, {
      now: () => MONDAY,
      cwd: s.root,
      env: {},
      store,
      mailer: createOutboxMailer(path.join(s.root, 'outbox')),
      fetch: fetchSpy,
    });
    const report = await core.rebuild();
    expect(report.written).toContain('feed.xml');
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** What a run that sent to `campaignId` (3 submitted), or had nothing to do, reports. */
const idleReport = (campaignId: number | undefined): SendReport => ({
  campaignId,
  resumed: false,
  dryRun: false,
  submitted: campaignId ? 3 : 0,
  skipped: 0,
  failed: 0,
  renders: 1,
  skipReasons: {},
  stopped: false,
});

/** A core whose digest checks each wait until the test settles them (`runs`), and whose rebuild does nothing. */
function pendingDigestCore() {
  const runs: Array<ReturnType<typeof deferred<SendReport>>> = [];
  /** What each join poll answers (idle: no campaign is being sent); how many polls joined. */
  const joins = { answer: { ...idleReport(undefined), idle: 'no campaign is being sent' } as SendReport, count: 0 };
  const core = {
    runDueDigests: () => {
      const run = deferred<SendReport>();
      runs.push(run);
      return run.promise;
    },
    joinCampaign: async () => {
      joins.count++;
      return joins.answer;
    },
    rebuild: async () => ({ published: 0, written: [], errors: [] }) as unknown as BuildReport,
  } satisfies SchedulerDeps['core'];
  return { core, runs, joins };
}

/** The scheduler as holder A, on the real clock, logging nowhere unless told. */
function schedulerOf(core: SchedulerDeps['core'], store: SchedulerDeps['store'], config: SchedulerDeps['config'], more: Partial<SchedulerDeps> = {}) {
  return startScheduler({
    core,
    store,
    config,
    now: () => new Date(),
    instance: { holder: 'A', isGone: () => false },
    log: createLogger({ write: () => {} }),
    ...more,
  });
}
