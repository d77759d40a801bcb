// `broadsheet status`: next runs, subscriber counts, the last build, recent campaigns. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openStore } from '../adapters.js';
import { loadConfig } from '../config.js';
import { createCore } from '../core.js';
import { jsonDocument, JSON_OPTION, PATH_OPTIONS, type CliIo } from './cli-args.js';

// --out: the last build's time is read from the feeds when no server has recorded one.
const OPTIONS = { ...PATH_OPTIONS, out: { type: 'string' }, ...JSON_OPTION } as const satisfies ParseArgsConfig['options'];

export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false });
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const store = openStore(config, io.cwd);
  try {
    const s = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store }).status();
    if (values.json) {
      const schedule = { rebuild: config.schedule.rebuild, digest: config.schedule.digest, digestCheck: config.schedule.digestCheck, timezone: config.site.timezone };
      io.stdout.write(jsonDocument({ schedule, next: s.next, lastBuild: s.lastBuild ?? null, subscribers: s.subscribers, due: s.due, campaigns: s.campaigns }));
      return 0;
    }
    const when = (d: Date | undefined) => d?.toISOString() ?? 'never';
    const lines = [
      `Next feed rebuild:   ${when(s.next.rebuild)} (${config.schedule.rebuild})`,
      `Next digest check:   ${when(s.next.digestCheck)}; next digest slot in ${config.site.timezone}: ${when(s.next.digestInSiteTimezone)} (${config.schedule.digest})`,
      `Last feed build:     ${when(s.lastBuild)}`,
      `Subscribers:         ${Object.entries(s.subscribers).map(([k, n]) => `${n} ${k}`).join(', ')}; ${s.due} due now`,
      'Recent campaigns:',
      ...(s.campaigns.length === 0
        ? ['  none yet']
        : s.campaigns.map((c) => `  #${c.id} ${c.status.padEnd(7)} until ${c.until.toISOString()}: ${c.counts.submitted} submitted, ${c.counts.failed} failed, ${c.counts.skipped} skipped, ${c.counts.queued + c.counts.sending} to go`)),
      '',
    ];
    io.stdout.write(lines.join('\n'));
    return 0;
  } finally {
    store.close();
  }
}
