// Output people and scripts can use: --json documents on stdout (messages stay on stderr), progress
// of a send (a bar on a terminal, lines otherwise), log levels and NO_COLOR. A real SQLite data folder
// and a real SMTP sink; the CLI in process through main(argv, io), except where a real process matters.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/compose.js';
import { REPO, SAMPLE_CONTENT, sharedTempSite } from '../helpers/site.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { removeTempDir } from '../helpers/temp-dir.js';

const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
const READERS = 30;

let site: string;
let sink: SmtpSink;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { env?: Record<string, string | undefined>; tty?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  // A real stream: pino-pretty (on a terminal) listens to it.
  const err = Object.assign(new PassThrough(), options.tty ? { isTTY: true, columns: 100 } : {});
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: err,
    cwd: site,
    env: { BROADSHEET_SECRET: 'output-test-secret-0123456789abcdef', ...options.env },
    now: () => new Date(),
  });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout, stderr };
}

async function spawned(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd: site,
      env: { ...process.env, BROADSHEET_SECRET: 'output-test-secret-0123456789abcdef', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Run;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  sink = await startSmtpSink();
  site = (await sharedTempSite('output', { copy: SAMPLE_CONTENT, config: { site: { url: 'https://news.example.com/' } } })).root;
  writeFileSync(path.join(site, 'readers.csv'), `email\n${Array.from({ length: READERS }, (_, i) => `reader${i}@example.org`).join('\n')}\n`);
  expect((await cli(['subscribers', 'import', 'readers.csv'])).code).toBe(0);
});
afterAll(async () => {
  await sink.close();
  await removeTempDir(site);
});

describe('--json', () => {
  it('build: one document on stdout with the report; nothing else printed', async () => {
    const r = await cli(['build', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      mode: 'full',
      aborted: false,
      published: 13,
      files: 14,
      skipped: { drafts: 1, future: 0 },
      channels: 6,
      errors: [],
      warnings: [],
    });
    expect(doc.written).toContain('feed.xml');
    expect(Object.keys(doc).sort()).toEqual([
      'aborted',
      'channels',
      'contentDir',
      'digest',
      'durationMs',
      'errors',
      'files',
      'mode',
      'outDir',
      'published',
      'reason',
      'removed',
      'skipped',
      'unchanged',
      'warnings',
      'written',
    ]);
    const again = JSON.parse((await cli(['build', '--json'])).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ mode: 'up-to-date', written: [], reason: null });
  });

  it('status: schedule, next runs, counts and campaigns as data', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { subscribers: Record<string, number>; next: Record<string, string>; campaigns: unknown[] };
    expect(doc.subscribers).toEqual({ pending: 0, active: READERS, unsubscribed: 0, bounced: 0 });
    expect(Date.parse(doc.next.digestInSiteTimezone!)).not.toBeNaN();
    expect(doc.campaigns).toEqual([]);
  });

  it('digest: the preview as data on stdout, the postal-address note on stderr', async () => {
    const r = await cli(['digest', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: email\.postalAddress is not set/);
    const doc = JSON.parse(r.stdout) as { empty: boolean; files: { html: string }; subject: string };
    expect(doc.empty).toBe(false);
    expect(doc.files.html).toBe(path.join(site, 'data', 'preview', 'digest.html'));
    expect(doc.subject).toContain('new post');
  });
});

