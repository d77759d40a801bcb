// `broadsheet subscribers …`: the list by hand; a mailer only for the actions that may mail (add --pending, import).
import { createMailer } from '../adapters.js';
import { createSignups, createSubscriberAdmin } from '../core/subscriptions.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseSubscribersArgs, runSubscriberAdmin, runSubscriberMail } from '../drivers/cli-subscribers.js';
import { openList } from './list.js';

export async function subscribersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseSubscribersArgs(args);
  const { config, store, log } = await openList(io, parsed.values);
  const base = { now: io.now, cwd: io.cwd, env: io.env, log, store };
  try {
    if (!parsed.mailsOut) return await runSubscriberAdmin(parsed, io, { config, admin: createSubscriberAdmin(config, base) });
    const mailer = await createMailer(config, io.cwd, io.env);
    try {
      return await runSubscriberMail(parsed, io, { signups: createSignups(config, { ...base, mailer }), mailer });
    } finally {
      await mailer.close();
    }
  } finally {
    await store.close();
  }
}
