// CLI commands over the subscriber store: `subscribers …` and `send`. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createMailer, openStore } from '../adapters.js';
import { loadConfig } from '../config.js';
import { createCore } from '../core.js';
import { createLogger, lazyLogger } from '../log.js';
import { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus } from '../subscribers/store.js';
import { COMMON_OPTIONS, UsageError, windowFlag, type CliIo } from './cli-args.js';

const SUBSCRIBER_OPTIONS = {
  ...COMMON_OPTIONS,
  name: { type: 'string' },
  categories: { type: 'string' },
  pending: { type: 'boolean' },
  status: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const SEND_OPTIONS = {
  ...COMMON_OPTIONS,
  since: { type: 'string' },
  until: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'retry-failed': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

async function open(io: CliIo, values: { config?: string | undefined; content?: string | undefined; data?: string | undefined }, withMailer: boolean) {
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: { content: values.content, data: values.data } });
  const store = openStore(config, io.cwd);
  const mailer = withMailer ? await createMailer(config, io.cwd, io.env) : undefined;
  const log = lazyLogger(() => createLogger(io.stderr));
  const core = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store, log, ...(mailer ? { mailer } : {}), ...(io.shouldStop ? { shouldStop: io.shouldStop } : {}) });
  const close = async () => {
    await mailer?.close();
    store.close();
  };
  return { config, core, mailer, close };
}

export async function subscribersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: SUBSCRIBER_OPTIONS, strict: true, allowPositionals: true });
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const needsTarget = action === 'add' || action === 'remove' || action === 'import';
  if (!action || !['add', 'remove', 'list', 'import', 'export'].includes(action)) throw new UsageError('expected subscribers add|remove|list|import|export');
  if (needsTarget && !target) throw new UsageError(`subscribers ${action} needs ${action === 'import' ? 'a CSV file' : 'an email address'}`);
  if (values.status && !SUBSCRIBER_STATUSES.includes(values.status as SubscriberStatus)) {
    throw new UsageError(`--status expects one of ${SUBSCRIBER_STATUSES.join(', ')}`);
  }
  const { core, mailer, close } = await open(io, values, Boolean(values.pending));
  try {
    switch (action) {
      case 'add': {
        const r = await core.addSubscriber({ email: target!, name: values.name, categories: values.categories, pending: values.pending });
        io.stdout.write(
          r.created
            ? `Added ${r.subscriber.email} as ${r.subscriber.status}${r.confirmationSent ? `; confirmation request sent via ${mailer!.description}` : ''}.\n`
            : `${r.subscriber.email} is already known (${r.subscriber.status}); nothing changed.\n`,
        );
        return 0;
      }
      case 'remove': {
        const r = await core.removeSubscriber(target!);
        io.stdout.write(!r.found ? `${target} is not a subscriber.\n` : r.changed ? `Unsubscribed ${target} (the record is kept).\n` : `${target} was already not receiving digests.\n`);
        return r.found ? 0 : 1;
      }
      case 'list': {
        const rows = core.listSubscribers(values.status as SubscriberStatus | undefined);
        for (const s of rows) io.stdout.write(`${s.email}\t${s.status}\t${s.categories.join(',') || 'all'}\t${s.name ?? ''}\n`);
        io.stderr.write(`${rows.length} subscriber(s)\n`);
        return 0;
      }
      case 'import': {
        const r = await core.importSubscribers(target!, { pending: values.pending });
        for (const e of r.errors) io.stderr.write(`${r.file}:${e.line}: ${e.message} (row skipped)\n`);
        io.stdout.write(
          `Imported ${r.file}: ${r.added} added, ${r.existing} already known (left as they were), ${r.duplicates} duplicate row(s), ${r.errors.length} invalid row(s)` +
            `${values.pending ? `; ${r.confirmationsSent} confirmation request(s) sent` : ''}.\n`,
        );
        return r.errors.length > 0 ? 1 : 0;
      }
      default: {
        // Named columns: without them csv-stringify prints no header for an empty list, and that is no CSV to import.
        const { stringify } = await import('csv-stringify/sync');
        io.stdout.write(stringify(core.listSubscribers().map(exportRow), { header: true, columns: EXPORT_COLUMNS }));
        return 0;
      }
    }
  } finally {
    await close();
  }
}

const EXPORT_COLUMNS = ['email', 'name', 'status', 'categories', 'timezone', 'created_at', 'confirmed_at', 'unsubscribed_at', 'bounced_at', 'last_digest_until'];

function exportRow(s: Subscriber) {
  const at = (d: Date | null) => d?.toISOString() ?? '';
  return {
    email: s.email, name: s.name ?? '', status: s.status, categories: s.categories.join(','), timezone: s.timezone ?? '',
    created_at: at(s.createdAt), confirmed_at: at(s.confirmedAt), unsubscribed_at: at(s.unsubscribedAt), bounced_at: at(s.bouncedAt),
    last_digest_until: at(s.lastDigestUntil),
  };
}

export async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: SEND_OPTIONS, strict: true, allowPositionals: false });
  const { config, core, mailer, close } = await open(io, values, true);
  try {
    const report = await core.sendDigest({
      since: windowFlag(values.since, 'since', config.site.timezone),
      until: windowFlag(values.until, 'until', config.site.timezone),
      dryRun: values['dry-run'],
      retryFailed: values['retry-failed'],
    });
    const reasons = Object.entries(report.skipReasons).map(([r, n]) => `${n} ${r}`).join(', ');
    if (report.idle) io.stdout.write(`Nothing to send: ${report.idle}.\n`);
    else if (report.dryRun) io.stdout.write(`Dry run: would send ${report.submitted}, skip ${report.skipped}${reasons ? ` (${reasons})` : ''}; ${report.renders} variant(s) to render. Nothing was sent or recorded.\n`);
    else {
      io.stdout.write(
        `Campaign ${report.campaignId}${report.resumed ? ' (resumed)' : ''} via ${mailer!.description}: ` +
          `${report.submitted} submitted, ${report.skipped} skipped${reasons ? ` (${reasons})` : ''}, ${report.failed} failed; ${report.renders} variant(s) rendered.\n` +
          (report.stopped ? 'Stopped before the end: run send again to resume.\n' : ''),
      );
    }
    return report.failed > 0 || report.stopped ? 1 : 0;
  } finally {
    await close();
  }
}
