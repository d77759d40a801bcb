// `broadsheet subscribers add|remove|list|show|delete|import|export` through main(argv, io) in process: a
// temp config, a few posts (their categories are the ones subscribers may choose), a temp data folder
// (database, outbox, signing key) and a frozen clock; no SMTP server, so mail goes to <data>/outbox as
// .eml files.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { createMailer, DATABASE_FILE, OUTBOX_DIR, openStore } from '../../src/adapters.js';
import { loadConfig } from '../../src/config.js';
import { createCore } from '../../src/core.js';
import { SECRET_FILE } from '../../src/email/signing-key.js';
import { verifyToken } from '../../src/email/tokens.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { Subscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { REPO, TEMPLATES, tempSite } from '../helpers/site.js';

const EXPORT_HEADER = 'email,name,status,categories,timezone,created_at,confirmed_at,unsubscribed_at,bounced_at,last_digest_until';
const NOW = new Date('2026-11-29T12:00:00Z');
const DAY = 86_400_000;

interface Workspace {
  root: string;
  config: string;
  data: string;
}

/** The categories of the workspace's posts: the only ones subscribers may choose. */
const CATEGORIES = ['News', 'Open Source', 'Science', 'Tech'];

/**
 * A fresh folder with a config (https site, the repository's templates), one published post per
 * category in content/ (the last one inside the week before NOW, so a digest has something to send)
 * and an empty data folder path.
 */
async function workspace(): Promise<Workspace> {
  const site = await tempSite('subscribers', {
    posts: CATEGORIES.map((category, i) => ({ file: `2026-11-2${i}-post-${i}.md`, title: `${category} post`, date: `2026-11-2${i}`, category })),
    config: {
      site: { title: 'The Sample Times', url: 'https://news.example.com/', timezone: 'UTC' },
      email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: '1 Example Street, Sampletown' },
      delivery: { confirmDays: 7 },
      paths: { templates: TEMPLATES },
    },
  });
  return { root: site.root, config: site.configFile, data: site.data };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; now?: Date; ask?: (question: string) => Promise<string> },
): Promise<Run> {
  return runMain(argv, { ...options, now: options.now ?? NOW });
}

/** `broadsheet subscribers …args --config <ws> --data <ws>/data`, run from the workspace folder. */
const subscribers = (ws: Workspace, ...args: string[]) => cli(['subscribers', ...args, '--config', ws.config, '--data', ws.data], { cwd: ws.root });

/** Work on the database directly (a second "process"), closing it again. */
async function withStore<T>(ws: Workspace, use: (store: SubscriberStore) => T | Promise<T>): Promise<T> {
  const store = openSqliteStore(path.join(ws.data, DATABASE_FILE));
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
const stored = (ws: Workspace): Promise<Subscriber[]> => withStore(ws, (store) => store.list());
/** stderr without the log lines (JSON, one a line) that sending mail writes there. */
const withoutLogs = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('{"level":'))
    .join('\n');
const statusOf = async (ws: Workspace, email: string) => (await stored(ws)).find((s) => s.email === email)?.status;

async function writeCsv(ws: Workspace, name: string, text: string): Promise<string> {
  const file = path.join(ws.root, name);
  await writeFile(file, text);
  return file;
}

const filesIn = (dir: string) => readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
const addressesOf = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

/** The confirmation messages in the outbox (not digests), parsed, with the token of their confirm link. */
async function confirmations(ws: Workspace) {
  const dir = path.join(ws.data, OUTBOX_DIR);
  const messages = [];
  for (const name of (await filesIn(dir)).filter((f) => f.endsWith('.eml')).sort()) {
    const parsed = await simpleParser(await readFile(path.join(dir, name)));
    if (!parsed.subject?.startsWith('Confirm your subscription')) continue;
    const match = /https:\/\/news\.example\.com\/confirm\?token=([A-Za-z0-9_.-]+)/.exec(parsed.text ?? '');
    messages.push({ to: addressesOf(parsed.to), subject: parsed.subject, token: match?.[1], html: typeof parsed.html === 'string' ? parsed.html : '' });
  }
  return messages;
}

describe('subscribers add', () => {
  it('adds a normalised, active subscriber and says so', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'add', '  Ada@Example.COM ', '--name', 'Ada Lovelace', '--categories', 'Tech, Open Source');
    expect(run).toEqual({ code: 0, stdout: 'Added ada@example.com as active.\n', stderr: '' });
    expect(await stored(ws)).toEqual([
      expect.objectContaining({
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        status: 'active',
        categories: ['open-source', 'tech'],
        createdAt: NOW,
        confirmedAt: NOW,
      }),
    ]);
    expect(existsSync(path.join(ws.data, DATABASE_FILE))).toBe(true);
  });

  it('says an address it already has (differently cased) is already known, and changes nothing', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada');
    const run = await subscribers(ws, 'add', 'ADA@example.com', '--name', 'Someone Else');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ada@example.com is already known (active); nothing changed.\n');
    expect(await stored(ws)).toEqual([expect.objectContaining({ email: 'ada@example.com', name: 'Ada' })]);
  });

  it('does not bring back an unsubscribed address that is added again', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'remove', 'ada@example.com');
    const run = await subscribers(ws, 'add', 'ada@example.com');
    expect(run.stdout).toContain('already known (unsubscribed)');
    expect(await statusOf(ws, 'ada@example.com')).toBe('unsubscribed');
  });

  it('refuses an invalid address with a clear message and exit 1, storing nothing', async () => {
    const ws = await workspace();
    for (const bad of ['not-an-address', 'ada@example.com\r\nBcc: victim@example.org', 'a b@example.com']) {
      const run = await subscribers(ws, 'add', bad);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('is not an email address');
      expect(run.stderr).not.toMatch(/^Error:/);
    }
    expect(await stored(ws)).toEqual([]);
  });

  it('with --pending stores a pending subscriber and writes a confirmation request to the outbox', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'add', 'ada@example.com', '--pending', '--categories', 'tech');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Added ada@example\.com as pending; confirmation request sent via the outbox folder .*outbox\.\n$/);
    expect(await statusOf(ws, 'ada@example.com')).toBe('pending');
    const mail = await confirmations(ws);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to).toEqual(['ada@example.com']);
    expect(mail[0]!.subject).toBe('Confirm your subscription to The Sample Times');
  });

  it('takes --content as well as --config and --data', async () => {
    const ws = await workspace();
    const run = await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config, '--content', path.join(ws.root, 'posts'), '--data', ws.data], {
      cwd: ws.root,
    });
    expect(run.code).toBe(0);
  });
});

