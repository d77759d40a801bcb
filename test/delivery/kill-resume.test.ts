// Crash safety of `broadsheet send`: the built CLI (dist/bin/broadsheet.js) is SIGKILLed mid-campaign while
// sending to a real SMTP server, then run again. Everyone gets the digest; the only second copies are
// messages that were in flight at the kill, resent with the same Message-ID, at most one per connection.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { DAY, RECENT_POSTS, tempChildSite } from '../helpers/child-site.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
const SUBSCRIBERS = 60;
const MAX_CONNECTIONS = 2;
const KILL_AFTER = 15;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const sinks: SmtpSink[] = [];
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close()));
});

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests (npm test does)`);
});

/** Run the built CLI; `onSpawn` gets a kill that resolves once the child is gone. Resolves on exit, however it exits. */
function run(args: string[], env: Record<string, string>, cwd: string, onSpawn?: (kill: () => Promise<void>) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    // A clean environment: nothing from the developer's shell (BROADSHEET_SECRET…) leaks in.
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const gone = new Promise<void>((done) => child.once('exit', () => done()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(async () => {
      child.kill('SIGKILL');
      await gone;
    });
  });
}

describe('broadsheet send after SIGKILL', () => {
  it('resumes: everyone gets the digest, and only in-flight messages are resent, with the same Message-ID', async () => {
    const { root, content, data, configFile } = await tempChildSite('kill', { posts: RECENT_POSTS, maxConnections: MAX_CONNECTIONS });
    const emails = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
    const store = openSqliteStore(path.join(data, 'broadsheet.db'));
    await store.importMany(
      emails.map((email, i) => ({ email, status: 'active', categories: i % 3 === 0 ? ['science'] : [] })),
      new Date(Date.now() - 30 * DAY),
    );
    await store.close();

    let killChild: (() => Promise<void>) | undefined;
    let inFlightAtKill: string | undefined;
    const sink = await startSmtpSink({
      dataDelayMs: 20,
      // The KILL_AFTER-th message is received but its 250 only goes out once the child is dead:
      // the sender cannot have recorded it as submitted, so it must be resent.
      onMessage: async (message) => {
        if (message.seq !== KILL_AFTER) return;
        inFlightAtKill = message.envelope.rcpt[0];
        await killChild!();
      },
    });
    sinks.push(sink);
    const args = ['send', '--yes', '--data', data, '--content', content, '--config', configFile];
    const env = { BROADSHEET_SMTP_URL: sink.url };

    const first = await run(args, env, root, (kill) => (killChild = kill));
    expect(first.signal, `the first run ended by itself:\n${first.stdout}${first.stderr}`).toBe('SIGKILL');
    const atKill = new Set(sink.messages.flatMap((m) => m.envelope.rcpt));
    expect(atKill.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(atKill.size).toBeLessThan(SUBSCRIBERS);

    const second = await run(args, env, root);
    expect(second.stderr).not.toMatch(/"level":(50|60)/);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/\(resumed\)/);
    expect(second.stdout).toMatch(/\d+ submitted, \d+ skipped.*, 0 failed/);

    const byRecipient = new Map<string, string[]>();
    for (const message of sink.messages) {
      for (const rcpt of message.envelope.rcpt) byRecipient.set(rcpt, [...(byRecipient.get(rcpt) ?? []), message.messageId ?? '']);
    }
    expect([...byRecipient.keys()].sort()).toEqual(emails);
    const duplicates = [...byRecipient.values()].filter((ids) => ids.length > 1);
    expect(sink.messages.length - SUBSCRIBERS).toBeLessThanOrEqual(MAX_CONNECTIONS);
    for (const ids of duplicates) expect(new Set(ids).size).toBe(1);
    expect(byRecipient.get(inFlightAtKill!)).toHaveLength(2);

    // The store agrees: one campaign, finished, every delivery submitted.
    const after = openSqliteStore(path.join(data, 'broadsheet.db'));
    try {
      const campaign = (await after.latestCampaign())!;
      expect(campaign.status).toBe('done');
      expect(await after.campaignCounts(campaign.id)).toMatchObject({ submitted: SUBSCRIBERS, queued: 0, sending: 0, failed: 0 });
    } finally {
      await after.close();
    }

    // And a third run sends nothing at all.
    const third = await run(args, env, root);
    expect(third.code).toBe(0);
    expect(third.stdout).not.toMatch(/\(resumed\)/);
    expect(sink.messages.length - SUBSCRIBERS).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(new Set(sink.messages.map((m) => m.envelope.rcpt[0])).size).toBe(SUBSCRIBERS);
  });
});
