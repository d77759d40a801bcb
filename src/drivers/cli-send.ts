// `broadsheet send`: the one command that mails the whole list by hand, so it says what it is about to
// do and asks first (or needs --yes when there is no terminal to ask on). Parse, core calls, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { DigestSender } from '../core/types.js';
import type { Mailer } from '../delivery/mailer.js';
import type { SendReport } from '../delivery/send-digest.js';
import { COMMON_OPTIONS, jsonDocument, JSON_OPTION, windowFlag, type CliIo } from './cli-args.js';
import { startProgress } from './progress.js';

const SEND_OPTIONS = {
  ...COMMON_OPTIONS,
  since: { type: 'string' },
  until: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'retry-failed': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  ...JSON_OPTION,
} as const satisfies ParseArgsConfig['options'];

export type SendArgs = ReturnType<typeof parseSendArgs>;

export function parseSendArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: SEND_OPTIONS, strict: true, allowPositionals: false }).values;
}

export interface SendCommandDeps {
  config: Readonly<Config>;
  sender: DigestSender;
  mailer: Pick<Mailer, 'description'>;
}

export async function runSend(values: SendArgs, io: CliIo, deps: SendCommandDeps): Promise<number> {
  const dryRun = values['dry-run'] ?? false;
  const { config, sender, mailer } = deps;
  const options = {
    since: windowFlag(values.since, 'since', config.site.timezone),
    until: windowFlag(values.until, 'until', config.site.timezone),
    retryFailed: values['retry-failed'],
  };
  if (!dryRun && !values.yes) {
    // What a send would do, worked out without sending or recording anything.
    const plan = await sender.sendDigest({ ...options, dryRun: true });
    if (plan.idle || (plan.submitted === 0 && !options.retryFailed)) {
      io.stderr.write(`Nothing to send: ${plan.idle ?? `no active subscriber has new posts (${plan.skipped} skipped)`}.\n`);
      return 0;
    }
    const what = describePlan(plan, options.retryFailed ?? false, mailer.description);
    if (!io.ask) {
      io.stderr.write(`${what}\nNot sent: there is no terminal to confirm on. Run \`broadsheet send --yes\` to send, or --dry-run to look first.\n`);
      return 2;
    }
    const answer = await io.ask(`${what}\nSend now? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr.write('Not sent.\n');
      return 1;
    }
  }
  const progress = dryRun ? undefined : await startProgress(io, 'Sending');
  const send = () =>
    sender
      .sendDigest({ ...options, dryRun, ...(progress ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}) })
      .finally(() => progress?.stop());
  // Beside other senders (more `send`s, the scheduler of any `start` on this database), this one joins the
  // campaign they are sending, and claims its share of it.
  const report = await send();
  if (values.json) {
    // Stable fields: those with no value are null, not left out.
    io.stdout.write(
      jsonDocument({
        ...report,
        campaignId: report.campaignId ?? null,
        idle: report.idle ?? null,
        window: report.window ?? null,
        transport: mailer.description,
      }),
    );
    return report.failed > 0 || report.stopped ? 1 : 0;
  }
  const reasons = Object.entries(report.skipReasons)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  if (report.idle) io.stdout.write(`Nothing to send: ${report.idle}.\n`);
  else if (report.dryRun)
    io.stdout.write(
      `Dry run: would send ${report.submitted}, skip ${report.skipped}${reasons ? ` (${reasons})` : ''}; ${report.renders} variant(s) to render. Nothing was sent or recorded.\n`,
    );
  else {
    io.stdout.write(
      `Campaign ${report.campaignId}${report.resumed ? ' (resumed)' : ''} via ${mailer.description}: ` +
        `${report.submitted} submitted, ${report.skipped} skipped${reasons ? ` (${reasons})` : ''}, ${report.failed} failed; ${report.renders} variant(s) rendered.\n` +
        (report.stopped ? 'Stopped before the end: run send again to resume.\n' : ''),
    );
  }
  return report.failed > 0 || report.stopped ? 1 : 0;
}

/** A few lines: how many messages to whom, the window, and where the mail goes. */
function describePlan(plan: SendReport, retryFailed: boolean, via: string): string {
  if (retryFailed) return `About to retry the latest campaign's temporary failures\n  via ${via}`;
  const at = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const active = plan.submitted + plan.skipped;
  const window = plan.window;
  return [
    `About to send the digest${window?.resumes ? ' (resuming the unfinished campaign)' : ''}:`,
    `  ${plan.submitted} message(s), one each to ${plan.submitted} of ${active} active subscriber(s)${plan.skipped ? ` (${plan.skipped} have nothing new)` : ''}, ${plan.renders} variant(s)`,
    ...(window ? [`  posts up to ${at(window.until)}, each since their last digest (new subscribers: since ${at(window.since)})`] : []),
    `  via ${via}`,
  ].join('\n');
}
