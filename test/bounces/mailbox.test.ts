// The bounce mailbox end to end (issue 17 §2): a real Dovecot IMAP server holding DSNs, a complaint, an
// unsubscribe request, an auto-reply, spam and a forged bounce; `broadsheet bounces check` (the CLI entry,
// in process) acts on each once and flags it handled, leaves what it does not understand, and believes
// nothing it cannot verify. Then a crash between acting and flagging: read again, nothing acts twice.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { DATABASE_FILE } from '../../src/adapters.js';
import { parseConfig } from '../../src/config.js';
import { createContext } from '../../src/core/context.js';
import { returns } from '../../src/core/returns.js';
import { HANDLED_KEYWORD, imapSettingsOf, openImapMailbox } from '../../src/delivery/bounce-mailbox.js';
import { bounceTag } from '../../src/email/bounce-tag.js';
import { signToken } from '../../src/email/tokens.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { hasDovecot, startDovecot, type TestImapServer } from '../helpers/dovecot.js';
import { REPO, tempSite, type TempSite } from '../helpers/site.js';

const KEY = 'a-test-signing-key-of-forty-characters-xx';
const NOW = new Date('2026-12-01T09:00:00Z');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'returned');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const FIXTURE_MESSAGE_ID = '<d.2026-11-23.2026-11-30.abcdef@example.com>';
const TAG = /b-12-\d+-[0-9a-f]{16}/g;
const TOKEN = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/g;

let imap: TestImapServer;
beforeAll(async () => {
  imap = await startDovecot();
}, 30_000);
afterAll(() => imap?.stop());

/** A site whose database holds five subscribers, a sent campaign and each one's delivery with its Message-ID. */
async function siteWithCampaign() {
  const site = await tempSite('mailbox');
  const store = openSqliteStore(path.join(site.data, DATABASE_FILE));
  const ids: Record<string, number> = {};
  for (const name of ['ada', 'bob', 'carol', 'dan', 'eve'])
    ids[name] = (await store.add({ email: `${name}@example.org`, status: 'active' }, NOW)).subscriber.id;
  const campaign = await store.createCampaign({ since: new Date('2026-11-23T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') }, NOW);
  const messageIds: Record<string, string> = {};
  for (const [name, id] of Object.entries(ids)) {
    messageIds[name] = `<digest-c${campaign.id}.${name}@example.com>`;
    await store.claimDelivery(campaign.id, id, 'run', messageIds[name]!, NOW);
    await store.markSubmitted(campaign.id, id, '250 ok', campaign.until, NOW);
  }
  return { site, store, ids, campaign, messageIds };
}

const tagFor = (campaignId: number, subscriberId: number) => bounceTag({ campaignId, subscriberId }, KEY);

const check = (site: TempSite, ...args: string[]) =>
  runMain(['bounces', 'check', ...args], { cwd: site.root, env: { BROADSHEET_SECRET: KEY, BROADSHEET_BOUNCE_IMAP_URL: imap.url, NO_COLOR: '1' }, now: NOW });

