// Whole-process timing: each command run as a fresh `node` process, as a user or a cron job runs it.
// Wall time from spawn to exit. The commands of one comparison take turns, round after round, so a
// machine that slows down for a while slows them all alike; each gets one warm-up run first (it fills
// Node's compile cache and the OS file cache, as any second run of a command finds them).
import { spawnSync } from 'node:child_process';

export interface ProcessCommand {
  name: string;
  /** Arguments to `node`. */
  args: readonly string[];
  cwd: string;
  /** Run before each timed run, untimed (e.g. empty the cache a cold build must not find). */
  before?: () => void;
}

/** Median wall time in ms of each command, by name. */
export function timeProcesses(commands: readonly ProcessCommand[], rounds = 15): Record<string, number> {
  const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  for (let round = -1; round < rounds; round++) {
    for (const command of commands) {
      command.before?.();
      const ms = runProcess(command);
      if (round >= 0) times.get(command.name)!.push(ms);
    }
  }
  return Object.fromEntries([...times].map(([name, runs]) => [name, median(runs)]));
}

/** Run a command once; its wall time in ms. Throws, with its stderr, when it fails. */
export function runProcess(command: ProcessCommand): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { cwd: command.cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${command.args.join(' ')} (in ${command.cwd}) exited ${result.status}: ${result.stderr}`);
  return ms;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
