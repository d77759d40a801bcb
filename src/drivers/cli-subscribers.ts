// `broadsheet subscribers …`: the list by hand. Parse, one core call, print: data (list, show, export,
// --json) on stdout, messages on stderr.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { ImportReport, Signups, SubscriberAdmin, SubscriberRecord } from '../core/types.js';
import type { Mailer } from '../delivery/mailer.js';
import { deliveryJson, eventJson, subscriberJson, suppressionJson } from '../subscribers/json.js';
import { SUBSCRIBER_FILTERS, type Subscriber, type SubscriberFilter } from '../subscribers/store.js';
import { COMMON_OPTIONS, JSON_OPTION, jsonDocument, UsageError, windowFlag, type CliIo } from './cli-args.js';
import { startProgress } from './progress.js';

const SUBSCRIBER_OPTIONS = {
  ...COMMON_OPTIONS,
  name: { type: 'string' },
  categories: { type: 'string' },
  'bounced-since': { type: 'string' },
  pending: { type: 'boolean' },
  status: { type: 'string' },
  ...JSON_OPTION,
  yes: { type: 'boolean', short: 'y' },
} as const satisfies ParseArgsConfig['options'];

const ACTIONS = ['add', 'remove', 'list', 'show', 'delete', 'import', 'export', 'reactivate'] as const;
type Action = (typeof ACTIONS)[number];
type Values = ReturnType<typeof parse>['values'];

/**
 * Parsed and checked. `mailsOut`: the action may send mail (confirmation requests), so it needs a mailer:
 * `add --pending`, and `import`, whose rows may be pending even without --pending.
 */
export type SubscribersArgs =
  | { mailsOut: false; action: Exclude<Action, 'import'>; target: string | undefined; values: Values }
  | { mailsOut: true; action: 'add' | 'import'; target: string; values: Values };

const parse = (args: readonly string[]) => parseArgs({ args: [...args], options: SUBSCRIBER_OPTIONS, strict: true, allowPositionals: true });

export function parseSubscribersArgs(args: readonly string[]): SubscribersArgs {
  const { values, positionals } = parse(args);
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!action || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`expected subscribers ${ACTIONS.join('|')}`);
  if (action === 'reactivate' && (target || !values['bounced-since'])) throw new UsageError('subscribers reactivate takes --bounced-since TIME and no address');
  if (!target && !['list', 'export', 'reactivate'].includes(action))
    throw new UsageError(`subscribers ${action} needs ${action === 'import' ? 'a CSV file' : 'an email address'}`);
  if (values.status && !SUBSCRIBER_FILTERS.includes(values.status as SubscriberFilter)) {
    throw new UsageError(`--status expects one of ${SUBSCRIBER_FILTERS.join(', ')}`);
  }
  if (action === 'import' || (action === 'add' && values.pending)) return { mailsOut: true, action, target: target!, values };
  return { mailsOut: false, action: action as Exclude<Action, 'import'>, target, values };
}

const added = (r: { subscriber: Subscriber; created: boolean; confirmationSent?: boolean }, via?: string) =>
  r.created
    ? `Added ${r.subscriber.email} as ${r.subscriber.status}${r.confirmationSent ? `; confirmation request sent via ${via}` : ''}.\n`
    : `${r.subscriber.email} is already known (${r.subscriber.status}); nothing changed.\n`;

/** The actions that may mail: `add --pending` and `import`. */
export async function runSubscriberMail(
  args: Extract<SubscribersArgs, { mailsOut: true }>,
  io: CliIo,
  deps: { signups: Signups; mailer: Pick<Mailer, 'description'> },
): Promise<number> {
  const { values, target } = args;
  const { signups } = deps;
  if (args.action === 'add') {
    const r = await signups.addPendingSubscriber({ email: target, name: values.name, categories: values.categories });
    io.stdout.write(added(r, deps.mailer.description));
    return 0;
  }
  // Progress on stderr: storing the rows, then the confirmation requests owed (each an SMTP round trip).
  // (Both made before the import starts: rows are stored in one synchronous transaction.)
  const bars = { storing: await startProgress(io, 'Importing'), confirming: await startProgress(io, 'Confirmation requests') };
  const onProgress = (stage: keyof typeof bars, done: number, total: number) => {
    if (stage === 'confirming' && done === 1) bars.storing.stop();
    bars[stage].update(done, total);
  };
  const r = await signups.importSubscribers(target, { pending: values.pending, onProgress }).finally(() => {
    bars.storing.stop();
    bars.confirming.stop();
  });
  if (values.json) io.stdout.write(jsonDocument(importJson(r)));
  else printImport(r, io, Boolean(values.pending));
  return r.errors.length > 0 ? 1 : 0;
}