describe('subscribers remove', () => {
  it('unsubscribes (keeping the record) and the address still appears in list and export', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'add', 'bob@example.com');
    const run = await cli(['subscribers', 'remove', 'ADA@example.com', '--config', ws.config, '--data', ws.data], {
      cwd: ws.root,
      now: new Date(NOW.getTime() + DAY),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Unsubscribed ADA@example.com (the record is kept)');
    expect((await stored(ws)).find((s) => s.email === 'ada@example.com')).toMatchObject({
      status: 'unsubscribed',
      unsubscribedAt: new Date(NOW.getTime() + DAY),
    });

    const list = await subscribers(ws, 'list');
    expect(list.stdout).toContain('ada@example.com\tunsubscribed\t');
    expect(list.stderr).toBe('2 subscriber(s)\n');

    const exported = parse((await subscribers(ws, 'export')).stdout, { columns: true }) as Array<Record<string, string>>;
    expect(exported.find((r) => r.email === 'ada@example.com')).toMatchObject({
      status: 'unsubscribed',
      unsubscribed_at: new Date(NOW.getTime() + DAY).toISOString(),
    });
  });

  it('says when the address was already unsubscribed, exit 0', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'remove', 'ada@example.com');
    const run = await subscribers(ws, 'remove', 'ada@example.com');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('already not receiving digests');
  });

  it('exits 1 for an address that is not a subscriber', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    const run = await subscribers(ws, 'remove', 'nobody@example.com');
    expect(run.code).toBe(1);
    // A message, not data: on stderr.
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('nobody@example.com is not a subscriber.\n');
    expect(await statusOf(ws, 'ada@example.com')).toBe('active');
  });
});

describe('subscribers list', () => {
  it('lists every subscriber, or only those with --status, one per line', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada', '--categories', 'tech,news');
    await subscribers(ws, 'add', 'bob@example.com');
    await subscribers(ws, 'add', 'cy@example.com', '--pending');
    await subscribers(ws, 'remove', 'bob@example.com');

    const all = await subscribers(ws, 'list');
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('ada@example.com\tactive\tnews,tech\tAda\nbob@example.com\tunsubscribed\tall\t\ncy@example.com\tpending\tall\t\n');
    expect(all.stderr).toBe('3 subscriber(s)\n');

    expect((await subscribers(ws, 'list', '--status', 'active')).stdout).toBe('ada@example.com\tactive\tnews,tech\tAda\n');
    expect((await subscribers(ws, 'list', '--status', 'pending')).stdout).toBe('cy@example.com\tpending\tall\t\n');
    const bounced = await subscribers(ws, 'list', '--status', 'bounced');
    expect(bounced).toEqual({ code: 0, stdout: '', stderr: '0 subscriber(s)\n' });
  });

  it('rejects an unknown --status as a usage error (exit 2) naming the statuses', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'list', '--status', 'deleted');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--status expects one of pending, active, unsubscribed, bounced');
    expect(run.stdout).toBe('');
  });

  it('rejects an unknown action and an unknown flag as usage errors (exit 2)', async () => {
    const ws = await workspace();
    expect((await subscribers(ws, 'purge')).code).toBe(2);
    const flag = await subscribers(ws, 'list', '--colour');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--colour');
  });
});

