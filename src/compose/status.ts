// `broadsheet status`: the database, read.
import { openStore } from '../adapters.js';
import { loadConfig } from '../config.js';
import { createStatusReader } from '../core/digests.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseStatusArgs, runStatus } from '../drivers/cli-status.js';

export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseStatusArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const store = await openStore(config, io.cwd, io.env);
  try {
    return await runStatus(values, io, { config, status: createStatusReader(config, { now: io.now, cwd: io.cwd, store }) });
  } finally {
    await store.close();
  }
}