/** Every other action: the list by hand, no mail. */
export async function runSubscriberAdmin(
  args: Extract<SubscribersArgs, { mailsOut: false }>,
  io: CliIo,
  deps: { config: Readonly<Config>; admin: SubscriberAdmin },
): Promise<number> {
  const { values, target } = args;
  const { config, admin } = deps;
  const json = (document: unknown) => io.stdout.write(jsonDocument(document));
  switch (args.action) {
    case 'add': {
      io.stdout.write(added(await admin.addSubscriber({ email: target!, name: values.name, categories: values.categories })));
      return 0;
    }
    case 'reactivate': {
      const since = windowFlag(values['bounced-since'], 'since', config.site.timezone, '--bounced-since');
      const emails = await admin.reactivateBounced(since!);
      for (const email of emails) io.stdout.write(`${email}\n`);
      io.stderr.write(`${emails.length} subscriber(s) bounced since ${since!.toISOString()} are active again (each change is recorded as "reactivated").\n`);
      return 0;
    }
    case 'remove': {
      const r = await admin.removeSubscriber(target!);
      if (!r.found) io.stderr.write(`${target} is not a subscriber.\n`);
      else io.stdout.write(r.changed ? `Unsubscribed ${target} (the record is kept).\n` : `${target} was already not receiving digests.\n`);
      return r.found ? 0 : 1;
    }
    case 'list': {
      const rows = await admin.listSubscribers(values.status as SubscriberFilter | undefined);
      if (values.json) json({ count: rows.length, subscribers: rows.map(subscriberJson) });
      else {
        for (const s of rows) io.stdout.write(`${s.email}\t${s.status}\t${s.categories.join(',') || 'all'}\t${s.name ?? ''}\n`);
        io.stderr.write(`${rows.length} subscriber(s)\n`);
      }
      return 0;
    }
    case 'show': {
      const record = await admin.showSubscriber(target!);
      if (values.json) json(recordJson(record));
      else if (record.subscriber) io.stdout.write(formatRecord(record, record.subscriber));
      if (!record.subscriber) io.stderr.write(`${record.email} is not a subscriber${record.suppression ? ` (${suppressedSince(record)})` : ''}.\n`);
      return record.subscriber ? 0 : 1;
    }
    case 'delete': {
      const before = await admin.showSubscriber(target!);
      if (!before.subscriber) {
        io.stderr.write(`${before.email} is not a subscriber; nothing deleted${before.suppression ? ` (${suppressedSince(before)})` : ''}.\n`);
        return before.suppression ? 0 : 1;
      }
      if (io.ask && !values.yes) {
        const what = `${before.email}: the subscriber record, ${before.events.length} event(s) and ${before.deliveries.length} delivery record(s)`;
        const answer = await io.ask(`Delete everything stored about ${what}? Only a keyed hash of the address is kept. [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          io.stderr.write('Nothing deleted.\n');
          return 1;
        }
      }
      const r = await admin.deleteSubscriber(target!);
      // Another process may have deleted them while we asked.
      if (!r.found) {
        io.stderr.write(`${r.email} is not a subscriber; nothing deleted.\n`);
        return 1;
      }
      io.stderr.write(
        `Deleted ${r.email}: the subscriber record, ${r.events} event(s) and ${r.deliveries} delivery record(s). ` +
          'A keyed hash of the address stays on the suppression list: import and add refuse it; the person can still sign up again through the subscribe form.\n',
      );
      return 0;
    }
    default: {
      // Named columns: without them csv-stringify prints no header for an empty list, and that is no CSV to import.
      const { stringify } = await import('csv-stringify/sync');
      io.stdout.write(
        stringify((await admin.listSubscribers(values.status as SubscriberFilter | undefined)).map(exportRow), { header: true, columns: EXPORT_COLUMNS }),
      );
      return 0;
    }
  }
}

function printImport(r: ImportReport, io: CliIo, pending: boolean): void {
  const skipped = [
    ...r.errors.map((e) => ({ line: e.line, text: e.message })),
    ...r.suppressed.map((s) => ({ line: s.line, text: `${s.email} is suppressed (deleted on request)` })),
  ].sort((a, b) => a.line - b.line);
  for (const s of skipped) io.stderr.write(`${r.file}:${s.line}: ${s.text} (row skipped)\n`);
  io.stdout.write(
    `Read ${r.file} as ${r.description}: used ${r.columns.used.join(', ')}; ignored ${r.columns.ignored.join(', ') || 'none'}.\n` +
      `Imported ${r.file}: ${r.added} added, ${r.existing} already known (left as they were), ${r.duplicates} duplicate row(s), ${r.errors.length} invalid row(s)` +
      `${r.suppressed.length > 0 ? `, ${r.suppressed.length} suppressed (deleted on request)` : ''}` +
      `${pending || r.confirmationsSent > 0 ? `; ${r.confirmationsSent} confirmation request(s) sent` : ''}.\n`,
  );
}

const importJson = (r: ImportReport) => ({
  file: r.file,
  format: r.format,
  description: r.description,
  columns: r.columns,
  added: r.added,
  existing: r.existing,
  duplicates: r.duplicates,
  suppressed: r.suppressed,
  errors: r.errors,
  confirmationsSent: r.confirmationsSent,
});

const recordJson = (r: SubscriberRecord) => ({
  email: r.email,
  subscriber: r.subscriber ? subscriberJson(r.subscriber) : null,
  events: r.events.map(eventJson),
  deliveries: r.deliveries.map(deliveryJson),
  suppression: suppressionJson(r.suppression),
});

const suppressedSince = (r: SubscriberRecord) => `${r.suppression!.reason} on ${r.suppression!.createdAt.toISOString()}; suppressed`;

function formatRecord(r: SubscriberRecord, s: Subscriber): string {
  const at = (d: Date | null | undefined) => d?.toISOString() ?? 'none';
  const fields: Array<[string, string]> = [
    ['status', s.status],
    ['name', s.name ?? 'none'],
    ['categories', s.categories.join(', ') || 'all'],
    ['timezone', s.timezone ?? 'none'],
    ['created', at(s.createdAt)],
    ['updated', at(s.updatedAt)],
    ['confirmed', at(s.confirmedAt)],
    ['unsubscribed', at(s.unsubscribedAt)],
    ['bounced', at(s.bouncedAt)],
    ['complained', at(s.complainedAt ?? null)],
    ['last digest until', at(s.lastDigestUntil)],
    ['last failed', at(s.lastFailedAt)],
    ['suppressed', r.suppression ? `yes (${r.suppression.reason} on ${at(r.suppression.createdAt)}; confirming a new signup lifts it)` : 'no'],
  ];
  return [
    `${s.email} (subscriber ${s.id})`,
    ...fields.map(([k, v]) => `  ${`${k}:`.padEnd(19)}${v}`),
    `Events (${r.events.length}):`,
    ...r.events.map((e) => `  ${at(e.at)}  ${e.event}${e.detail ? `  ${e.detail}` : ''}`),
    `Deliveries (${r.deliveries.length}):`,
    ...r.deliveries.map(
      (d) =>
        `  campaign ${d.campaignId} (posts ${at(d.campaignSince)} to ${at(d.campaignUntil)}): ${d.status}, ${d.attempts} attempt(s), updated ${at(d.updatedAt)}` +
        `${d.messageId ? `, Message-ID ${d.messageId}` : ''}${d.response ? `, server: ${d.response}` : ''}${d.reason ? `, reason: ${d.reason}` : ''}`,
    ),
    '',
  ].join('\n');
}

const EXPORT_COLUMNS = [
  'email',
  'name',
  'status',
  'categories',
  'timezone',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
  'bounced_at',
  'last_digest_until',
];

function exportRow(s: Subscriber) {
  const at = (d: Date | null) => d?.toISOString() ?? '';
  return {
    email: s.email,
    name: s.name ?? '',
    status: s.status,
    categories: s.categories.join(','),
    timezone: s.timezone ?? '',
    created_at: at(s.createdAt),
    confirmed_at: at(s.confirmedAt),
    unsubscribed_at: at(s.unsubscribedAt),
    bounced_at: at(s.bouncedAt),
    last_digest_until: at(s.lastDigestUntil),
  };
}
