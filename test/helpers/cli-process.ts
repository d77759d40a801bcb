// The built CLI (dist/bin/broadsheet.js) as real processes for a test: spawned with a clean environment,
// their output kept (pino's JSON lines parsed), and every one still running killed after the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = path.join(REPO, 'dist', 'bin', 'broadsheet.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves on exit, however it exits. */
  exited: Promise<Exit>;
  /** JSON log lines (pino on stderr) parsed so far. */
  logs(): Array<Record<string, unknown>>;
}

const children = new Set<ChildProcess>();

/** Call once in a test file: the CLI must be built, and no process outlives its test, whatever the test did. */
export function cleanUpProcesses(): void {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before these tests (npm test does)`);
  });
  afterEach(async () => {
    await Promise.all([...children].map((child) => killAndWait(child)));
    children.clear();
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

/**
 * Spawn the built CLI with a clean environment (nothing from the developer's shell leaks in). `wrapper`
 * runs it under another program (`unshare …`): the CLI's path and arguments are appended to it.
 */
export function launch(args: string[], env: Record<string, string>, cwd: string, wrapper: string[] = []): Running {
  const [command, ...prefix] = wrapper.length > 0 ? wrapper : [process.execPath];
  const argv = wrapper.length > 0 ? [...prefix, process.execPath, MAIN, ...args] : [MAIN, ...args];
  const child = spawn(command!, argv, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    logs: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describe()}`);
    await delay(25);
  }
}

/** Every process's output, for an assertion's message. */
export const everything =
  (...ps: Running[]) =>
  () =>
    ps.map((p, i) => `--- process ${i} stdout:\n${p.stdout()}--- stderr:\n${p.stderr()}`).join('\n');
