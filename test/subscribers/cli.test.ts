// `broadsheet subscribers add|remove|list|import|export` through main(argv, io) in process: a temp config,
// a temp data folder (database, outbox, signing key) and a frozen clock; no SMTP server, so mail goes to
// <data>/outbox as .eml files.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { simpleParser, type AddressObject } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, OUTBOX_DIR } from '../../src/adapters.js';
import { main } from '../../src/drivers/cli.js';
import { SECRET_FILE } from '../../src/email/signing-key.js';
import { verifyToken } from '../../src/email/tokens.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { Subscriber } from '../../src/subscribers/store.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NOW = new Date('2026-11-29T12:00:00Z');
const DAY = 86_400_000;

let roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  roots = [];
});

interface Workspace {
  root: string;
  config: string;
  data: string;
}

/** A fresh folder with a config (https site, the repository's templates) and an empty data folder path. */
async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-subscribers-'));
  roots.push(root);
  const config = path.join(root, 'broadsheet.config.json');
  await writeFile(
    config,
    JSON.stringify({
      site: { title: 'The Sample Times', url: 'https://news.example.com/', timezone: 'UTC' },
      email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: '1 Example Street, Sampletown' },
      delivery: { confirmDays: 7 },
      paths: { templates: path.join(REPO, 'templates') },
    }),
  );
  return { root, config, data: path.join(root, 'data') };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { cwd: string; env?: Record<string, string | undefined>; now?: Date }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: options.cwd,
    env: options.env ?? {},
    now: () => options.now ?? NOW,
  });
  return { code, stdout, stderr };
}

/** `broadsheet subscribers …args --config <ws> --data <ws>/data`, run from the workspace folder. */
const subscribers = (ws: Workspace, ...args: string[]) => cli(['subscribers', ...args, '--config', ws.config, '--data', ws.data], { cwd: ws.root });

/** Read the database directly (a second "process"), closing it again. */
function stored(ws: Workspace): Subscriber[] {
  const store = openSqliteStore(path.join(ws.data, DATABASE_FILE));
  try {
    return store.list();
  } finally {
    store.close();
  }
}
const statusOf = (ws: Workspace, email: string) => stored(ws).find((s) => s.email === email)?.status;

async function writeCsv(ws: Workspace, name: string, text: string): Promise<string> {
  const file = path.join(ws.root, name);
  await writeFile(file, text);
  return file;
}

const filesIn = (dir: string) => readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
const addressesOf = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

/** The confirmation messages in the outbox, parsed, with the token of their confirm link. */
async function confirmations(ws: Workspace) {
  const dir = path.join(ws.data, OUTBOX_DIR);
  const messages = [];
  for (const name of (await filesIn(dir)).filter((f) => f.endsWith('.eml')).sort()) {
    const parsed = await simpleParser(await readFile(path.join(dir, name)));
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
    expect(stored(ws)).toEqual([
      expect.objectContaining({ email: 'ada@example.com', name: 'Ada Lovelace', status: 'active', categories: ['open-source', 'tech'], createdAt: NOW, confirmedAt: NOW }),
    ]);
    expect(existsSync(path.join(ws.data, DATABASE_FILE))).toBe(true);
  });

  it('says an address it already has (differently cased) is already known, and changes nothing', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada');
    const run = await subscribers(ws, 'add', 'ADA@example.com', '--name', 'Someone Else');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ada@example.com is already known (active); nothing changed.\n');
    expect(stored(ws)).toEqual([expect.objectContaining({ email: 'ada@example.com', name: 'Ada' })]);
  });

  it('does not bring back an unsubscribed address that is added again', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'remove', 'ada@example.com');
    const run = await subscribers(ws, 'add', 'ada@example.com');
    expect(run.stdout).toContain('already known (unsubscribed)');
    expect(statusOf(ws, 'ada@example.com')).toBe('unsubscribed');
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
    expect(stored(ws)).toEqual([]);
  });

  it('with --pending stores a pending subscriber and writes a confirmation request to the outbox', async () => {
    const ws = await workspace();
    const run = await subscribers(ws, 'add', 'ada@example.com', '--pending', '--categories', 'tech');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Added ada@example\.com as pending; confirmation request sent via the outbox folder .*outbox\.\n$/);
    expect(statusOf(ws, 'ada@example.com')).toBe('pending');
    const mail = await confirmations(ws);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to).toEqual(['ada@example.com']);
    expect(mail[0]!.subject).toBe('Confirm your subscription to The Sample Times');
  });

  it('takes --content as well as --config and --data', async () => {
    const ws = await workspace();
    const run = await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config, '--content', path.join(ws.root, 'posts'), '--data', ws.data], { cwd: ws.root });
    expect(run.code).toBe(0);
  });
});

