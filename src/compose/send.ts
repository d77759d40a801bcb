// `broadsheet send`: the digest to the whole list, under the sending lease.
import { createMailer, holderIsGone, leaseHolder } from '../adapters.js';
import { createDigestSender } from '../core/digests.js';
import { withSendingLease } from '../delivery/lease.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseSendArgs, runSend } from '../drivers/cli-send.js';
import { openList } from './list.js';

export async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseSendArgs(args);
  const { config, store, log } = await openList(io, values);
  try {
    const mailer = await createMailer(config, io.cwd, io.env);
    try {
      // The send stops at a safe point when the process is asked to stop, or when the lease is lost.
      let lost: () => boolean = () => false;
      const sender = createDigestSender(config, {
        now: io.now,
        cwd: io.cwd,
        env: io.env,
        log,
        store,
        mailer,
        shouldStop: () => Boolean(io.shouldStop?.()) || lost(),
      });
      return await runSend(values, io, {
        config,
        sender,
        mailer,
        withLease: (work) =>
          withSendingLease(
            store,
            leaseHolder('send'),
            config.schedule.leaseSeconds * 1000,
            io.now,
            (isLost) => {
              lost = isLost;
              return work();
            },
            holderIsGone,
          ),
      });
    } finally {
      await mailer.close();
    }
  } finally {
    await store.close();
  }
}