// Skipped only on a developer's machine without Dovecot: CI installs it (.ci/run), and fails without it.
describe.skipIf(!hasDovecot && !process.env.CI)('broadsheet bounces check on a real IMAP mailbox', () => {
  it('acts on what it can verify, once each, flags it handled, and leaves the rest', async () => {
    const { site, store, ids, campaign, messageIds } = await siteWithCampaign();
    const uid: Record<string, number> = {};
    // Hard bounce, attributed by the tag in the address it came back to.
    uid.hard = await imap.append(fixture('postfix-user-unknown.eml').replace(TAG, tagFor(campaign.id, ids.ada!)));
    // Soft bounce (mailbox full): counted, not yet bounced.
    uid.soft = await imap.append(fixture('postfix-mailbox-full.eml').replace(TAG, tagFor(campaign.id, ids.bob!)));
    // A complaint: attributed by our Message-ID in the included original (its tag is forged).
    uid.complaint = await imap.append(fixture('arf-yahoo.eml').replaceAll(FIXTURE_MESSAGE_ID, messageIds.carol!));
    // An unsubscribe request with dan's genuine token.
    uid.unsubscribe = await imap.append(
      fixture('unsubscribe-subject.eml').replace(TOKEN, signToken({ purpose: 'unsubscribe', email: 'dan@example.org' }, KEY)),
    );
    // Noise: an out-of-office, spam, and a bounce naming eve with a forged tag and no Message-ID of ours.
    uid.ooo = await imap.append(fixture('outlook-ooo.eml'));
    uid.spam = await imap.append(fixture('spam.eml'));
    uid.forged = await imap.append(
      fixture('postfix-user-unknown.eml')
        .replace(TAG, 'b-1-5-0000000000000000')
        .replaceAll('ada@example.org', 'eve@example.org')
        .replaceAll(FIXTURE_MESSAGE_ID, '<someone-elses@example.net>'),
    );
    // An unsubscribe request whose token is not ours: it unsubscribes nobody.
    uid.badToken = await imap.append(fixture('unsubscribe-subject.eml'));

    const run = await check(site, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report).toEqual({
      messages: 8,
      hardBounces: 1,
      softBounces: 1,
      complaints: 1,
      unsubscribes: 1,
      changed: 3,
      unattributed: 1,
      duplicates: 0,
      ignored: 1,
      unknown: 2,
    });
    const status = async (name: string) => (await store.get(ids[name]!))!;
    expect((await status('ada')).status).toBe('bounced');
    expect((await store.eventsOf(ids.ada!)).at(-1)?.detail).toContain('5.1.1');
    expect((await status('bob')).status).toBe('active');
    expect((await store.eventsOf(ids.bob!)).map((e) => e.event)).toContain('soft-bounce');
    expect([(await status('carol')).status, (await status('carol')).complainedAt]).toEqual(['unsubscribed', NOW]);
    expect((await status('dan')).status).toBe('unsubscribed');
    expect((await status('eve')).status).toBe('active');
    expect(await store.returnCounts(campaign.id)).toEqual({ hardBounces: 1, softBounces: 1, complaints: 1, unsubscribes: 0 });

    const flags = new Map((await imap.messages()).map((m) => [m.uid, m.flags]));
    for (const name of ['hard', 'soft', 'complaint', 'unsubscribe', 'ooo', 'forged']) expect(flags.get(uid[name]!), name).toEqual([HANDLED_KEYWORD, '\\Seen']);
    // Not understood (or not verified): untouched, for a person to read.
    for (const name of ['spam', 'badToken']) expect(flags.get(uid[name]!), name).toEqual([]);

    // Checked again: only the two left are read, and nothing acts twice.
    const again = JSON.parse((await check(site, '--json')).stdout) as Record<string, number>;
    expect(again.messages).toBe(2);
    expect(again.unknown).toBe(2);
    expect((await store.eventsOf(ids.bob!)).filter((e) => e.event === 'soft-bounce')).toHaveLength(1);
    await store.close();
    await cleanMailbox();
  }, 60_000);

  it('a crash between acting and flagging: read again, the message is flagged and acts no second time', async () => {
    const { site, store, ids, campaign } = await siteWithCampaign();
    const soft = await imap.append(fixture('postfix-mailbox-full.eml').replace(TAG, tagFor(campaign.id, ids.bob!)));
    const hard = await imap.append(fixture('postfix-user-unknown.eml').replace(TAG, tagFor(campaign.id, ids.ada!)));
    const config = parseConfig({ paths: { data: site.data, content: site.content, out: site.out } });
    const ctx = createContext(config, { now: () => NOW, cwd: site.root, env: { BROADSHEET_SECRET: KEY } });
    // The process dies right after the first message's action committed, before its flag is stored.
    const crashing = returns(ctx, {
      store,
      signingKey: async () => KEY,
      openBounceMailbox: async () => {
        const real = await openImapMailbox(imapSettingsOf(imap.url));
        return {
          ...real,
          markHandled: async () => {
            throw new Error('killed');
          },
        };
      },
    });
    await expect(crashing.checkBounceMailbox()).rejects.toThrow('killed');
    expect((await store.eventsOf(ids.bob!)).filter((e) => e.event === 'soft-bounce')).toHaveLength(1);
    expect((await imap.messages()).every((m) => m.flags.length === 0)).toBe(true);

    const run = await check(site, '--json');
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect([report.messages, report.duplicates, report.hardBounces, report.softBounces]).toEqual([2, 1, 1, 0]);
    expect((await store.eventsOf(ids.bob!)).filter((e) => e.event === 'soft-bounce')).toHaveLength(1);
    expect((await store.get(ids.ada!))?.status).toBe('bounced');
    const flags = new Map((await imap.messages()).map((m) => [m.uid, m.flags]));
    expect([flags.get(soft), flags.get(hard)]).toEqual([
      [HANDLED_KEYWORD, '\\Seen'],
      [HANDLED_KEYWORD, '\\Seen'],
    ]);
    await store.close();
    await cleanMailbox();
  }, 60_000);

  it('says what to set when no mailbox is configured, and fails on a wrong subcommand', async () => {
    const site = await tempSite('mailbox-none');
    const none = await runMain(['bounces', 'check'], { cwd: site.root, now: NOW });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('BROADSHEET_BOUNCE_IMAP_URL');
    const wrong = await runMain(['bounces', 'purge'], { cwd: site.root, now: NOW });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown bounces subcommand 'purge'");
  });
});

/** Every message deleted: the next test starts from an empty INBOX. */
async function cleanMailbox() {
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({ host: '127.0.0.1', port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    await client.messageDelete('1:*');
  } finally {
    lock.release();
    await client.logout();
  }
}
