// `broadsheet bounces check`: the store and the bounce mailbox.
import { bounceMailboxOpener, openStore } from '../adapters.js';
import { loadConfig } from '../config.js';
import { createContext, signingKeyLoader } from '../core/context.js';
import { returns } from '../core/returns.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseBouncesArgs, runBounces } from '../drivers/cli-bounces.js';
import { createLogger } from '../log.js';
import { readOutputSettings } from '../config.js';

export async function bouncesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseBouncesArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const output = readOutputSettings(io.env, values);
  const log = createLogger(io.stderr, output.level, output);
  const store = openStore(config, io.cwd);
  try {
    const ctx = createContext(config, { now: io.now, cwd: io.cwd, env: io.env, log });
    const capability = returns(ctx, { store, signingKey: signingKeyLoader(ctx.dataDir, io.env), openBounceMailbox: bounceMailboxOpener(io.env) });
    return await runBounces(values, io, capability);
  } finally {
    store.close();
  }
}
