// `broadsheet start` (server + scheduler: the main job) and `broadsheet serve` (the server alone): start
// what compose.ts made, print where it is, and stop it in order when the process is asked to stop.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Publisher, Signups, StatusReader } from '../core/types.js';
import type { Mailer } from '../delivery/mailer.js';
import type { Logger } from '../log.js';
import { PATH_OPTIONS, type CliIo } from './cli-args.js';
import type { Scheduler } from './scheduler.js';

const OPTIONS = {
  ...PATH_OPTIONS,
  out: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export type SiteArgs = ReturnType<typeof parseSiteArgs>;

export function parseSiteArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false }).values;
}

export interface SiteDeps {
  config: Readonly<Config>;
  core: Publisher & StatusReader & Pick<Signups, 'settled'>;
  /** The HTTP server, routes registered, not yet listening. */
  server: { listen(options: { host: string; port: number }): Promise<string>; close(): Promise<unknown> };
  log: Logger;
  mailer: Pick<Mailer, 'description'>;
  /** True when mail goes to an SMTP server (BROADSHEET_SMTP_URL), not to the outbox folder. */
  smtp: boolean;
  /** The PostgreSQL database the list is kept in (its URL without the password); undefined: the SQLite file under data/. */
  database?: string | undefined;
  /** Where bounces and complaints come back: "imaps://imap.example.com:993/INBOX", "webhooks: ses, mailgun"; empty when nowhere. */
  returns?: string[];
  /** Releases the mailer and the store, once the server and the scheduler have stopped. */
  close(): Promise<void>;
}

/** `broadsheet serve`: only the HTTP server, over what `build` wrote. */
export async function runServe(io: CliIo, deps: SiteDeps): Promise<number> {
  const { config, mailer } = deps;
  const address = await deps.server.listen({ host: config.server.host, port: config.server.port });
  const outDir = path.resolve(io.cwd, config.paths.out);
  if (!existsSync(path.join(outDir, 'index.html'))) io.stderr.write(`note: ${outDir} has no built site yet: run \`broadsheet build\` first\n`);
  io.stdout.write(
    `Serving ${outDir} at ${address}/ (feeds: ${address}/feed.xml, preview: ${address}/preview); mail goes to ${mailer.description}. Ctrl-C stops.\n`,
  );
  return untilStopped(io, deps, undefined);
}

/** `broadsheet start`: the server, plus the scheduler that rebuilds the feeds and sends the digest. */
export async function runStart(io: CliIo, deps: SiteDeps & { startScheduler: () => Scheduler }): Promise<number> {
  const { config, core, log, mailer } = deps;
  // The feeds exist before the first reader can ask for them (an overdue rebuild runs now).
  const first = await core.rebuild();
  for (const e of first.errors) log.warn({ file: e.file, field: e.field }, e.describe());
  const address = await deps.server.listen({ host: config.server.host, port: config.server.port });
  const scheduler = deps.startScheduler();
  const next = (await core.status()).next.digestInSiteTimezone?.toISOString() ?? 'never';
  const rel = (p: string) => path.relative(io.cwd, path.resolve(io.cwd, p)) || '.';
  io.stdout.write(
    [
      `Broadsheet is running at ${address}/`,
      `  feeds:      ${address}/feed.xml  ${address}/atom.xml  ${address}/feed.json  (all: ${address}/feeds.opml)`,
      `  subscribe:  ${address}/`,
      `  preview:    ${address}/preview`,
      `  content:    ${rel(config.paths.content)}/ (rebuilt on change and ${config.schedule.rebuild})`,
      `  mail:       ${mailer.description}${deps.smtp ? '' : ' (set BROADSHEET_SMTP_URL to send for real)'}`,
      `  digest:     "${config.schedule.digest}" in each subscriber's timezone (site: ${config.site.timezone}); next in the site timezone: ${next}`,
      `  bounces:    ${deps.returns?.length ? `${deps.returns.join('; ')} (${config.schedule.bounceCheck} for the mailbox)` : 'not read: set BROADSHEET_BOUNCE_IMAP_URL or a webhook (docs/bounces.md)'}`,
      deps.database === undefined
        ? `  data:       ${rel(config.paths.data)}/ (database, outbox, signing key)`
        : `  data:       ${rel(config.paths.data)}/ (outbox, signing key); subscribers in PostgreSQL ${deps.database}`,
      'Ctrl-C stops.',
      '',
    ].join('\n'),
  );
  return untilStopped(io, deps, scheduler);
}

/** Wait for the process to be asked to stop, then stop taking work, let running work reach a safe point, and release. */
async function untilStopped(io: CliIo, deps: SiteDeps, scheduler: Scheduler | undefined): Promise<number> {
  const { log } = deps;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (io.shouldStop?.()) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });
  log.info({}, 'stopping: no new jobs; waiting for a running one to reach a safe point');
  await scheduler?.stop();
  await deps.server.close();
  await deps.core.settled();
  await deps.close();
  log.info({}, 'stopped');
  return 0;
}
