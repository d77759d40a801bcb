// `broadsheet subscribers …`: the list by hand. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus } from '../subscribers/store.js';
import { COMMON_OPTIONS, UsageError, type CliIo } from './cli-args.js';
import { openCore } from './cli-compose.js';

const SUBSCRIBER_OPTIONS = {
  ...COMMON_OPTIONS,
  name: { type: 'string' },
  categories: { type: 'string' },
  pending: { type: 'boolean' },
  status: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

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
  const { core, mailer, close } = await openCore(io, values, Boolean(values.pending));
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