describe('subscribers import', () => {
  const FIXTURE = [
    'Email,Name,Categories', //                       line 1
    'ada@example.com,Ada Lovelace,"Tech, News"', //     2
    'not-an-address,Broken,', //                        3
    'BOB@example.com,Bob,science', //                   4
    ',No Address,', //                                  5
    'ada@EXAMPLE.com,Ada Again,', //                    6: duplicate of line 2
    '"cy@example.com","Cy ""C"" Young",tech;news', //   7
    'two@@example.com,Two,', //                         8
    '',
  ].join('\n');

  it('stores the good rows, reports each bad row on stderr by line, counts duplicates, and exits 1', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'subscribers.csv', FIXTURE);
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        `${file}:3: "not-an-address" is not an email address (row skipped)`,
        `${file}:5: the email column is empty (row skipped)`,
        `${file}:8: "two@@example.com" is not an email address (row skipped)`,
        '',
      ].join('\n'),
    );
    expect(run.stdout).toBe(
      `Read ${file} as a subscriber CSV: used Email, Name, Categories; ignored none.\n` +
        `Imported ${file}: 3 added, 0 already known (left as they were), 1 duplicate row(s), 3 invalid row(s).\n`,
    );
    expect((await stored(ws)).map((s) => [s.email, s.name, s.status, s.categories])).toEqual([
      ['ada@example.com', 'Ada Lovelace', 'active', ['news', 'tech']],
      ['bob@example.com', 'Bob', 'active', ['science']],
      ['cy@example.com', 'Cy "C" Young', 'active', ['news', 'tech']],
    ]);
  });

  it('exits 0 when every row is good', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'good.csv', 'email\nada@example.com\nbob@example.com\n');
    const run = await subscribers(ws, 'import', file);
    expect(run).toEqual({
      code: 0,
      stdout: `Read ${file} as a subscriber CSV: used email; ignored none.\nImported ${file}: 2 added, 0 already known (left as they were), 0 duplicate row(s), 0 invalid row(s).\n`,
      stderr: '',
    });
  });

  it('adds nothing when the same file is imported again', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'subscribers.csv', FIXTURE);
    await subscribers(ws, 'import', file);
    const before = await stored(ws);
    const again = await cli(['subscribers', 'import', file, '--config', ws.config, '--data', ws.data], { cwd: ws.root, now: new Date(NOW.getTime() + DAY) });
    expect(again.stdout).toContain(': 0 added, 3 already known (left as they were), 1 duplicate row(s), 3 invalid row(s).');
    expect(await stored(ws)).toEqual(before);
  });

  it('never re-activates an address that unsubscribed (or bounced), whatever the CSV says', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada');
    await subscribers(ws, 'remove', 'ada@example.com');
    const file = await writeCsv(ws, 'again.csv', 'email,name,categories\nAda@Example.com,New Name,tech\nnew@example.com,,\n');
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 added, 1 already known');
    expect((await stored(ws)).find((s) => s.email === 'ada@example.com')).toMatchObject({ status: 'unsubscribed', name: 'Ada', categories: [] });
    expect(await statusOf(ws, 'new@example.com')).toBe('active');

    // --pending does not turn them into a pending subscriber (or mail them) either.
    const pending = await subscribers(ws, 'import', file, '--pending');
    expect(pending.stdout).toContain('0 added, 2 already known');
    expect(pending.stdout).toContain('0 confirmation request(s) sent');
    expect(await statusOf(ws, 'ada@example.com')).toBe('unsubscribed');
    expect(await confirmations(ws)).toEqual([]);
  });

  it('reports a CSV without an email column as an error naming the file, exit 1, storing nothing', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'wrong.csv', 'mail,name\nada@example.com,Ada\n');
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:1: header: has no "email" column (found: mail, name)`);
    expect(await stored(ws)).toEqual([]);
  });

  it('reports a file that cannot be read, exit 1', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'import', 'missing.csv');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing.csv: cannot read the CSV file');
  });

  it('with --pending stores pending subscribers and writes one confirmation per new address, with a valid, expiring confirm link', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'pending.csv', 'email,name\nada@example.com,Ada\nBob@Example.com,Bob\nnope,x\n');
    const run = await subscribers(ws, 'import', file, '--pending');
    expect(run.code).toBe(1); // the bad row
    expect(run.stdout).toContain('2 added');
    expect(run.stdout).toContain('2 confirmation request(s) sent');
    expect((await stored(ws)).map((s) => [s.email, s.status, s.confirmedAt])).toEqual([
      ['ada@example.com', 'pending', null],
      ['bob@example.com', 'pending', null],
    ]);

    const mail = await confirmations(ws);
    expect(mail.flatMap((m) => m.to).sort()).toEqual(['ada@example.com', 'bob@example.com']);
    const key = (await readFile(path.join(ws.data, SECRET_FILE), 'utf8')).trim();
    for (const message of mail) {
      expect(message.token).toBeDefined();
      const token = message.token!;
      expect(verifyToken(token, key, 'confirm', NOW)).toMatchObject({ purpose: 'confirm', email: message.to[0] });
      // The link in the HTML part is the same one.
      expect(message.html).toContain(`confirm?token=${token}`);
      // It expires after delivery.confirmDays (7), and it is no unsubscribe token.
      expect(verifyToken(token, key, 'confirm', new Date(NOW.getTime() + 7 * DAY - 1000))).toBeDefined();
      expect(verifyToken(token, key, 'confirm', new Date(NOW.getTime() + 7 * DAY + 1000))).toBeUndefined();
      expect(verifyToken(token, key, 'unsubscribe', NOW)).toBeUndefined();
      expect(verifyToken(token, 'another-key-of-at-least-32-characters!', 'confirm', NOW)).toBeUndefined();
    }

    // Importing again sends nobody a second request.
    const again = await subscribers(ws, 'import', file, '--pending');
    expect(again.stdout).toContain('0 confirmation request(s) sent');
    expect(await confirmations(ws)).toHaveLength(2);
  });

  it('imports 100,000 generated rows and stores every one', { timeout: 120_000 }, async () => {
    const ws = await workspace();
    const rows = Array.from({ length: 100_000 }, (_, i) => `user${i}@example.com,User ${i},${i % 3 === 0 ? 'tech' : '"news, science"'}`);
    const file = await writeCsv(ws, 'big.csv', `email,name,categories\n${rows.join('\n')}\n`);
    const run = await subscribers(ws, 'import', file);
    // Nothing but progress lines, which a slow (or busy) machine prints every five seconds.
    expect(run.stderr.split('\n').filter((line) => line !== '' && !/^Importing: \d+\/100000 \(\d+\/s\)$/.test(line))).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(': 100000 added, 0 already known');

    const store = openSqliteStore(path.join(ws.data, DATABASE_FILE));
    try {
      expect(await store.counts()).toEqual({ pending: 0, active: 100_000, unsubscribed: 0, bounced: 0 });
      expect(await store.findByEmail('user0@example.com')).toMatchObject({ name: 'User 0', categories: ['tech'] });
      expect(await store.findByEmail('user99998@example.com')).toMatchObject({ name: 'User 99998', categories: ['news', 'science'] });
    } finally {
      await store.close();
    }

    const again = await subscribers(ws, 'import', file);
    expect(again.stdout).toContain(': 0 added, 100000 already known');
  });
});

describe('subscribers export', () => {
  it('prints CSV that csv-parse reads back as the same subscribers', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Lovelace, Ada "The Countess"', '--categories', 'tech,news');
    await subscribers(ws, 'add', 'bob@example.com');
    await subscribers(ws, 'add', 'cy@example.com', '--pending');
    await subscribers(ws, 'remove', 'bob@example.com');

    const run = await subscribers(ws, 'export');
    expect(run.code).toBe(0);
    const rows = parse(run.stdout, { columns: true }) as Array<Record<string, string>>;
    const at = (d: Date | null) => d?.toISOString() ?? '';
    expect(rows).toEqual(
      (await stored(ws)).map((s) => ({
        email: s.email,
        name: s.name ?? '',
        status: s.status,
        categories: s.categories.join(','),
        timezone: s.timezone ?? '',
        created_at: at(s.createdAt),
        confirmed_at: at(s.confirmedAt),
        unsubscribed_at: at(s.unsubscribedAt),
        bounced_at: at(s.bouncedAt),
        last_digest_until: at(s.lastDigestUntil),
      })),
    );
    expect(rows.map((r) => [r.email, r.name, r.status])).toEqual([
      ['ada@example.com', 'Lovelace, Ada "The Countess"', 'active'],
      ['bob@example.com', '', 'unsubscribed'],
      ['cy@example.com', '', 'pending'],
    ]);
  });

  it('prints the header line even when there are no subscribers', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'export');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('email,name,status,categories,timezone,created_at,confirmed_at,unsubscribed_at,bounced_at,last_digest_until\n');
  });

  it('exports a file the import command reads back (email, name and categories)', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada', '--categories', 'tech,news');
    const exported = await writeCsv(ws, 'export.csv', (await subscribers(ws, 'export')).stdout);

    const other = await workspace();
    const run = await subscribers(other, 'import', exported);
    expect(run.code).toBe(0);
    expect((await stored(other)).map((s) => [s.email, s.name, s.categories])).toEqual([['ada@example.com', 'Ada', ['news', 'tech']]]);
  });
});

describe('each action opens only what it uses', () => {
  /** A workspace whose mailer cannot be made: SMTP with a DKIM key file that does not exist. */
  async function withoutMailer() {
    const ws = await workspace();
    const config = JSON.parse(await readFile(ws.config, 'utf8')) as Record<string, unknown>;
    const dkim = { domainName: 'news.example.com', keySelector: 'bs', privateKeyFile: path.join(ws.root, 'missing.pem') };
    await writeFile(ws.config, JSON.stringify({ ...config, delivery: { confirmDays: 7, dkim } }));
    const env = { BROADSHEET_SMTP_URL: 'smtp://127.0.0.1:9' };
    const run = (...args: string[]) => cli(['subscribers', ...args, '--config', ws.config, '--data', ws.data], { cwd: ws.root, env });
    return { ws, run };
  }

  it('add, list, show, remove and delete make no mailer; add --pending and import do, before changing anything', async () => {
    const { ws, run } = await withoutMailer();
    const added = await run('add', 'ada@example.com');
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('Added ada@example.com as active.\n');
    for (const args of [['list'], ['show', 'ada@example.com'], ['export'], ['remove', 'ada@example.com']]) {
      const r = await run(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect((await run('delete', 'ada@example.com', '--yes')).code).toBe(0);

    const pending = await run('add', 'bob@example.com', '--pending');
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('cannot read the DKIM private key');
    const file = await writeCsv(ws, 'members.csv', 'email\ncy@example.com\n');
    const imported = await run('import', file);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain('cannot read the DKIM private key');
    expect((await stored(ws)).map((s) => s.email)).toEqual([]);
    expect(await filesIn(path.join(ws.data, OUTBOX_DIR))).toEqual([]);
  });

  it('reads or creates the signing key only for an action that needs it', async () => {
    const ws = await workspace();
    for (const args of [['add', 'ada@example.com'], ['list'], ['show', 'ada@example.com'], ['remove', 'ada@example.com']]) {
      expect((await subscribers(ws, ...args)).code, args.join(' ')).toBe(0);
    }
    expect(existsSync(path.join(ws.data, SECRET_FILE))).toBe(false);
    // Deleting keeps a keyed hash of the address: that takes the key.
    expect((await subscribers(ws, 'delete', 'ada@example.com', '--yes')).code).toBe(0);
    expect(existsSync(path.join(ws.data, SECRET_FILE))).toBe(true);
  });
});

describe('where the database lives', () => {
  it('BROADSHEET_DATA_DIR moves the database (no --data flag)', async () => {
    const ws = await workspace();
    const elsewhere = path.join(ws.root, 'elsewhere', 'db');
    await mkdir(path.join(ws.root, 'elsewhere'));
    const run = await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config], { cwd: ws.root, env: { BROADSHEET_DATA_DIR: elsewhere } });
    expect(run.code).toBe(0);
    expect(existsSync(path.join(elsewhere, DATABASE_FILE))).toBe(true);
    expect(existsSync(path.join(ws.root, 'data'))).toBe(false);

    const list = await cli(['subscribers', 'list', '--config', ws.config], { cwd: ws.root, env: { BROADSHEET_DATA_DIR: elsewhere } });
    expect(list.stdout).toContain('ada@example.com\tactive');
  });

  it('--data wins over BROADSHEET_DATA_DIR', async () => {
    const ws = await workspace();
    const fromEnv = path.join(ws.root, 'from-env');
    const run = await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config, '--data', ws.data], {
      cwd: ws.root,
      env: { BROADSHEET_DATA_DIR: fromEnv },
    });
    expect(run.code).toBe(0);
    expect(existsSync(path.join(ws.data, DATABASE_FILE))).toBe(true);
    expect(existsSync(fromEnv)).toBe(false);
  });

  it('defaults to data/ under the working folder, and a relative --data is relative to it', async () => {
    const ws = await workspace();
    await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config], { cwd: ws.root });
    expect(existsSync(path.join(ws.root, 'data', DATABASE_FILE))).toBe(true);
    await cli(['subscribers', 'add', 'bob@example.com', '--config', ws.config, '--data', 'var/lists'], { cwd: ws.root });
    expect(existsSync(path.join(ws.root, 'var', 'lists', DATABASE_FILE))).toBe(true);
  });
});

/** The core as the HTTP server has it (the web form's subscribe and confirm), on the workspace's data folder. */
async function serverCore(ws: Workspace) {
  const config = await loadConfig({ configFile: ws.config, cwd: ws.root, env: {}, flags: { data: ws.data } });
  const store = await openStore(config, ws.root, {});
  const mailer = await createMailer(config, ws.root, {});
  const core = createCore(config, { now: () => NOW, cwd: ws.root, env: {}, store, mailer });
  return {
    core,
    async close() {
      await core.settled();
      await mailer.close();
      await store.close();
    },
  };
}

/** Sign up through the web form (double opt-in), as a reader would. */
async function signUp(ws: Workspace, input: { email: string; categories?: string[]; timezone?: string }) {
  const web = await serverCore(ws);
  try {
    await web.core.subscribe(input);
  } finally {
    await web.close();
  }
}

/** Fields an export carries, so an import can reproduce them (ids, updatedAt and lastFailedAt are not exported). */
const portable = ({ id: _id, updatedAt: _updated, lastFailedAt: _failed, ...s }: Subscriber) => s;

describe('subscribers import keeps consent', () => {
  it('keeps pending rows pending and sends each its confirmation request even without --pending; unsubscribed, bounced and complained rows are never active', async () => {
    const ws = await workspace();
    const file = await writeCsv(
      ws,
      'statuses.csv',
      [
        'email,status',
        'act@example.com,active',
        'pen@example.com,pending',
        'gone@example.com,unsubscribed',
        'dead@example.com,bounced',
        'spam@example.com,complained',
        '',
      ].join('\n'),
    );
    const run = await subscribers(ws, 'import', file);
    expect(withoutLogs(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(': 5 added, 0 already known (left as they were), 0 duplicate row(s), 0 invalid row(s); 1 confirmation request(s) sent.\n');
    expect((await stored(ws)).map((s) => [s.email, s.status, s.confirmedAt])).toEqual([
      ['act@example.com', 'active', NOW],
      ['pen@example.com', 'pending', null],
      ['gone@example.com', 'unsubscribed', null],
      ['dead@example.com', 'bounced', null],
      // A complaint withdraws consent; the address may work, so it is unsubscribed, not bounced.
      ['spam@example.com', 'unsubscribed', null],
    ]);
    const spam = (await stored(ws)).find((s) => s.email === 'spam@example.com')!;
    expect(await withStore(ws, (store) => store.eventsOf(spam.id))).toEqual([
      { event: 'imported unsubscribed', detail: 'imported from a subscriber CSV: complained', at: NOW },
    ]);

    const mail = await confirmations(ws);
    expect(mail.map((m) => m.to)).toEqual([['pen@example.com']]);
    const key = (await readFile(path.join(ws.data, SECRET_FILE), 'utf8')).trim();
    expect(verifyToken(mail[0]!.token!, key, 'confirm', NOW)).toMatchObject({ email: 'pen@example.com' });
  });

  it('re-importing its own export does not confirm a never-confirmed subscriber, nor drop their time zone (issue #12)', async () => {
    const ws = await workspace();
    await signUp(ws, { email: 'pen@example.com', categories: ['science'], timezone: 'America/Chicago' });
    expect(await stored(ws)).toEqual([expect.objectContaining({ email: 'pen@example.com', status: 'pending', timezone: 'America/Chicago' })]);
    const exported = await writeCsv(ws, 'export.csv', (await subscribers(ws, 'export')).stdout);

    const other = await workspace();
    const run = await subscribers(other, 'import', exported);
    expect(run.code, run.stderr).toBe(0);
    expect(await stored(other)).toEqual([
      expect.objectContaining({ email: 'pen@example.com', status: 'pending', confirmedAt: null, timezone: 'America/Chicago', categories: ['science'] }),
    ]);
    // Their confirmation is still owed, and the new site asks for it with its own key.
    expect((await confirmations(other)).map((m) => m.to)).toEqual([['pen@example.com']]);
  });

  it('round trip: export, then import into an empty database, reproduces every subscriber exactly', async () => {
    const ws = await workspace();
    const later = new Date(NOW.getTime() + DAY);
    const at = (when: Date, ...args: string[]) => cli(['subscribers', ...args, '--config', ws.config, '--data', ws.data], { cwd: ws.root, now: when });
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Lovelace, Ada "The Countess"', '--categories', 'Tech, News');
    await subscribers(ws, 'add', 'grace@example.com', '--name', 'Grâce Hopper', '--categories', 'open-source');
    await subscribers(ws, 'add', 'gone@example.com');
    await at(later, 'remove', 'gone@example.com');
    await subscribers(ws, 'add', 'dead@example.com');
    await signUp(ws, { email: 'pen@example.com', categories: ['science'], timezone: 'America/Chicago' });
    // Unsubscribed, then signed up again: pending, with the dates of both earlier steps.
    await subscribers(ws, 'add', 'back@example.com');
    await at(later, 'remove', 'back@example.com');
    await signUp(ws, { email: 'back@example.com', timezone: 'Europe/Berlin' });
    await withStore(ws, async (store) => {
      await store.markBounced((await store.findByEmail('dead@example.com'))!.id, later, '550 5.1.1 no such user');
      // Ada has had a digest: her watermark must survive the move, or she would get those posts again.
      const campaign = await store.createCampaign({ since: new Date('2026-11-22T00:00:00Z'), until: NOW }, NOW);
      await store.markSubmitted(campaign.id, (await store.findByEmail('ada@example.com'))!.id, '250 OK', NOW, NOW);
    });
    const original = await stored(ws);
    expect(original.map((s) => s.status).sort()).toEqual(['active', 'active', 'bounced', 'pending', 'pending', 'unsubscribed']);
    expect(original.find((s) => s.email === 'back@example.com')).toMatchObject({ status: 'pending', confirmedAt: NOW, unsubscribedAt: later });

    const exported = await writeCsv(ws, 'export.csv', (await subscribers(ws, 'export')).stdout);
    const other = await workspace();
    const run = await cli(['subscribers', 'import', exported, '--config', other.config, '--data', other.data], {
      cwd: other.root,
      now: new Date(NOW.getTime() + 30 * DAY),
    });
    expect(withoutLogs(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Read ${exported} as a Broadsheet export: used email, name, status, categories, timezone, created_at, confirmed_at, unsubscribed_at, bounced_at, last_digest_until; ignored none.\n` +
        `Imported ${exported}: 6 added, 0 already known (left as they were), 0 duplicate row(s), 0 invalid row(s); 2 confirmation request(s) sent.\n`,
    );
    expect((await stored(other)).map(portable)).toEqual(original.map(portable));
    expect((await confirmations(other)).map((m) => m.to[0]).sort()).toEqual(['back@example.com', 'pen@example.com']);
    // And a second export of the copy is the same file, byte for byte.
    expect((await subscribers(other, 'export')).stdout).toBe(await readFile(exported, 'utf8'));
  });

  it('recognises a Mailchimp export by its header: subscribed, unsubscribed and cleaned (bounced) members, and says which columns it used', async () => {
    const ws = await workspace();
    const fixture = (name: string) => path.join(REPO, 'test', 'fixtures', 'subscribers', name);
    const cleaned = await subscribers(ws, 'import', fixture('mailchimp-cleaned.csv'));
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain(
      `Read ${fixture('mailchimp-cleaned.csv')} as a Mailchimp export (cleaned members): used Email Address, First Name, Last Name, OPTIN_TIME, CONFIRM_TIME, TIMEZONE, CLEAN_TIME; ` +
        'ignored MEMBER_RATING, OPTIN_IP, CONFIRM_IP, LATITUDE, LONGITUDE, GMTOFF, DSTOFF, CC, REGION, CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID, LAST_CHANGED, LEID, EUID, NOTES, TAGS.\n',
    );
    for (const name of ['mailchimp-unsubscribed.csv', 'mailchimp-subscribed.csv'])
      expect((await subscribers(ws, 'import', fixture(name), '--pending')).code).toBe(0);
    expect((await stored(ws)).map((s) => [s.email, s.name, s.status])).toEqual([
      ['dead@example.com', 'Dead Letter', 'bounced'],
      ['gone@example.com', 'Gone Away', 'unsubscribed'],
      ['ada@example.com', 'Ada Lovelace', 'pending'],
      ['grace@example.com', 'Grace', 'pending'],
    ]);
    expect((await confirmations(ws)).map((m) => m.to[0])).toEqual(expect.arrayContaining(['ada@example.com', 'grace@example.com']));
    expect(await confirmations(ws)).toHaveLength(2);
  });
});

