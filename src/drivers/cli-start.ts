// `broadsheet start` (server + scheduler: the main job) and `broadsheet serve` (the server alone).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createMailer, openStore } from '../adapters.js';
import { loadConfig, readOutputSettings, readSecrets } from '../config.js';
import { bundledTemplates, createCore } from '../core.js';
import { createLogger } from '../log.js';
import { loadPages } from '../web/pages.js';
import { PATH_OPTIONS, type CliIo } from './cli-args.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { createServer } from './server.js';

const OPTIONS = {
  ...PATH_OPTIONS,
  out: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** `broadsheet serve`: only the HTTP server, over what `build` wrote. */
export function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runSite(args, io, false);
}

/** `broadsheet start`: the server, plus the scheduler that rebuilds the feeds and sends the digest. */
export function startCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runSite(args, io, true);
}

async function runSite(args: readonly string[], io: CliIo, withScheduler: boolean): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false });
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const output = readOutputSettings(io.env, values);
  const log = createLogger(io.stderr, output.level, output);
  const store = openStore(config, io.cwd);
  const mailer = await createMailer(config, io.cwd, io.env);
  let scheduler: Scheduler | undefined;
  const shouldStop = () => Boolean(io.shouldStop?.() || scheduler?.lostLease);
  const core = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store, mailer, log, shouldStop });
  const pages = await loadPages(config.paths.templates ? path.resolve(io.cwd, config.paths.templates) : bundledTemplates());
  const outDir = path.resolve(io.cwd, config.paths.out);
  const app = await createServer(core, pages, config, { outDir, previewToken: readSecrets(io.env).previewToken });
  if (withScheduler) {
    // The feeds exist before the first reader can ask for them (an overdue rebuild runs now).
    const first = await core.rebuild();
    for (const e of first.errors) log.warn({ file: e.file, field: e.field }, e.describe());
  }
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  if (!withScheduler) {
    if (!existsSync(path.join(outDir, 'index.html'))) io.stderr.write(`note: ${outDir} has no built site yet: run \`broadsheet build\` first\n`);
    io.stdout.write(`Serving ${outDir} at ${address}/ (feeds: ${address}/feed.xml, preview: ${address}/preview); mail goes to ${mailer.description}. Ctrl-C stops.\n`);
  } else {
    scheduler = startScheduler({
      core, store, config, log, now: io.now, holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      contentDir: path.resolve(io.cwd, config.paths.content),
    });
    const next = core.status().next.digestInSiteTimezone?.toISOString() ?? 'never';
    const rel = (p: string) => path.relative(io.cwd, path.resolve(io.cwd, p)) || '.';
    io.stdout.write(
      [
        `Broadsheet is running at ${address}/`,
        `  feeds:      ${address}/feed.xml  ${address}/atom.xml  ${address}/feed.json  (all: ${address}/feeds.opml)`,
        `  subscribe:  ${address}/`,
        `  preview:    ${address}/preview`,
        `  content:    ${rel(config.paths.content)}/ (rebuilt on change and ${config.schedule.rebuild})`,
        `  mail:       ${mailer.description}${readSecrets(io.env).smtpUrl ? '' : ' (set BROADSHEET_SMTP_URL to send for real)'}`,
        `  digest:     "${config.schedule.digest}" in each subscriber's timezone (site: ${config.site.timezone}); next in the site timezone: ${next}`,
        `  data:       ${rel(config.paths.data)}/ (database, outbox, signing key)`,
        'Ctrl-C stops.',
        '',
      ].join('\n'),
    );
  }
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
  await app.close();
  await core.settled();
  await mailer.close();
  store.close();
  log.info({}, 'stopped');
  return 0;
}
