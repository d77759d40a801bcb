// `broadsheet bounces check`: read the bounce mailbox once and act on what came back. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { MailboxReport, Returns } from '../core/types.js';
import { jsonDocument, JSON_OPTION, PATH_OPTIONS, UsageError, type CliIo } from './cli-args.js';

const OPTIONS = { ...PATH_OPTIONS, ...JSON_OPTION } as const satisfies ParseArgsConfig['options'];

export type BouncesArgs = ReturnType<typeof parseBouncesArgs>;

export function parseBouncesArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('bounces needs a subcommand: check');
  if (positionals[0] !== 'check' || positionals.length > 1) throw new UsageError(`unknown bounces subcommand '${positionals.join(' ')}' (expected: check)`);
  return { ...values, subcommand: 'check' as const };
}

export async function runBounces(values: BouncesArgs, io: CliIo, returns: Returns): Promise<number> {
  if (!returns.bounceMailboxConfigured()) {
    throw new UsageError('no bounce mailbox is configured: set BROADSHEET_BOUNCE_IMAP_URL=imaps://user:password@host/INBOX (see docs/bounces.md)');
  }
  const report = await returns.checkBounceMailbox();
  io.stdout.write(values.json ? jsonDocument(report) : formatReport(report));
  return 0;
}

function formatReport(r: MailboxReport): string {
  const acted = `${r.hardBounces} hard bounce(s), ${r.softBounces} soft bounce(s), ${r.complaints} complaint(s), ${r.unsubscribes} unsubscribe request(s)`;
  return [
    `Read ${r.messages} new message(s) in the bounce mailbox.`,
    `  acted on:       ${acted}; ${r.changed} subscriber(s) changed status`,
    `  about nobody:   ${r.unattributed} (no valid tag or Message-ID of ours: recorded, no effect)`,
    `  ignored:        ${r.ignored} (auto-replies, delay notices)`,
    `  already done:   ${r.duplicates}`,
    `  not understood: ${r.unknown} (left in the mailbox)`,
    '',
  ].join('\n');
}
