// The composition root: the only code that makes the real adapters (config, SQLite store, mailer, logger)
// and the core capabilities, over the process's clock, and hands them to a command's driver; no driver
// makes any of them. Each command is composed in compose/<command>.ts, loaded when that command runs:
// `--help` and `--version` load this file and drivers/cli.ts, nothing more.
import type { CliIo, Command } from './drivers/cli-args.js';
import { runCli } from './drivers/cli.js';

/** The CLI, as main.ts runs it (and tests call it, in process). */
export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli(argv, io, COMMANDS);
}

// One import() per command: in the bundle each command is one entry, whose chunks load in one round
// (an import() per adapter and capability made a build load a third more files, 10% slower).
const COMMANDS: Readonly<Record<string, Command>> = {
  bounces: async (args, io) => (await import('./compose/bounces.js')).bouncesCommand(args, io),
  build: async (args, io) => (await import('./compose/build.js')).buildCommand(args, io),
  db: async (args, io) => (await import('./compose/db.js')).dbCommand(args, io),
  digest: async (args, io) => (await import('./compose/digest.js')).digestCommand(args, io),
  subscribers: async (args, io) => (await import('./compose/subscribers.js')).subscribersCommand(args, io),
  send: async (args, io) => (await import('./compose/send.js')).sendCommand(args, io),
  serve: async (args, io) => (await import('./compose/site.js')).siteCommand(args, io, false),
  start: async (args, io) => (await import('./compose/site.js')).siteCommand(args, io, true),
  status: async (args, io) => (await import('./compose/status.js')).statusCommand(args, io),
};