describe('categories are checked against the published posts', () => {
  it('subscribers add: an unknown category is an error naming the known ones (exit 1, nothing stored)', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'add', 'ada@example.com', '--categories', 'Tech, Space Travel, gardening');
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'categories: unknown categories "Space Travel", "gardening": the categories of the published posts are: News, Open Source, Science, Tech\n',
    });
    expect(await stored(ws)).toEqual([]);
    // Names and slugs of known categories are both fine.
    expect((await subscribers(ws, 'add', 'ada@example.com', '--categories', 'Open Source;science')).code).toBe(0);
    expect((await stored(ws))[0]!.categories).toEqual(['open-source', 'science']);
  });

  it('subscribers import: a row with an unknown category is reported with its line and skipped; the others are stored', async () => {
    const ws = await workspace();
    const file = await writeCsv(
      ws,
      'cats.csv',
      'email,categories\nada@example.com,tech\nbob@example.com,"tech, astrology"\ncy@example.com,\nnot-an-address,tech\n',
    );
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${file}:3: unknown category "astrology": the categories of the published posts are: News, Open Source, Science, Tech (row skipped)\n` +
        `${file}:5: "not-an-address" is not an email address (row skipped)\n`,
    );
    expect(run.stdout).toContain(': 2 added, 0 already known (left as they were), 0 duplicate row(s), 2 invalid row(s).');
    expect((await stored(ws)).map((s) => [s.email, s.categories])).toEqual([
      ['ada@example.com', ['tech']],
      ['cy@example.com', []],
    ]);
  });
});

describe('subscribers show', () => {
  it('prints everything stored about one subscriber: the record, its events and its deliveries', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'Ada@Example.com', '--name', 'Ada', '--categories', 'tech');
    const sent = await cli(['send', '--yes', '--config', ws.config, '--data', ws.data], { cwd: ws.root });
    expect(sent.code, sent.stderr).toBe(0);
    const id = (await stored(ws))[0]!.id;

    const run = await subscribers(ws, 'show', 'ADA@example.com');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 14)).toEqual([
      `ada@example.com (subscriber ${id})`,
      '  status:            active',
      '  name:              Ada',
      '  categories:        tech',
      '  timezone:          none',
      `  created:           ${NOW.toISOString()}`,
      `  updated:           ${NOW.toISOString()}`,
      `  confirmed:         ${NOW.toISOString()}`,
      '  unsubscribed:      none',
      '  bounced:           none',
      '  complained:        none',
      `  last digest until: ${NOW.toISOString()}`,
      '  last failed:       none',
      '  suppressed:        no',
    ]);
    expect(lines[14]).toBe('Events (1):');
    expect(lines[15]).toBe(`  ${NOW.toISOString()}  added`);
    expect(lines[16]).toBe('Deliveries (1):');
    expect(lines[17]).toMatch(
      /^ {2}campaign 1 \(posts .* to 2026-11-29T12:00:00\.000Z\): submitted, 1 attempt\(s\), updated .*, Message-ID <digest-.*@news\.example\.com>, server: written to .*\.eml$/,
    );
  });

  it('--json: one document with stable camelCase field names', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada');
    const run = await subscribers(ws, 'show', 'ada@example.com', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const iso = NOW.toISOString();
    expect(JSON.parse(run.stdout)).toEqual({
      email: 'ada@example.com',
      subscriber: {
        id: 1,
        email: 'ada@example.com',
        name: 'Ada',
        status: 'active',
        categories: [],
        timezone: null,
        createdAt: iso,
        updatedAt: iso,
        confirmedAt: iso,
        unsubscribedAt: null,
        bouncedAt: null,
        complainedAt: null,
        lastDigestUntil: null,
        lastFailedAt: null,
      },
      events: [{ event: 'added', detail: null, at: iso }],
      deliveries: [],
      suppression: null,
    });
  });

  it('an address that is not a subscriber: exit 1, said on stderr (with --json, the document says so too)', async () => {
    const ws = await workspace();
    expect(await subscribers(ws, 'show', 'nobody@example.com')).toEqual({ code: 1, stdout: '', stderr: 'nobody@example.com is not a subscriber.\n' });
    const json = await subscribers(ws, 'show', 'nobody@example.com', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ email: 'nobody@example.com', subscriber: null, events: [], deliveries: [], suppression: null });
    expect((await subscribers(ws, 'show', 'not an address')).stderr).toBe('email: "not an address" is not an email address\n');
  });
});

describe('subscribers delete', () => {
  it('erases the subscriber, their events and their deliveries, keeping only a keyed hash that import and add respect', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada Lovelace', '--categories', 'tech');
    await subscribers(ws, 'add', 'bob@example.com');
    expect((await cli(['send', '--yes', '--config', ws.config, '--data', ws.data], { cwd: ws.root })).code).toBe(0);

    const run = await subscribers(ws, 'delete', 'Ada@Example.com');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Deleted ada@example.com: the subscriber record, 1 event(s) and 1 delivery record(s). A keyed hash of the address stays on the suppression list: ' +
        'import and add refuse it; the person can still sign up again through the subscribe form.\n',
    );

    // Nothing in the database names Ada or points at her row; Bob is untouched.
    const raw = new Database(path.join(ws.data, DATABASE_FILE), { readonly: true });
    try {
      const dump = JSON.stringify(
        ['subscribers', 'subscriber_events', 'deliveries', 'suppressions', 'meta'].map((t) => raw.prepare(`SELECT * FROM ${t}`).all()),
      );
      expect(dump).not.toContain('ada@example.com');
      expect(dump).not.toContain('Ada Lovelace');
      expect(dump).not.toContain(createHash('sha256').update('ada@example.com').digest('hex'));
      expect(raw.prepare('SELECT count(*) AS n FROM deliveries').get()).toEqual({ n: 1 });
      expect(raw.prepare('SELECT reason FROM suppressions').all()).toEqual([{ reason: 'deleted on request' }]);
    } finally {
      raw.close();
    }
    expect((await stored(ws)).map((s) => s.email)).toEqual(['bob@example.com']);
    // Not even in the file's free space: deleted content is overwritten, not just unlinked.
    for (const name of await readdir(ws.data)) {
      if (name.startsWith(DATABASE_FILE)) expect((await readFile(path.join(ws.data, name))).includes('ada@example.com'), name).toBe(false);
    }

    const show = await subscribers(ws, 'show', 'ada@example.com');
    expect(show).toEqual({ code: 1, stdout: '', stderr: `ada@example.com is not a subscriber (deleted on request on ${NOW.toISOString()}; suppressed).\n` });

    // Import: reported as suppressed, by line, not added; that is no error (exit 0).
    const file = await writeCsv(ws, 'again.csv', 'email\nnew@example.com\nADA@example.com\n');
    const imported = await subscribers(ws, 'import', file, '--pending');
    expect(imported.code).toBe(0);
    expect(withoutLogs(imported.stderr)).toBe(`${file}:3: ada@example.com is suppressed (deleted on request) (row skipped)\n`);
    expect(imported.stdout).toContain(
      ': 1 added, 0 already known (left as they were), 0 duplicate row(s), 0 invalid row(s), 1 suppressed (deleted on request); 1 confirmation request(s) sent.',
    );
    const json = JSON.parse((await subscribers(ws, 'import', file, '--json')).stdout) as { suppressed: unknown };
    expect(json.suppressed).toEqual([{ line: 3, email: 'ada@example.com' }]);

    // Add: refused, with or without --pending, and nobody is mailed.
    for (const extra of [[], ['--pending']]) {
      const add = await subscribers(ws, 'add', 'ada@example.com', ...extra);
      expect(add.code).toBe(1);
      expect(add.stderr).toBe('email: ada@example.com is suppressed (deleted on request): only the person can subscribe again, through the subscribe form\n');
    }
    expect((await stored(ws)).map((s) => s.email)).toEqual(['bob@example.com', 'new@example.com']);
    expect((await confirmations(ws)).filter((m) => m.to.includes('ada@example.com'))).toEqual([]);

    // The person signs up again through the web form and confirms: subscribed, and the suppression is lifted.
    await signUp(ws, { email: 'Ada@example.com', categories: ['news'] });
    const request = (await confirmations(ws)).find((m) => m.to.includes('ada@example.com'));
    expect(request?.token).toBeDefined();
    const web = await serverCore(ws);
    try {
      expect(await web.core.confirmSubscription(request!.token!)).toBe('confirmed');
    } finally {
      await web.close();
    }
    const after = JSON.parse((await subscribers(ws, 'show', 'ada@example.com', '--json')).stdout) as {
      subscriber: { status: string; categories: string[] };
      suppression: unknown;
    };
    expect(after.subscriber).toMatchObject({ status: 'active', categories: ['news'] });
    expect(after.suppression).toBeNull();
  });

  it('on a terminal, asks first: anything but yes deletes nothing; --yes does not ask', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'add', 'bob@example.com');
    const asked: string[] = [];
    const ask = (answer: string) => async (question: string) => {
      asked.push(question);
      return answer;
    };
    const del = (email: string, answer: string, ...extra: string[]) =>
      cli(['subscribers', 'delete', email, ...extra, '--config', ws.config, '--data', ws.data], { cwd: ws.root, ask: ask(answer) });

    expect(await del('ada@example.com', '')).toEqual({ code: 1, stdout: '', stderr: 'Nothing deleted.\n' });
    expect((await del('ada@example.com', 'no')).code).toBe(1);
    expect(asked[0]).toBe(
      'Delete everything stored about ada@example.com: the subscriber record, 1 event(s) and 0 delivery record(s)? Only a keyed hash of the address is kept. [y/N] ',
    );
    expect((await stored(ws)).map((s) => s.email)).toEqual(['ada@example.com', 'bob@example.com']);

    expect((await del('ada@example.com', 'y')).code).toBe(0);
    expect(asked).toHaveLength(3);
    expect((await del('bob@example.com', 'n', '--yes')).code).toBe(0);
    expect(asked).toHaveLength(3);
    expect(await stored(ws)).toEqual([]);
  });

  it('an address that is not a subscriber: exit 1, nothing deleted; deleting twice says it already was', async () => {
    const ws = await workspace();
    expect(await subscribers(ws, 'delete', 'nobody@example.com')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'nobody@example.com is not a subscriber; nothing deleted.\n',
    });
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'delete', 'ada@example.com');
    const again = await subscribers(ws, 'delete', 'ada@example.com');
    expect(again).toEqual({
      code: 0,
      stdout: '',
      stderr: `ada@example.com is not a subscriber; nothing deleted (deleted on request on ${NOW.toISOString()}; suppressed).\n`,
    });
  });
});

describe('--json on list and import', () => {
  it('subscribers list --json: one document, the count and each subscriber, nothing on stderr', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--categories', 'tech');
    await subscribers(ws, 'add', 'cy@example.com', '--pending');
    const run = await subscribers(ws, 'list', '--status', 'pending', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const iso = NOW.toISOString();
    expect(JSON.parse(run.stdout)).toEqual({
      count: 1,
      subscribers: [
        {
          id: 2,
          email: 'cy@example.com',
          name: null,
          status: 'pending',
          categories: [],
          timezone: null,
          createdAt: iso,
          updatedAt: iso,
          confirmedAt: null,
          unsubscribedAt: null,
          bouncedAt: null,
          complainedAt: null,
          lastDigestUntil: null,
          lastFailedAt: null,
        },
      ],
    });
  });

  it('subscribers import --json: the report as one document (format, columns, counts, rows skipped); the exit code still says if rows were bad', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'mixed.csv', 'email,name,referrer\nada@example.com,Ada,x\nbad,Bad,y\nada@example.com,Again,z\n');
    const run = await subscribers(ws, 'import', file, '--json');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      file,
      format: 'broadsheet',
      description: 'a subscriber CSV',
      columns: { used: ['email', 'name'], ignored: ['referrer'] },
      added: 1,
      existing: 0,
      duplicates: 1,
      suppressed: [],
      errors: [{ line: 3, message: '"bad" is not an email address' }],
      confirmationsSent: 0,
    });
  });
});

describe('subscribers export --status', () => {
  it('writes only the subscribers of that status, header included', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'add', 'bob@example.com');
    await subscribers(ws, 'add', 'cy@example.com', '--pending');
    await subscribers(ws, 'remove', 'bob@example.com');
    const rows = async (status: string) =>
      (parse((await subscribers(ws, 'export', '--status', status)).stdout, { columns: true }) as Array<Record<string, string>>).map((r) => r.email);
    expect(await rows('active')).toEqual(['ada@example.com']);
    expect(await rows('unsubscribed')).toEqual(['bob@example.com']);
    expect(await rows('pending')).toEqual(['cy@example.com']);
    expect((await subscribers(ws, 'export', '--status', 'bounced')).stdout).toBe(`${EXPORT_HEADER}\n`);
    expect((await subscribers(ws, 'export', '--status', 'gone')).code).toBe(2);
  });
});

describe('help for show and delete', () => {
  it.each([
    [['subscribers', 'show', 'ada@example.com', '--help'], 'Usage: broadsheet subscribers show EMAIL'],
    [['subscribers', 'delete', 'ada@example.com', '--help'], 'Usage: broadsheet subscribers delete EMAIL'],
    [['subscribers', 'delete', '-h', 'ada@example.com', '--yes'], 'Usage: broadsheet subscribers delete EMAIL'],
  ])('%j prints its usage and touches nothing', async (argv, usage) => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    const run = await cli([...argv, '--config', ws.config, '--data', ws.data], { cwd: ws.root });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith(usage)).toBe(true);
    expect(run.stdout).toMatch(/\nExamples:\n {2}broadsheet subscribers (show|delete) /);
    expect((await stored(ws)).map((s) => s.email)).toEqual(['ada@example.com']);
  });
});
