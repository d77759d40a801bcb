// Sending the digest through the core, end to end on loopback: a real SQLite file, the real templates,
// a small content folder, and a real SMTP server (test/helpers/smtp-sink.ts) read back with mailparser.
import { readBounceTag } from '../../src/email/bounce-tag.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCore, type Core } from '../../src/core.js';
import { createSmtpMailer } from '../../src/delivery/mailer.js';
import { SECRET_FILE } from '../../src/email/signing-key.js';
import { verifyToken } from '../../src/email/tokens.js';
import { createLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { NewSubscriber, Subscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { refuse, startSmtpSink, type SinkMessage, type SmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';
import type { PostFile } from '../helpers/posts.js';
import { TEMPLATES, tempSite } from '../helpers/site.js';

// A pass-through recorder around the real mjml2html: the digest render is the only minified call,
// so counting those counts renders independently of the report's own counter.
// `beforeRender` lets a test act while a variant renders (it is reset by the test that sets it).
const mjmlRenders = vi.hoisted(() => ({ count: 0, beforeRender: undefined as (() => unknown) | undefined }));
vi.mock('mjml', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import('mjml') }>()).default;
  const recording: typeof real = async (input, options) => {
    if (options?.minify) {
      mjmlRenders.count++;
      await mjmlRenders.beforeRender?.();
    }
    return real(input, options);
  };
  return { default: recording };
});

const NOW = new Date('2026-11-29T12:00:00Z');
const SITE_URL = 'https://news.example.com/';
const SENDER_DOMAIN = 'news.example.com';
const HOUR = 3_600_000;

const POSTS: readonly PostFile[] = [
  { file: '2026-11-24-harbour-cranes.md', title: 'Harbour cranes return', date: '2026-11-24T09:00:00Z', category: 'News' },
  { file: '2026-11-27-council-budget.md', title: 'Council votes on the budget', date: '2026-11-27T09:00:00Z', category: 'News' },
  { file: '2026-11-25-comet.md', title: 'A comet brightens over the bay', date: '2026-11-25T10:00:00Z', category: 'Science' },
  { file: '2026-11-28-river-sensors.md', title: 'River sensors go live', date: '2026-11-28T10:00:00Z', category: 'Science' },
  { file: '2026-11-26-zines.md', title: 'Zines at the library', date: '2026-11-26T15:00:00Z', category: 'Culture' },
  // Outside the first digest's seven days: nobody gets it.
  { file: '2026-11-10-old-story.md', title: 'An old story from the archive', date: '2026-11-10T09:00:00Z', category: 'News' },
];
const titlesIn = (category: string) => POSTS.filter((p) => p.category === category && p.date >= '2026-11-22').map((p) => p.title);
const OLD_TITLE = 'An old story from the archive';

interface World {
  root: string;
  content: string;
  data: string;
  dbFile: string;
  store: SubscriberStore;
  sink: SmtpSink;
  /** The core's clock; tests move it forward between campaigns. */
  clock: { now: Date };
  /** Every backoff the sender asked for, in ms. */
  sleeps: number[];
  /** JSON log lines the core wrote. */
  logs: string[];
  core: Core;
  add(email: string, o?: Partial<NewSubscriber>): Promise<Subscriber>;
  addPost(p: PostFile): Promise<void>;
}

interface WorldOptions {
  sink?: SmtpSinkOptions;
  /** Send here instead of to the sink (a port nothing listens on). */
  smtpUrl?: string;
  maxConnections?: number;
  attempts?: number;
  /** Runs inside the injected sleep, after the backoff is recorded (awaited). */
  onSleep?: (ms: number) => unknown;
  /** config.bounces.address, and whether a bounce mailbox is read (BROADSHEET_BOUNCE_IMAP_URL set). */
  bounces?: { address: string; mailboxRead: boolean };
  /** The store as the core sees it (to make one of its methods fail); the test's `store` stays the real one. */
  wrapStore?: (store: SubscriberStore) => SubscriberStore;
}

