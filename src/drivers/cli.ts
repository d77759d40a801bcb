// The command line: find the command, load only its module, run it, map errors to an exit code.
// No business logic, and nothing heavy at import time: `--help` and `--version` load no more than this.
import { AppError, describeError } from '../errors.js';
import type { CliIo, Command } from './cli-args.js';
import { USAGE, UsageError, version } from './usage.js';

export type { CliIo } from './cli-args.js';

/** Each command's module, imported when that command runs (a build never loads the HTTP server or nodemailer). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  build: async () => (await import('./cli-build.js')).buildCommand,
  digest: async () => (await import('./cli-digest.js')).digestCommand,
  subscribers: async () => (await import('./cli-subscribers.js')).subscribersCommand,
  send: async () => (await import('./cli-subscribers.js')).sendCommand,
  serve: async () => (await import('./cli-start.js')).serveCommand,
  start: async () => (await import('./cli-start.js')).startCommand,
  status: async () => (await import('./cli-status.js')).statusCommand,
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout.write(`broadsheet ${version()}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    io.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    io.stderr.write(`${describeError(err)}\n`);
    // Usage mistakes (unknown flag, missing value) are 2; everything else is a failed run.
    return err instanceof AppError ? 1 : isUsageError(err) ? 2 : 1;
  }
}

function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
