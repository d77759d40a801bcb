// `broadsheet bounces check`: the store and the bounce mailbox.
import { bounceMailboxOpener, openStore } from '../adapters.js';
import { createReturns } from '../core/returns.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseBouncesArgs, runBounces } from '../drivers/cli-bounces.js';
import { createLogger } from '../log.js';
import { loadConfig, readOutputSettings } from '../config.js';

export async function bouncesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseBouncesArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const output = readOutputSettings(io.env, values);
  const log = createLogger(io.stderr, output.level, output);
  const store = await openStore(config, io.cwd, io.env);
  try {
    const capability = createReturns(config, { now: io.now, cwd: io.cwd, env: io.env, log, store, openBounceMailbox: bounceMailboxOpener(io.env) });
    return await runBounces(values, io, capability);
  } finally {
    await store.close();
  }
}
