// The real adapters for a command that works on the subscriber list: config, store, mailer, core.
import { createMailer, openStore } from '../adapters.js';
import { loadConfig, readOutputSettings } from '../config.js';
import { createCore } from '../core.js';
import { createLogger, lazyLogger } from '../log.js';
import type { CliIo } from './cli-args.js';

/** Open what `subscribers` and `send` need; `close()` releases it. The mailer only when mail may go out. */
export async function openCore(
  io: CliIo,
  values: { config?: string | undefined; content?: string | undefined; data?: string | undefined; quiet?: boolean | undefined; verbose?: boolean | undefined },
  withMailer: boolean,
) {
  const output = readOutputSettings(io.env, values);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: { content: values.content, data: values.data } });
  const store = openStore(config, io.cwd);
  const mailer = withMailer ? await createMailer(config, io.cwd, io.env) : undefined;
  const log = lazyLogger(() => createLogger(io.stderr, output.level, output));
  // Long work stops at a safe point when the process is asked to stop, or when `stopWhen` says so.
  let stopWhen: () => boolean = () => false;
  const shouldStop = () => Boolean(io.shouldStop?.()) || stopWhen();
  const core = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store, log, shouldStop, ...(mailer ? { mailer } : {}) });
  const close = async () => {
    await mailer?.close();
    store.close();
  };
  return { config, store, core, mailer, close, stopAlsoWhen: (condition: () => boolean) => void (stopWhen = condition) };
}
