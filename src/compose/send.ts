// `broadsheet send`: the digest to the whole list, beside any other process sending the same campaign.
import { createMailer, processInstance } from '../adapters.js';
import { createDigestSender } from '../core/digests.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseSendArgs, runSend } from '../drivers/cli-send.js';
import { openList } from './list.js';

export async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseSendArgs(args);
  const { config, store, log } = await openList(io, values);
  try {
    const mailer = await createMailer(config, io.cwd, io.env);
    try {
      // The send stops at a safe point when the process is asked to stop (or when its run's lease is lost).
      const sender = createDigestSender(config, {
        now: io.now,
        cwd: io.cwd,
        env: io.env,
        log,
        store,
        mailer,
        instance: processInstance('send'),
        shouldStop: () => Boolean(io.shouldStop?.()),
      });
      return await runSend(values, io, { config, sender, mailer });
    } finally {
      await mailer.close();
    }
  } finally {
    await store.close();
  }
}
