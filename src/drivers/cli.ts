// The command line: find the command, load only its module, run it, map errors to an exit code.
// No business logic, and nothing heavy at import time: help and the version load no more than this.
// Help is answered here, before the command's module is imported: asking for help never acts.
import { AppError, describeError } from '../errors.js';
import type { CliIo, Command } from './cli-args.js';
import { asksForHelp, USAGE, usageOf, UsageError, version } from './usage.js';

export type { CliIo } from './cli-args.js';

/** Each command's module, imported when that command runs (a build never loads the HTTP server or nodemailer). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  build: async () => (await import('./cli-build.js')).buildCommand,
  digest: async () => (await import('./cli-digest.js')).digestCommand,
  subscribers: async () => (await import('./cli-subscribers.js')).subscribersCommand,
  send: async () => (await import('./cli-send.js')).sendCommand,
  serve: async () => (await import('./cli-start.js')).serveCommand,
  start: async () => (await import('./cli-start.js')).startCommand,
  status: async () => (await import('./cli-status.js')).statusCommand,
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    // `broadsheet help send` is `broadsheet send --help`.
    const [topic, ...more] = rest;
    io.stdout.write(topic !== undefined && Object.hasOwn(COMMANDS, topic) ? usageOf(topic, more) : USAGE);
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout.write(`broadsheet ${version()}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    io.stderr.write(`Unknown command "${command}": run \`broadsheet --help\` for the commands.\n`);
    return 2;
  }
  if (asksForHelp(rest)) {
    io.stdout.write(usageOf(command, rest));
    return 0;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (isUsageError(err)) {
      // Usage mistakes (unknown option, missing value or argument): one line, and where to look.
      const action = command === 'subscribers' ? rest.find((a) => !a.startsWith('-')) : undefined;
      const named = action && usageOf(command, [action]) !== usageOf(command) ? `${command} ${action}` : command;
      // Node's parseArgs adds advice on "--" for positionals: one line is enough.
      const message = describeError(err).split('. To specify a positional argument')[0];
      io.stderr.write(`${message} (see \`broadsheet ${named} --help\`)\n`);
      return 2;
    }
    io.stderr.write(`${describeError(err)}\n`);
    return 1;
  }
}

function isUsageError(err: unknown): boolean {
  if (err instanceof AppError) return false;
  if (err instanceof UsageError) return true;
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
