// What every command shares on the command line: the folder options, usage errors, window dates.
import type { ParseArgsConfig } from 'node:util';
import { parseWindowBound } from '../digest/build.js';
import { UsageError } from './usage.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd: string;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** True once the process was asked to stop (SIGINT/SIGTERM): long commands stop at a safe point. */
  shouldStop?: () => boolean;
  /** Ask the person at the terminal and return their answer; absent when there is no terminal. */
  ask?: (question: string) => Promise<string>;
}

/** One command: its arguments (after the command name) in, an exit code out. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;

export { UsageError } from './usage.js';

/** Where things are: every command takes these. */
export const PATH_OPTIONS = {
  config: { type: 'string' },
  content: { type: 'string' },
  data: { type: 'string' },
  // How much is logged: every command takes these (see readOutputSettings).
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

/** One JSON document on stdout instead of the text report (messages and progress stay on stderr). */
export const JSON_OPTION = { json: { type: 'boolean' } } as const satisfies ParseArgsConfig['options'];

/** The JSON document a command prints with --json: dates as ISO strings, two-space indented. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export const COMMON_OPTIONS = {
  ...PATH_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A --since/--until value as a window bound (see parseWindowBound), or a UsageError naming the flag. */
export function windowFlag(text: string | undefined, which: 'since' | 'until', timezone: string, flag = `--${which}`): Date | undefined {
  if (text === undefined) return undefined;
  const date = parseWindowBound(text, which, timezone);
  if (!date) throw new UsageError(`${flag} expects a date like 2026-11-23 or 2026-11-23T08:00:00+01:00, got "${text}"`);
  return date;
}