/** A fresh site, store, SMTP sink and core for one test; everything is closed when the test ends. */
async function world(options: WorldOptions = {}): Promise<World> {
  const { root, content, data, parseConfig, writePost: addPost } = await tempSite('send', { posts: POSTS });
  const dbFile = path.join(data, 'broadsheet.db');

  const config = parseConfig({
    site: { title: 'The Test Times', url: SITE_URL, timezone: 'UTC' },
    email: { from: { name: 'The Desk', address: `digest@${SENDER_DOMAIN}` }, postalAddress: '1 Example Street, Testville' },
    paths: { templates: TEMPLATES },
    delivery: { maxConnections: options.maxConnections ?? 2, retry: { attempts: options.attempts ?? 4, delayMs: 1000 } },
    ...(options.bounces ? { bounces: { address: options.bounces.address } } : {}),
  });
  const store = openSqliteStore(dbFile);
  const sink = await startSmtpSink(options.sink);
  const mailer = createSmtpMailer(options.smtpUrl ?? sink.url, { maxConnections: config.delivery.maxConnections });
  const clock = { now: NOW };
  const sleeps: number[] = [];
  const logs: string[] = [];
  const core = createCore(config, {
    now: () => clock.now,
    cwd: root,
    env: options.bounces?.mailboxRead ? { BROADSHEET_BOUNCE_IMAP_URL: 'imaps://bounces:secret@imap.example.com/INBOX' } : {},
    store: options.wrapStore ? options.wrapStore(store) : store,
    mailer,
    log: createLogger({ write: (line: string) => logs.push(line) }),
    sleep: async (ms) => {
      sleeps.push(ms);
      await options.onSleep?.(ms);
    },
  });
  onTestFinished(async () => {
    await mailer.close();
    await sink.close();
    await store.close();
  });
  return {
    root,
    content,
    data,
    dbFile,
    store,
    sink,
    clock,
    sleeps,
    logs,
    core,
    addPost,
    add: async (email, o = {}) => (await store.add({ email, status: 'active', ...o }, new Date(NOW.getTime() - 30 * 24 * HOUR))).subscriber,
  };
}

/** Added one after another, so their ids follow the list's order. */
async function addEach(w: World, emails: readonly string[]): Promise<Subscriber[]> {
  const added: Subscriber[] = [];
  for (const email of emails) added.push(await w.add(email));
  return added;
}

/** A header's value as sent, unfolded. */
function header(mail: ParsedMail, name: string): string[] {
  return mail.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.replace(/\r?\n(?=[ \t])/g, '').replace(/^[^:]+:\s*/, ''));
}

function unsubscribeToken(mail: ParsedMail): string {
  const [value] = header(mail, 'List-Unsubscribe');
  const token = /<https:\/\/news\.example\.com\/unsubscribe\?token=([A-Za-z0-9_.-]+)>/.exec(value ?? '')?.[1];
  if (!token) throw new Error(`no https unsubscribe link in List-Unsubscribe: ${value}`);
  return token;
}

const recipientsOf = (messages: SinkMessage[]) => messages.flatMap((m) => m.envelope.rcpt).sort();

/** The deliveries table as the sender left it (the store's port has no reader for finished rows). */
function deliveryRows(dbFile: string, campaignId: number) {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db
      .prepare<
        [number],
        { email: string; status: string; response: string | null; reason: string | null; transient: number; attempts: number; message_id: string | null }
      >(
        `SELECT s.email, d.status, d.response, d.reason, d.transient, d.attempts, d.message_id
         FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.campaign_id = ? ORDER BY s.email`,
      )
      .all(campaignId);
  } finally {
    db.close();
  }
}