describe('send: progress and JSON', () => {
  it('on a terminal, draws a progress bar on stderr and prints the report as JSON', async () => {
    const r = await cli(['send', '--yes', '--json'], { env: { BROADSHEET_SMTP_URL: sink.url }, tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Sending .* ${READERS}/${READERS} · \\d+/s`));
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ submitted: READERS, failed: 0, dryRun: false, resumed: false, stopped: false });
    expect(doc.transport).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+/);
    expect(Object.keys(doc).sort()).toEqual([
      'campaignId',
      'dryRun',
      'failed',
      'idle',
      'renders',
      'resumed',
      'skipReasons',
      'skipped',
      'stopped',
      'submitted',
      'transport',
      'window',
    ]);
    expect(doc).toMatchObject({ idle: null, window: null });
    expect(sink.messages).toHaveLength(READERS);
  });

  it('with NO_COLOR or without a terminal: no terminal escapes at all', async () => {
    // Nothing new to send now: the campaign check still runs and logs; no bar is drawn either way.
    for (const options of [{ env: { BROADSHEET_SMTP_URL: sink.url, NO_COLOR: '1' }, tty: true }, { env: { BROADSHEET_SMTP_URL: sink.url } }]) {
      const r = await cli(['send', '--yes', '--verbose'], options);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toBe('');
      expect(r.stderr + r.stdout).not.toMatch(/\x1b\[/);
    }
    // The same run on a terminal without NO_COLOR is coloured: the check above can fail.
    const coloured = await cli(['send', '--yes', '--verbose'], { env: { BROADSHEET_SMTP_URL: sink.url }, tty: true });
    expect(coloured.stderr).toMatch(/\x1b\[/);
  });
});

describe('log levels', () => {
  it('--quiet keeps info lines off stderr, --verbose adds debug lines; BROADSHEET_LOG_LEVEL is checked', async () => {
    writeFileSync(path.join(site, 'late.csv'), 'email\nlate@example.org\n');
    expect((await cli(['subscribers', 'import', 'late.csv'])).code).toBe(0);
    const quiet = await spawned(['send', '--yes', '--quiet'], { BROADSHEET_SMTP_URL: sink.url });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('"level":30');
    writeFileSync(path.join(site, 'later.csv'), 'email\nlater@example.org\n');
    expect((await cli(['subscribers', 'import', 'later.csv'])).code).toBe(0);
    const normal = await spawned(['send', '--yes'], { BROADSHEET_SMTP_URL: sink.url });
    expect(normal.stderr).toContain('"msg":"campaign created"');
    const bad = await spawned(['send', '--dry-run'], { BROADSHEET_LOG_LEVEL: 'loud' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('BROADSHEET_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"\n');
  });
});

describe('file-system failures name the setting and the path', () => {
  it('an output folder inside a file: the flag, its value and what is wrong, exit 1', async () => {
    writeFileSync(path.join(site, 'a-file'), 'not a folder');
    const out = path.join(site, 'a-file', 'site');
    const r = await spawned(['build', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`--out ${out}: not a directory\n`);
    const fromEnv = await spawned(['build'], { BROADSHEET_OUT_DIR: out });
    expect(fromEnv.stderr).toBe(`BROADSHEET_OUT_DIR ${out}: not a directory\n`);
  });

  it('a data folder that is a file: named as --data for the commands that open the database', async () => {
    const data = path.join(site, 'a-file');
    for (const args of [['status'], ['subscribers', 'list'], ['build', '--out', path.join(site, 'elsewhere')]]) {
      const r = await spawned([...args, '--data', data]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^--data ${data}: (is a file, not a folder|not a directory \\(mkdir ${data}/cache\\))\n$`));
    }
  });
});

describe('subscribers import: progress', () => {
  it('on a terminal, a bar for the rows stored; without one, nothing for a quick import', async () => {
    const rows = 2500;
    writeFileSync(path.join(site, 'many.csv'), `email\n${Array.from({ length: rows }, (_, i) => `many${i}@example.org`).join('\n')}\n`);
    const r = await cli(['subscribers', 'import', 'many.csv', '--json'], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Importing .* ${rows}/${rows} · \\d+/s`));
    expect(JSON.parse(r.stdout)).toMatchObject({ added: rows });
    writeFileSync(path.join(site, 'few.csv'), 'email\nfew@example.org\n');
    const plain = await cli(['subscribers', 'import', 'few.csv']);
    expect(plain.stderr).not.toMatch(/Importing/);
  });
});

describe('digest --out that cannot be used', () => {
  it('is named as given', async () => {
    const out = path.join(site, 'a-file', 'preview');
    writeFileSync(path.join(site, 'a-file'), 'not a folder');
    const r = await cli(['digest', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^--out ${out}: not a directory`));
  });
});
