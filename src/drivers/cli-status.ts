// `broadsheet status`: next runs, subscriber counts, the last build, recent campaigns. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { StatusReader } from '../core/types.js';
import { jsonDocument, JSON_OPTION, PATH_OPTIONS, type CliIo } from './cli-args.js';
import { percent } from '../shared/text.js';

// --out: the last build's time is read from the feeds when no server has recorded one.
const OPTIONS = { ...PATH_OPTIONS, out: { type: 'string' }, ...JSON_OPTION } as const satisfies ParseArgsConfig['options'];

export type StatusArgs = ReturnType<typeof parseStatusArgs>;

export function parseStatusArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false }).values;
}

export async function runStatus(values: StatusArgs, io: CliIo, deps: { config: Readonly<Config>; status: StatusReader }): Promise<number> {
  const { config } = deps;
  const s = await deps.status.status();
  if (values.json) {
    const schedule = {
      rebuild: config.schedule.rebuild,
      digest: config.schedule.digest,
      digestCheck: config.schedule.digestCheck,
      timezone: config.site.timezone,
    };
    io.stdout.write(
      jsonDocument({
        schedule,
        next: s.next,
        lastBuild: s.lastBuild ?? null,
        subscribers: s.subscribers,
        complained: s.complained,
        due: s.due,
        campaigns: s.campaigns,
      }),
    );
    return 0;
  }
  const when = (d: Date | undefined) => d?.toISOString() ?? 'never';
  const lines = [
    `Next feed rebuild:   ${when(s.next.rebuild)} (${config.schedule.rebuild})`,
    `Next digest check:   ${when(s.next.digestCheck)}; next digest slot in ${config.site.timezone}: ${when(s.next.digestInSiteTimezone)} (${config.schedule.digest})`,
    `Last feed build:     ${when(s.lastBuild)}`,
    `Subscribers:         ${Object.entries(s.subscribers)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}${s.complained > 0 ? ` (${s.complained} of them unsubscribed by a spam complaint)` : ''}; ${s.due} due now`,
    'Recent campaigns:',
    ...(s.campaigns.length === 0
      ? ['  none yet']
      : s.campaigns.map((c) =>
          [
            `  #${c.id} ${c.status.padEnd(7)} until ${c.until.toISOString()}: ${c.counts.submitted} submitted, ${c.counts.failed} failed, ${c.counts.skipped} skipped, ${c.counts.queued + c.counts.sending} to go`,
            `     came back: ${c.returns.hardBounces + c.returns.softBounces} bounce(s) (${percent(c.rates.bounce)}; ${c.returns.hardBounces} hard), ${c.returns.complaints} complaint(s) (${percent(c.rates.complaint)}), ${c.returns.unsubscribes} unsubscribe(s) by mail`,
            ...c.warnings.map((w) => `     warning: ${w}`),
          ].join('\n'),
        )),
    '',
  ];
  io.stdout.write(lines.join('\n'));
  return 0;
}
