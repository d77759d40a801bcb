// `build --out /proc/nope` and `build --data /proc/nope` end with one line naming the flag, and exit 1.
// Node's recursive mkdir spun there at 100% CPU, deaf to SIGTERM: each build runs main(argv, io) from
// src/ in a child process (through tsx, no bundle) that is killed if it does not answer in time, so a
// regression fails here instead of hanging the run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TEMPLATES, tempSite } from '../helpers/site.js';

const CLI_MODULE = path.join(REPO, 'src', 'compose.ts');

/** `broadsheet …argv` from a workspace with one post, in a child process given 20 s. */
async function build(...argv: string[]) {
  const { root, configFile: config } = await tempSite('folders', {
    posts: [{ file: 'post.md', title: 'Post', date: '2026-11-20', category: 'News' }],
    config: { site: { title: 'T', url: 'https://news.example.com/', timezone: 'UTC' }, paths: { templates: TEMPLATES } },
  });
  const script = `
    const { main } = await import(${JSON.stringify(CLI_MODULE)});
    process.exitCode = await main(JSON.parse(process.env.ARGV), {
      stdout: process.stdout, stderr: process.stderr, cwd: ${JSON.stringify(root)}, env: {}, now: () => new Date('2026-11-29T12:00:00Z'),
    });
  `;
  // Run from the repository, where `--import tsx` resolves; the workspace is the CLI's cwd.
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    env: { ...process.env, ARGV: JSON.stringify(argv[0] === 'subscribers' ? [...argv, '--config', config] : ['build', '--config', config, ...argv]) },
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  return { signal: child.signal, status: child.status, stderr: child.stderr, root };
}

describe.skipIf(!existsSync('/proc/self'))('a folder the system will not make (/proc/nope)', () => {
  it('--out: named by the flag, exit 1, at once', async () => {
    const run = await build('--out', '/proc/nope');
    expect(run.signal, 'killed: the build spun on making the folder').toBeNull();
    expect([run.status, run.stderr]).toEqual([1, '--out /proc/nope: cannot be created there\n']);
  }, 30_000);

  it('--data: named by the flag, exit 1, at once', async () => {
    const run = await build('--data', '/proc/nope');
    expect(run.signal, 'killed: the build spun on making the folder').toBeNull();
    expect([run.status, run.stderr]).toEqual([1, '--data /proc/nope: cannot be created there\n']);
  }, 30_000);

  it('subscribers list --data: the database folder the same way', async () => {
    const run = await build('subscribers', 'list', '--data', '/proc/nope');
    expect(run.signal, 'killed: opening the database spun on making the folder').toBeNull();
    expect([run.status, run.stderr]).toEqual([1, '--data /proc/nope: cannot be created there\n']);
  }, 30_000);
});