describe('subscribers remove', () => {
  it('unsubscribes (keeping the record) and the address still appears in list and export', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com');
    await subscribers(ws, 'add', 'bob@example.com');
    const run = await cli(['subscribers', 'remove', 'ADA@example.com', '--config', ws.config, '--data', ws.data], { cwd: ws.root, now: new Date(NOW.getTime() + DAY) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Unsubscribed ADA@example.com (the record is kept)');
    expect(stored(ws).find((s) => s.email === 'ada@example.com')).toMatchObject({ status: 'unsubscribed', unsubscribedAt: new Date(NOW.getTime() + DAY) });

    const list = await subscribers(ws, 'list');
    expect(list.stdout).toContain('ada@example.com\tunsubscribed\t');
    expect(list.stderr).toBe('2 subscriber(s)\n');

    const exported = parse((await subscribers(ws, 'export')).stdout, { columns: true }) as Array<Record<string, string>>;
    expect(exported.find((r) => r.email === 'ada@example.com')).toMatchObject({ status: 'unsubscribed', unsubscribed_at: new Date(NOW.getTime() + DAY).toISOString() });
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
    expect(run.stdout).toBe('nobody@example.com is not a subscriber.\n');
    expect(statusOf(ws, 'ada@example.com')).toBe('active');
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
    const flag = await subscribers(ws, 'list', '--verbose');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--verbose');
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
    expect(run.stdout).toBe(`Imported ${file}: 3 added, 0 already known (left as they were), 1 duplicate row(s), 3 invalid row(s).\n`);
    expect(stored(ws).map((s) => [s.email, s.name, s.status, s.categories])).toEqual([
      ['ada@example.com', 'Ada Lovelace', 'active', ['news', 'tech']],
      ['bob@example.com', 'Bob', 'active', ['science']],
      ['cy@example.com', 'Cy "C" Young', 'active', ['news', 'tech']],
    ]);
  });

  it('exits 0 when every row is good', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'good.csv', 'email\nada@example.com\nbob@example.com\n');
    const run = await subscribers(ws, 'import', file);
    expect(run).toEqual({ code: 0, stdout: `Imported ${file}: 2 added, 0 already known (left as they were), 0 duplicate row(s), 0 invalid row(s).\n`, stderr: '' });
  });

  it('adds nothing when the same file is imported again', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'subscribers.csv', FIXTURE);
    await subscribers(ws, 'import', file);
    const before = stored(ws);
    const again = await cli(['subscribers', 'import', file, '--config', ws.config, '--data', ws.data], { cwd: ws.root, now: new Date(NOW.getTime() + DAY) });
    expect(again.stdout).toContain(': 0 added, 3 already known (left as they were), 1 duplicate row(s), 3 invalid row(s).');
    expect(stored(ws)).toEqual(before);
  });

  it('never re-activates an address that unsubscribed (or bounced), whatever the CSV says', async () => {
    const ws = await workspace();
    await subscribers(ws, 'add', 'ada@example.com', '--name', 'Ada');
    await subscribers(ws, 'remove', 'ada@example.com');
    const file = await writeCsv(ws, 'again.csv', 'email,name,categories\nAda@Example.com,New Name,tech\nnew@example.com,,\n');
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 added, 1 already known');
    expect(stored(ws).find((s) => s.email === 'ada@example.com')).toMatchObject({ status: 'unsubscribed', name: 'Ada', categories: [] });
    expect(statusOf(ws, 'new@example.com')).toBe('active');

    // --pending does not turn them into a pending subscriber (or mail them) either.
    const pending = await subscribers(ws, 'import', file, '--pending');
    expect(pending.stdout).toContain('0 added, 2 already known');
    expect(pending.stdout).toContain('0 confirmation request(s) sent');
    expect(statusOf(ws, 'ada@example.com')).toBe('unsubscribed');
    expect(await confirmations(ws)).toEqual([]);
  });

  it('reports a CSV without an email column as an error naming the file, exit 1, storing nothing', async () => {
    const ws = await workspace();
    const file = await writeCsv(ws, 'wrong.csv', 'mail,name\nada@example.com,Ada\n');
    const run = await subscribers(ws, 'import', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:1: header: has no "email" column (found: mail, name)`);
    expect(stored(ws)).toEqual([]);
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
    expect(stored(ws).map((s) => [s.email, s.status, s.confirmedAt])).toEqual([
      ['ada@example.com', 'pending', null],
      ['bob@example.com', 'pending', null],
    ]);

    const mail = await confirmations(ws);
    expect(mail.map((m) => m.to).flat().sort()).toEqual(['ada@example.com', 'bob@example.com']);
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
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(': 100000 added, 0 already known');

    const store = openSqliteStore(path.join(ws.data, DATABASE_FILE));
    try {
      expect(store.counts()).toEqual({ pending: 0, active: 100_000, unsubscribed: 0, bounced: 0 });
      expect(store.findByEmail('user0@example.com')).toMatchObject({ name: 'User 0', categories: ['tech'] });
      expect(store.findByEmail('user99998@example.com')).toMatchObject({ name: 'User 99998', categories: ['news', 'science'] });
    } finally {
      store.close();
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
      stored(ws).map((s) => ({
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
    expect(stored(other).map((s) => [s.email, s.name, s.categories])).toEqual([['ada@example.com', 'Ada', ['news', 'tech']]]);
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
    const run = await cli(['subscribers', 'add', 'ada@example.com', '--config', ws.config, '--data', ws.data], { cwd: ws.root, env: { BROADSHEET_DATA_DIR: fromEnv } });
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
