// Asking for help never acts. Every command and subscribers action, run as the built CLI in a site
// with a populated data folder (database, outbox, signing key, a built site) and BROADSHEET_SMTP_URL
// pointing at a live SMTP sink: with --help anywhere among its arguments it prints its own usage and
// exits 0, and the database, outbox and site are byte for byte as they were, and the sink is empty.
// Also: usage mistakes are one line with a pointer to --help (exit 2), and `send` asks before mailing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/compose.js';
import { REPO, SAMPLE_CONTENT, sharedTempSite } from '../helpers/site.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { removeTempDir } from '../helpers/temp-dir.js';

const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
const run = promisify(execFile);

let site: string;
let sink: SmtpSink;
let env: NodeJS.ProcessEnv;

async function broadsheet(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: site, env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file under the site folder with the hash of its bytes (the database, outbox, site, key). */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(site, { recursive: true }) as string[]) {
    const file = path.join(site, name);
    if (statSync(file).isFile()) files[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return files;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  site = (
    await sharedTempSite('help', {
      copy: SAMPLE_CONTENT,
      config: { site: { url: 'https://news.example.com/' }, email: { postalAddress: '1 Example Street' } },
    })
  ).root;
  writeFileSync(path.join(site, 'members.csv'), 'email,name\nnew@example.org,New Reader\n');
  env = { ...process.env, BROADSHEET_SECRET: 'help-test-secret-0123456789abcdef' };
  // Populate without the sink: two subscribers, one pending (its confirmation in the outbox), a built site.
  for (const args of [['subscribers', 'add', 'ada@example.org'], ['subscribers', 'add', 'grace@example.org', '--pending'], ['build']]) {
    const r = await broadsheet(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  env.BROADSHEET_SMTP_URL = sink.url;
  expect(readdirSync(path.join(site, 'data', 'outbox')).length).toBeGreaterThan(0);
});
afterAll(async () => {
  await sink.close();
  await removeTempDir(site);
});

describe('--help on every command', () => {
  const cases: Array<[string[], string]> = [
    [['start', '--help'], 'Usage: broadsheet start'],
    [['serve', '-h'], 'Usage: broadsheet serve'],
    [['status', '--help'], 'Usage: broadsheet status'],
    [['build', '--strict', '--help'], 'Usage: broadsheet build'],
    [['digest', '--help', '--to', 'ada@example.org'], 'Usage: broadsheet digest'],
    [['send', '--help'], 'Usage: broadsheet send'],
    [['send', '--yes', '--since', '2026-01-01', '--help'], 'Usage: broadsheet send'],
    [['subscribers', '--help'], 'Usage: broadsheet subscribers <add|remove|list|import|export>'],
    [['subscribers', 'add', '--help', 'b@example.org'], 'Usage: broadsheet subscribers add EMAIL'],
    [['subscribers', 'add', 'b@example.org', '--pending', '-h'], 'Usage: broadsheet subscribers add EMAIL'],
    [['subscribers', 'remove', 'ada@example.org', '--help'], 'Usage: broadsheet subscribers remove EMAIL'],
    [['subscribers', 'list', '--help'], 'Usage: broadsheet subscribers list'],
    [['subscribers', 'import', 'members.csv', '--help'], 'Usage: broadsheet subscribers import FILE.csv'],
    [['subscribers', 'export', '--help'], 'Usage: broadsheet subscribers export'],
    [['subscribers', 'reactivate', '--bounced-since', '2026-01-01', '--help'], 'Usage: broadsheet subscribers reactivate --bounced-since TIME'],
    [['subscribers', 'show', 'ada@example.org', '--help'], 'Usage: broadsheet subscribers show EMAIL'],
    [['subscribers', 'delete', 'ada@example.org', '--yes', '--help'], 'Usage: broadsheet subscribers delete EMAIL'],
    [['help', 'send'], 'Usage: broadsheet send'],
    [['--help'], 'Usage: broadsheet <command>'],
  ];

  it.each(cases)('broadsheet %j prints its usage, exits 0 and changes nothing', async (args, usage) => {
    const before = snapshot();
    const r = await broadsheet(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(usage), r.stdout).toBe(true);
    expect(r.stdout).toMatch(/-h, --help|--help/);
    expect(r.stderr).toBe('');
    expect(snapshot()).toEqual(before);
    expect(sink.messages).toHaveLength(0);
  });

  it('each command help has examples', async () => {
    for (const command of ['start', 'serve', 'status', 'build', 'digest', 'send']) {
      const { stdout } = await broadsheet([command, '--help']);
      expect(stdout, command).toMatch(new RegExp(`\\nExamples:\\n(  broadsheet .*\\n)*  broadsheet (build && broadsheet )?${command}\\b`));
    }
  });
});

describe('usage mistakes', () => {
  it.each([
    [['build', '--nope'], "Unknown option '--nope' (see `broadsheet build --help`)"],
    [['subscribers', 'add'], 'subscribers add needs an email address (see `broadsheet subscribers add --help`)'],
    [['subscribers', 'list', '--colour'], "Unknown option '--colour' (see `broadsheet subscribers list --help`)"],
    [['send', '--since'], "Option '--since <value>' argument missing (see `broadsheet send --help`)"],
    [['frobnicate'], 'Unknown command "frobnicate": run `broadsheet --help` for the commands.'],
  ])('broadsheet %j: one line naming it and where to look, exit 2, nothing changed', async (args, line) => {
    const before = snapshot();
    const r = await broadsheet(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
    expect(snapshot()).toEqual(before);
  });

  it('no command at all: the overview on stderr, exit 2', async () => {
    const r = await broadsheet([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: broadsheet <command>');
  });
});

describe('send asks first', () => {
  it('without a terminal and without --yes, says what it would send and sends nothing (exit 2)', async () => {
    const before = snapshot();
    const r = await broadsheet(['send']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('About to send the digest:\n  1 message(s), one each to 1 of 1 active subscriber(s), 1 variant(s)\n');
    expect(r.stderr).toContain('Run `broadsheet send --yes` to send');
    expect(snapshot()).toEqual(before);
    expect(sink.messages).toHaveLength(0);
  });

  it('--dry-run needs no confirmation and sends nothing', async () => {
    const r = await broadsheet(['send', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Dry run: would send 1');
    expect(sink.messages).toHaveLength(0);
  });

  it('on a terminal, asks [y/N]: anything but yes sends nothing; yes sends', async () => {
    const asked: string[] = [];
    const io = (answer: string) => ({
      stdout: { write: () => true },
      stderr: { write: () => true },
      cwd: site,
      env: { ...env } as Record<string, string | undefined>,
      now: () => new Date(),
      ask: async (question: string) => {
        asked.push(question);
        return answer;
      },
    });
    expect(await main(['send'], io(''))).toBe(1);
    expect(await main(['send'], io('n'))).toBe(1);
    expect(sink.messages).toHaveLength(0);
    expect(asked[0]).toMatch(/^About to send the digest:\n {2}1 message\(s\)[\s\S]*\n {2}via smtp:\/\/127\.0\.0\.1:\d+ \(pool of 5\)\nSend now\? \[y\/N\] $/);
    expect(await main(['send'], io('y'))).toBe(0);
    expect(sink.messages.map((m) => m.envelope.rcpt)).toEqual([['ada@example.org']]);
  });
});
