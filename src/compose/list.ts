// What `subscribers` and `send` open first: the output settings, the config, the database, and a logger.
import { openStore } from '../adapters.js';
import { loadConfig, readOutputSettings } from '../config.js';
import type { CliIo } from '../drivers/cli-args.js';
import { createLogger, lazyLogger } from '../log.js';

type ListFlags = {
  config?: string | undefined;
  content?: string | undefined;
  data?: string | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
};

/** The logger is made on its first line: a command that logs nothing never loads pino. */
export async function openList(io: CliIo, values: ListFlags) {
  const output = readOutputSettings(io.env, values);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: { content: values.content, data: values.data } });
  const store = await openStore(config, io.cwd, io.env);
  const log = lazyLogger(() => createLogger(io.stderr, output.level, output));
  return { config, store, log };
}
