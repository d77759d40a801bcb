// The command line: find the command, run it (compose.ts loads and wires it), map errors to an exit code.
// No business logic, and nothing heavy at import time: help and the version load no more than this.
// Help is answered here, before the command runs: asking for help never acts.
import { AppError, describeError } from '../errors.js';
import type { CliIo, Command } from './cli-args.js';
import { asksForHelp, USAGE, usageOf, UsageError, version } from './usage.js';

/** `commands`: each command by name, as the composition root wires it. */
export async function runCli(argv: readonly string[], io: CliIo, commands: Readonly<Record<string, Command>>): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    // `broadsheet help send` is `broadsheet send --help`.
    const [topic, ...more] = rest;
    io.stdout.write(topic !== undefined && Object.hasOwn(commands, topic) ? usageOf(topic, more) : USAGE);
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout.write(`broadsheet ${version()}\n`);
    return 0;
  }
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!run) {
    io.stderr.write(`Unknown command "${command}": run \`broadsheet --help\` for the commands.\n`);
    return 2;
  }
  if (asksForHelp(rest)) {
    io.stdout.write(usageOf(command, rest));
    return 0;
  }
  try {
    return await run(rest, io);
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