describe('sendDigest over SMTP', () => {
  it('with a bounce address, sends each message from its own signed tag; with a bounce mailbox read, advertises the mailto too', async () => {
    const w = await world({ bounces: { address: `bounces@${SENDER_DOMAIN}`, mailboxRead: true } });
    const ada = await w.add('ada@example.org');
    const grace = await w.add('grace@example.net');
    const report = await w.core.sendDigest();
    expect(report.submitted).toBe(2);
    const key = (await readFile(path.join(w.data, SECRET_FILE), 'utf8')).trim();
    for (const subscriber of [ada, grace]) {
      const [message] = w.sink.to(subscriber.email);
      // The envelope sender the SMTP server saw (MAIL FROM): what a bounce comes back to.
      const tag = /^bounces\+(b-\d+-\d+-[0-9a-f]{16})@/.exec(message!.envelope.from)?.[1];
      expect(readBounceTag(tag ?? '', key)).toEqual({ campaignId: report.campaignId, subscriberId: subscriber.id });
      expect(message!.parsed.from?.value.map((a) => a.address)).toEqual([`digest@${SENDER_DOMAIN}`]);
      const [listUnsubscribe] = header(message!.parsed, 'List-Unsubscribe');
      expect(listUnsubscribe).toMatch(
        new RegExp(`^<https://[^>]+>, <mailto:bounces\\+unsubscribe@${SENDER_DOMAIN.replace(/\./g, '\\.')}\\?subject=unsubscribe%20[^>]+>$`),
      );
    }
  });

  it('with a bounce address but no mailbox read: tagged envelope, and only the https unsubscribe', async () => {
    const w = await world({ bounces: { address: `bounces@${SENDER_DOMAIN}`, mailboxRead: false } });
    await w.add('ada@example.org');
    await w.core.sendDigest();
    const [message] = w.sink.to('ada@example.org');
    expect(message!.envelope.from).toMatch(/^bounces\+b-\d+-\d+-[0-9a-f]{16}@/);
    expect(header(message!.parsed, 'List-Unsubscribe')[0]).toMatch(/^<https:\/\/[^>]+>$/);
  });

  it('submits one message to every active subscriber, with both parts, list headers and their own signed links', async () => {
    const w = await world();
    const emails = ['ada@example.org', 'grace@example.net', 'linus@example.com'];
    for (const email of emails) await w.add(email, { name: email.split('@')[0] });

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 3, skipped: 0, failed: 0, resumed: false, dryRun: false, stopped: false });
    expect(recipientsOf(w.sink.messages)).toEqual(emails);
    const key = (await readFile(path.join(w.data, SECRET_FILE), 'utf8')).trim();
    for (const email of emails) {
      const [message] = w.sink.to(email);
      const mail = message!.parsed;
      expect(mail.html).toEqual(expect.stringContaining('Council votes on the budget'));
      expect(mail.text).toEqual(expect.stringContaining('River sensors go live'));
      expect(mail.text).not.toContain(OLD_TITLE);
      expect(mail.from?.value.map((a) => a.address)).toEqual([`digest@${SENDER_DOMAIN}`]);
      expect(message!.envelope.from).toBe(`digest@${SENDER_DOMAIN}`);

      const token = unsubscribeToken(mail);
      expect(verifyToken(token, key, 'unsubscribe', NOW)?.email).toBe(email);
      const [listUnsubscribe] = header(mail, 'List-Unsubscribe');
      // No bounce mailbox is read: no mailto to advertise (a request sent there would be ignored).
      expect(listUnsubscribe).toMatch(/^<https:\/\/[^>]+>$/);
      expect(header(mail, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(header(mail, 'List-Id')).toEqual([`The Test Times <digest.${SENDER_DOMAIN}>`]);
      expect(mail.messageId).toMatch(new RegExp(`^<[^@<>]+@${SENDER_DOMAIN.replace(/\./g, '\\.')}>$`));
      // The body links are this subscriber's own, in both parts.
      const ownLink = `${SITE_URL}unsubscribe?token=${token}`;
      expect(mail.html).toEqual(expect.stringContaining(ownLink));
      expect(mail.text).toEqual(expect.stringContaining(ownLink));
      expect(mail.text).toContain(email);
      expect(mail.text).toContain(`Hello ${email.split('@')[0]},`);
    }
    expect(new Set(w.sink.messages.map((m) => m.messageId)).size).toBe(3);

    const rows = deliveryRows(w.dbFile, report.campaignId!);
    expect(rows.map((r) => r.status)).toEqual(['submitted', 'submitted', 'submitted']);
    // The server's own answer is kept as proof of submission.
    for (const row of rows) expect(row.response).toMatch(/^250 .*queued as \d+/);
    for (const row of rows) expect(row.message_id).toBe(w.sink.to(row.email)[0]!.messageId);
  });

  it('gives a subscriber only the posts in their categories', async () => {
    const w = await world();
    await w.add('all@example.org');
    await w.add('science@example.org', { categories: ['science'] });

    await w.core.sendDigest();

    const science = w.sink.to('science@example.org')[0]!.parsed;
    for (const title of titlesIn('Science')) expect(science.text).toContain(title);
    for (const title of [...titlesIn('News'), ...titlesIn('Culture')]) {
      expect(science.text).not.toContain(title);
      expect(science.html).not.toContain(title);
    }
    expect(science.subject).toContain('2 new posts in Science');
    const all = w.sink.to('all@example.org')[0]!.parsed;
    for (const title of [...titlesIn('News'), ...titlesIn('Science'), ...titlesIn('Culture')]) expect(all.text).toContain(title);
  });

  it('mails nobody who is pending, unsubscribed or bounced', async () => {
    const w = await world();
    await w.add('active@example.org');
    await w.add('pending@example.org', { status: 'pending' });
    const gone = await w.add('gone@example.org');
    await w.store.unsubscribe(gone.id, NOW);
    const bounced = await w.add('bounced@example.org');
    await w.store.markBounced(bounced.id, NOW, '550 no such user');

    const report = await w.core.sendDigest();

    expect(report.submitted).toBe(1);
    expect(recipientsOf(w.sink.messages)).toEqual(['active@example.org']);
    expect([...w.sink.rcptCounts.keys()]).toEqual(['active@example.org']);
  });

  it('never sends a second copy when send runs again, and the next campaign carries only what is new', async () => {
    const w = await world();
    await w.add('ada@example.org');
    await w.add('grace@example.org', { categories: ['science'] });

    const first = await w.core.sendDigest();
    const again = await w.core.sendDigest();

    expect(first.submitted).toBe(2);
    expect(again).toMatchObject({ submitted: 0, failed: 0, skipped: 2 });
    expect(w.sink.messages).toHaveLength(2);

    // A post published after the first digest, then the next send an hour later.
    await w.addPost({ file: '2026-11-29-late-news.md', title: 'Late news from the harbour', date: '2026-11-29T13:00:00Z', category: 'Science' });
    w.clock.now = new Date(NOW.getTime() + 2 * HOUR);
    const next = await w.core.sendDigest();

    expect(next.submitted).toBe(2);
    expect(w.sink.messages).toHaveLength(4);
    for (const email of ['ada@example.org', 'grace@example.org']) {
      const [, latest] = w.sink.to(email);
      expect(latest!.parsed.text).toContain('Late news from the harbour');
      for (const title of [...titlesIn('News'), ...titlesIn('Science'), ...titlesIn('Culture')]) expect(latest!.parsed.text).not.toContain(title);
      expect(latest!.parsed.subject).toContain('1 new post in');
    }
  });

  it('renders once per distinct (categories, window) variant, not once per subscriber', async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) await w.add(`all${i}@example.org`);
    for (let i = 0; i < 5; i++) await w.add(`science${i}@example.org`, { categories: ['science'] });

    const before = mjmlRenders.count;
    const report = await w.core.sendDigest();

    expect(report.submitted).toBe(10);
    expect(report.renders).toBe(2);
    expect(mjmlRenders.count - before).toBe(2);
    // Same variant, same body apart from the personal links.
    const bodies = new Set(w.sink.messages.map((m) => m.parsed.text!.replace(/token=[\w.-]+/g, 'token=T').replace(/\S+@example\.org/g, 'E')));
    expect(bodies.size).toBe(2);
  });

  it('sends no email when a subscriber has nothing new, records the skip with its reason and logs it', async () => {
    const w = await world();
    await w.add('ada@example.org');
    const sports = await w.add('sports@example.org', { categories: ['sports'] });

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 1, skipped: 1, failed: 0, skipReasons: { 'nothing new': 1 } });
    expect(w.sink.to('sports@example.org')).toEqual([]);
    const row = deliveryRows(w.dbFile, report.campaignId!).find((r) => r.email === 'sports@example.org');
    expect(row).toMatchObject({ status: 'skipped', reason: 'nothing new' });
    const line = w.logs.map((l) => JSON.parse(l) as { msg: string; subscriber?: number }).find((l) => l.msg.includes('nothing new'));
    expect(line).toMatchObject({ subscriber: sports.id });

    // Later, with no new post anywhere: nobody is mailed.
    w.clock.now = new Date(NOW.getTime() + 24 * HOUR);
    const later = await w.core.sendDigest();
    expect(later).toMatchObject({ submitted: 0, skipped: 2, skipReasons: { 'nothing new': 2 } });
    expect(w.sink.messages).toHaveLength(1);
  });

  it('retries a recipient answered 451 with backoff, and submits once the server accepts', async () => {
    const w = await world({ sink: { rcpt: refuse({ 'busy@example.org': { code: 451, times: 2 } }) } });
    await w.add('ada@example.org');
    await w.add('busy@example.org');

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 2, failed: 0 });
    expect(w.sink.rcptCounts.get('busy@example.org')).toBe(3);
    expect(w.sink.to('busy@example.org')).toHaveLength(1);
    expect(w.sleeps).toEqual([1000, 2000]);
    const row = deliveryRows(w.dbFile, report.campaignId!).find((r) => r.email === 'busy@example.org');
    expect(row).toMatchObject({ status: 'submitted', attempts: 3 });
  });

  it('fails and bounces a recipient answered 550, goes on with the campaign, and never mails them again', async () => {
    const w = await world({ maxConnections: 1, sink: { rcpt: refuse({ 'nobody@example.org': { code: 550 } }) } });
    await w.add('ada@example.org');
    const nobody = await w.add('nobody@example.org');
    await w.add('zed@example.org');

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 2, failed: 1 });
    expect(w.sleeps).toEqual([]);
    expect(recipientsOf(w.sink.messages)).toEqual(['ada@example.org', 'zed@example.org']);
    expect(await w.store.get(nobody.id)).toMatchObject({ status: 'bounced' });
    const row = deliveryRows(w.dbFile, report.campaignId!).find((r) => r.email === 'nobody@example.org');
    expect(row).toMatchObject({ status: 'failed', transient: 0, attempts: 1 });
    expect(row!.reason).toContain('550');

    await w.addPost({ file: '2026-11-30-next.md', title: 'Next week starts', date: '2026-11-30T08:00:00Z', category: 'News' });
    w.clock.now = new Date('2026-11-30T12:00:00Z');
    const next = await w.core.sendDigest();
    expect(next.submitted).toBe(2);
    expect(w.sink.rcptCounts.get('nobody@example.org')).toBe(1);
  });

  it('resends a message whose connection dropped mid-DATA, and duplicates nobody', async () => {
    const w = await world({ sink: { dropDuringData: 2 } });
    const emails = Array.from({ length: 6 }, (_, i) => `reader${i}@example.org`);
    for (const email of emails) await w.add(email);

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 6, failed: 0 });
    expect(w.sink.dataCount()).toBe(7);
    expect(recipientsOf(w.sink.messages)).toEqual(emails);
    expect(new Set(w.sink.messages.map((m) => m.messageId)).size).toBe(6);
  });

  it('skips a subscriber who unsubscribed while the campaign was running', async () => {
    // One connection: the message to `second` is accepted before `third` is looked at.
    let store: SubscriberStore | undefined;
    let third: Subscriber | undefined;
    const w = await world({
      maxConnections: 1,
      sink: {
        onMessage: async (message) => {
          if (message.envelope.rcpt.includes('second@example.org')) await store!.unsubscribe(third!.id, NOW);
        },
      },
    });
    store = w.store;
    await w.add('first@example.org');
    await w.add('second@example.org');
    third = await w.add('third@example.org');
    await w.add('fourth@example.org');

    const report = await w.core.sendDigest();

    expect(report).toMatchObject({ submitted: 3, skipped: 1, skipReasons: { 'subscriber is unsubscribed': 1 } });
    expect(recipientsOf(w.sink.messages)).toEqual(['first@example.org', 'fourth@example.org', 'second@example.org']);
    expect(w.sink.rcptCounts.has('third@example.org')).toBe(false);
  });

  it('does not mail a subscriber who unsubscribed while their variant was rendering', async () => {
    const w = await world({ maxConnections: 1 });
    await w.add('all@example.org');
    const science = await w.add('science@example.org', { categories: ['science'] });
    let renders = 0;
    mjmlRenders.beforeRender = async () => {
      // The second variant is rendered for `science`, after their status was first looked at.
      if (++renders === 2) await w.store.unsubscribe(science.id, NOW);
    };
    onTestFinished(() => {
      mjmlRenders.beforeRender = undefined;
    });

    const report = await w.core.sendDigest();

    expect(renders).toBe(2);
    expect(report).toMatchObject({ submitted: 1, skipped: 1, skipReasons: { 'subscriber is unsubscribed': 1 } });
    expect(recipientsOf(w.sink.messages)).toEqual(['all@example.org']);
  });

  it('does not retry a subscriber who unsubscribed during the backoff', async () => {
    let unsubscribeBusy: (() => Promise<unknown>) | undefined;
    const w = await world({ sink: { rcpt: refuse({ 'busy@example.org': { code: 451 } }) }, onSleep: () => unsubscribeBusy?.() });
    const busy = await w.add('busy@example.org');
    unsubscribeBusy = () => w.store.unsubscribe(busy.id, NOW);

    const report = await w.core.sendDigest();

    expect(w.sleeps).toEqual([1000]);
    expect(w.sink.rcptCounts.get('busy@example.org')).toBe(1);
    expect(report).toMatchObject({ submitted: 0, failed: 0, skipped: 1 });
    expect(deliveryRows(w.dbFile, report.campaignId!)[0]).toMatchObject({ status: 'skipped', attempts: 1 });
  });

  it('--retry-failed sends again only to subscribers whose delivery failed transiently', async () => {
    let refusing = true;
    const w = await world({
      attempts: 2,
      sink: {
        rcpt: (address) => {
          if (address === 'nobody@example.org') return { code: 550, message: 'No such user' };
          if (address === 'busy@example.org' && refusing) return { code: 451, message: 'Greylisted' };
          return undefined;
        },
      },
    });
    await w.add('ada@example.org');
    const busy = await w.add('busy@example.org');
    await w.add('nobody@example.org');

    const first = await w.core.sendDigest();
    expect(first).toMatchObject({ submitted: 1, failed: 2 });
    expect(w.sink.rcptCounts.get('busy@example.org')).toBe(2);
    expect(await w.store.get(busy.id)).toMatchObject({ status: 'active' });
    expect(deliveryRows(w.dbFile, first.campaignId!).find((r) => r.email === 'busy@example.org')).toMatchObject({ status: 'failed', transient: 1 });

    refusing = false;
    const retry = await w.core.sendDigest({ retryFailed: true });

    expect(retry).toMatchObject({ campaignId: first.campaignId, submitted: 1, failed: 0 });
    expect(recipientsOf(w.sink.messages)).toEqual(['ada@example.org', 'busy@example.org']);
    expect(w.sink.rcptCounts.get('nobody@example.org')).toBe(1);
    expect(w.sink.rcptCounts.get('ada@example.org')).toBe(1);
    expect(await w.store.latestCampaign()).toMatchObject({ id: first.campaignId, status: 'done' });

    const nothingLeft = await w.core.sendDigest({ retryFailed: true });
    expect(nothingLeft.idle).toMatch(/no failed deliveries/);
    expect(w.sink.messages).toHaveLength(2);
  });

  it('stops, bounces nobody and resumes later when the server refuses the session itself (554 greeting)', async () => {
    let blocked = true;
    const w = await world({ sink: { connect: () => (blocked ? { code: 554, message: 'Service unavailable; client host blocked' } : undefined) } });
    const emails = ['ada@example.org', 'grace@example.org', 'linus@example.org'];
    const subscribers = await addEach(w, emails);

    await expect(w.core.sendDigest()).rejects.toMatchObject({ message: expect.stringContaining('554') });

    for (const s of subscribers) expect(await w.store.get(s.id)).toMatchObject({ status: 'active' });
    expect(w.sink.messages).toEqual([]);

    blocked = false;
    const resumed = await w.core.sendDigest();
    expect(resumed).toMatchObject({ resumed: true, submitted: 3, failed: 0 });
    expect(recipientsOf(w.sink.messages)).toEqual(emails);
  });

  it('stops when a relay refuses every recipient the same way (554 5.7.1): nobody bounced or failed; the fixed relay then mails everyone once', async () => {
    // Before: "554 5.7.1 Relay access denied" for every RCPT marked all 50 of 50 subscribers bounced.
    let denying = true;
    const w = await world({ sink: { rcpt: (address) => (denying ? { code: 554, message: `5.7.1 <${address}>: Relay access denied` } : undefined) } });
    const emails = Array.from({ length: 12 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
    const subscribers = await addEach(w, emails);

    await expect(w.core.sendDigest()).rejects.toMatchObject({
      code: 'DELIVERY_FAILED',
      message: expect.stringMatching(/refused 5 messages in a row the same way \("554 5\.7\.1 <[^>]+>: Relay access denied"\).*nobody was marked/),
    });
    for (const s of subscribers) expect(await w.store.get(s.id)).toMatchObject({ status: 'active' });
    const campaign = (await w.store.unfinishedCampaign())!;
    expect(await w.store.campaignCounts(campaign.id)).toMatchObject({ failed: 0, submitted: 0 });

    denying = false;
    const resumed = await w.core.sendDigest();
    expect(resumed).toMatchObject({ resumed: true, submitted: 12, failed: 0 });
    expect(recipientsOf(w.sink.messages)).toEqual(emails);
  });

  it('still fails a refusal that is not about the address when others go through, and bounces nobody for it', async () => {
    const w = await world({ sink: { rcpt: refuse({ 'spamtrap@example.org': { code: 550, message: '5.7.1 Message rejected as spam' } }) } });
    const trap = await w.add('spamtrap@example.org');
    for (const email of ['ada@example.org', 'grace@example.org']) await w.add(email);
    const report = await w.core.sendDigest();
    expect(report).toMatchObject({ submitted: 2, failed: 1 });
    expect(await w.store.get(trap.id)).toMatchObject({ status: 'active' });
  });

  it('stops when the mail server cannot be reached, after three messages, marking nobody failed', async () => {
    const closed = await startSmtpSink();
    const url = closed.url;
    await closed.close();
    const w = await world({ smtpUrl: url, attempts: 2 });
    const subscribers = await addEach(w, ['ada@example.org', 'grace@example.org', 'linus@example.org', 'margaret@example.org', 'barbara@example.org']);
    await expect(w.core.sendDigest()).rejects.toMatchObject({
      code: 'DELIVERY_FAILED',
      message: expect.stringMatching(/could not be reached for 3 messages in a row .*nobody was marked failed/),
    });
    const campaign = (await w.store.unfinishedCampaign())!;
    expect(await w.store.campaignCounts(campaign.id)).toMatchObject({ failed: 0, submitted: 0 });
    for (const s of subscribers) expect(await w.store.get(s.id)).toMatchObject({ status: 'active' });
  });

  it("stops with the store's own error when a claim fails mid-campaign, holding nothing; the next send finishes without a duplicate", async () => {
    let claims = 0;
    const w = await world({
      maxConnections: 1,
      wrapStore: (store) => ({
        ...store,
        claimDeliveries: async (...args) => {
          if (++claims === 2) throw new Error('Connection terminated unexpectedly');
          return store.claimDeliveries(...args);
        },
      }),
    });
    const emails = Array.from({ length: 15 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
    await addEach(w, emails);

    // One connection claims ten at a time: the first ten go out, then the store fails.
    await expect(w.core.sendDigest()).rejects.toThrow('Connection terminated unexpectedly');
    const campaign = (await w.store.unfinishedCampaign())!;
    expect(await w.store.campaignCounts(campaign.id)).toMatchObject({ submitted: 10, queued: 5, sending: 0 });
    expect(w.sink.messages).toHaveLength(10);

    const again = await w.core.sendDigest();
    expect(again).toMatchObject({ campaignId: campaign.id, resumed: true, submitted: 5, failed: 0 });
    expect(w.sink.messages.map((m) => m.envelope.rcpt[0]).sort()).toEqual(emails);
  });

  it('a dry run sends nothing and records nothing', async () => {
    const w = await world();
    const ada = await w.add('ada@example.org');
    await w.add('science@example.org', { categories: ['science'] });
    await w.add('sports@example.org', { categories: ['sports'] });

    const dry = await w.core.sendDigest({ dryRun: true });

    expect(dry).toMatchObject({ dryRun: true, submitted: 2, skipped: 1, renders: 2, campaignId: undefined });
    expect(w.sink.rcptCounts.size).toBe(0);
    expect(await w.store.latestCampaign()).toBeUndefined();
    expect((await w.store.get(ada.id))?.lastDigestUntil).toBeNull();

    const real = await w.core.sendDigest();
    expect(real.submitted).toBe(2);
    expect(w.sink.messages).toHaveLength(2);
  });
});

describe('subscribers reactivate', () => {
  it('turns subscribers bounced since a time back to active, records it, and leaves earlier bounces alone', async () => {
    const w = await world();
    const old = await w.add('old@example.org');
    const wave = await addEach(w, ['ada@example.org', 'grace@example.org']);
    await w.store.markBounced(old.id, new Date(NOW.getTime() - 10 * 24 * HOUR), '550 5.1.1 user unknown');
    for (const s of wave) await w.store.markBounced(s.id, NOW, '554 5.7.1 Relay access denied');
    const reactivated = await w.core.reactivateBounced(new Date(NOW.getTime() - HOUR));
    expect(reactivated).toEqual(['ada@example.org', 'grace@example.org']);
    for (const s of wave) expect(await w.store.get(s.id)).toMatchObject({ status: 'active', bouncedAt: null });
    expect(await w.store.get(old.id)).toMatchObject({ status: 'bounced' });
    expect((await w.store.eventsOf(wave[0]!.id)).map((e) => e.event)).toContain('reactivated');
    const report = await w.core.sendDigest();
    expect(recipientsOf(w.sink.messages)).toEqual(['ada@example.org', 'grace@example.org']);
    expect(report.submitted).toBe(2);
  });
});

describe('signups through the web form', () => {
  it('are decided after the answer: subscribe() returns before anything is stored or sent, for new and known addresses alike', async () => {
    const w = await world();
    const known = await w.add('known@example.org');
    await w.core.subscribe({ email: 'new@example.org' });
    await w.core.subscribe({ email: 'known@example.org' });
    expect(await w.store.findByEmail('new@example.org')).toBeUndefined();
    await w.core.settled();
    expect(await w.store.findByEmail('new@example.org')).toMatchObject({ status: 'pending' });
    expect(await w.store.get(known.id)).toMatchObject({ status: 'active' });
    expect(recipientsOf(w.sink.messages)).toEqual(['new@example.org']);
  });

  it('send one pending address at most one confirmation request per 15 minutes and three a day', async () => {
    const w = await world();
    const ask = async (times: number) => {
      for (let i = 0; i < times; i++) await w.core.subscribe({ email: 'pending@example.org' });
      await w.core.settled();
    };
    await ask(50);
    expect(w.sink.messages).toHaveLength(1);
    w.clock.now = new Date(w.clock.now.getTime() + 10 * 60_000);
    await ask(5);
    expect(w.sink.messages).toHaveLength(1);
    for (const expected of [2, 3, 3]) {
      w.clock.now = new Date(w.clock.now.getTime() + 16 * 60_000);
      await ask(5);
      expect(w.sink.messages).toHaveLength(expected);
    }
    // A day after the first, requests are allowed again.
    w.clock.now = new Date(w.clock.now.getTime() + 24 * HOUR);
    await ask(1);
    expect(w.sink.messages).toHaveLength(4);
  });
});
