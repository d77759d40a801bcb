// The composition root: for each command, the real adapters (config, SQLite store, mailer, logger) and the
// core capabilities it uses, made here over the process's clock and handed to the command's driver. No
// driver makes any of them. Each command loads only its own modules, when it runs: `--help` and
// `--version` load this file and drivers/cli.ts, nothing more.
import path from 'node:path';
import type { CliIo, Command } from './drivers/cli-args.js';
import { runCli } from './drivers/cli.js';

/** The CLI, as main.ts runs it (and tests call it, in process). */
export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli(argv, io, COMMANDS);
}

const COMMANDS: Readonly<Record<string, Command>> = {
  build: buildCommand,
  digest: digestCommand,
  subscribers: subscribersCommand,
  send: sendCommand,
  serve: (args, io) => siteCommand(args, io, false),
  start: (args, io) => siteCommand(args, io, true),
  status: statusCommand,
};

type LoadConfig = typeof import('./config.js').loadConfig;

/** The flags that configure: the config file, and those that override its settings (highest precedence). */
type ConfigFlags = { config?: string | undefined; content?: string | undefined; data?: string | undefined; out?: string | undefined; host?: string | undefined; port?: string | undefined };

function configFrom(loadConfig: LoadConfig, io: CliIo, values: ConfigFlags, flags: Omit<ConfigFlags, 'config'> = values) {
  return loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags });
}

/** `broadsheet build`: the site builder alone (no database; a build where nothing changed parses nothing). */
async function buildCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [{ parseBuildArgs, runBuild }, { loadConfig }, { createSiteBuilder }] = await Promise.all([
    import('./drivers/cli-build.js'), import('./config.js'), import('./core/build.js'),
  ]);
  const values = parseBuildArgs(args);
  const config = await configFrom(loadConfig, io, values);
  return runBuild(values, io, createSiteBuilder(config, { now: io.now, cwd: io.cwd }));
}

/** `broadsheet digest`: previews, written as files; no database, no mailer. */
async function digestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [{ parseDigestArgs, runDigest }, { loadConfig }, { createDigestPreviews }] = await Promise.all([
    import('./drivers/cli-digest.js'), import('./config.js'), import('./core/digests.js'),
  ]);
  const values = parseDigestArgs(args);
  // --out is where the preview goes, not the site's output folder.
  const config = await configFrom(loadConfig, io, values, { content: values.content, data: values.data });
  return runDigest(values, io, { config, previews: createDigestPreviews(config, { now: io.now, cwd: io.cwd, env: io.env }) });
}

/** `broadsheet status`: the database, read. */
async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [{ parseStatusArgs, runStatus }, { loadConfig }, { openStore }, { createStatusReader }] = await Promise.all([
    import('./drivers/cli-status.js'), import('./config.js'), import('./adapters.js'), import('./core/digests.js'),
  ]);
  const values = parseStatusArgs(args);
  const config = await configFrom(loadConfig, io, values);
  const store = openStore(config, io.cwd);
  try {
    return runStatus(values, io, { config, status: createStatusReader(config, { now: io.now, cwd: io.cwd, store }) });
  } finally {
    store.close();
  }
}

/** The modules `subscribers` and `send` share, loaded with the command's own in one go. */
async function listModules() {
  const [config, adapters, log] = await Promise.all([import('./config.js'), import('./adapters.js'), import('./log.js')]);
  return { config, adapters, log };
}

/** What `subscribers` and `send` open: the output settings, the config, the database, and a logger made on its first line. */
async function openList(modules: Awaited<ReturnType<typeof listModules>>, io: CliIo, values: ConfigFlags & { quiet?: boolean | undefined; verbose?: boolean | undefined }) {
  const output = modules.config.readOutputSettings(io.env, values);
  const config = await configFrom(modules.config.loadConfig, io, values, { content: values.content, data: values.data });
  const store = modules.adapters.openStore(config, io.cwd);
  const log = modules.log.lazyLogger(() => modules.log.createLogger(io.stderr, output.level, output));
  return { config, store, log };
}

/** `broadsheet subscribers …`: the list by hand; a mailer only for the actions that may mail (add --pending, import). */
async function subscribersCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [driver, list, { createSubscriberAdmin, createSignups }] = await Promise.all([
    import('./drivers/cli-subscribers.js'), listModules(), import('./core/subscriptions.js'),
  ]);
  const parsed = driver.parseSubscribersArgs(args);
  const { config, store, log } = await openList(list, io, parsed.values);
  const base = { now: io.now, cwd: io.cwd, env: io.env, log, store };
  try {
    if (!parsed.mailsOut) return await driver.runSubscriberAdmin(parsed, io, { config, admin: createSubscriberAdmin(config, base) });
    const mailer = await list.adapters.createMailer(config, io.cwd, io.env);
    try {
      return await driver.runSubscriberMail(parsed, io, { signups: createSignups(config, { ...base, mailer }), mailer });
    } finally {
      await mailer.close();
    }
  } finally {
    store.close();
  }
}

/** `broadsheet send`: the digest to the whole list, under the sending lease. */
async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [{ parseSendArgs, runSend }, list, { createDigestSender }, { withSendingLease }] = await Promise.all([
    import('./drivers/cli-send.js'), listModules(), import('./core/digests.js'), import('./delivery/lease.js'),
  ]);
  const { createMailer, holderIsGone, leaseHolder } = list.adapters;
  const values = parseSendArgs(args);
  const { config, store, log } = await openList(list, io, values);
  try {
    const mailer = await createMailer(config, io.cwd, io.env);
    try {
      // The send stops at a safe point when the process is asked to stop, or when the lease is lost.
      let lost: () => boolean = () => false;
      const sender = createDigestSender(config, {
        now: io.now, cwd: io.cwd, env: io.env, log, store, mailer, shouldStop: () => Boolean(io.shouldStop?.()) || lost(),
      });
      return await runSend(values, io, {
        config,
        sender,
        mailer,
        withLease: (work) =>
          withSendingLease(store, leaseHolder('send'), config.schedule.leaseSeconds * 1000, io.now, (isLost) => {
            lost = isLost;
            return work();
          }, holderIsGone),
      });
    } finally {
      await mailer.close();
    }
  } finally {
    store.close();
  }
}

/** `broadsheet serve` and `start`: the whole core behind the HTTP server; for `start`, the scheduler too. */
async function siteCommand(args: readonly string[], io: CliIo, withScheduler: boolean): Promise<number> {
  const [driver, { loadConfig, readOutputSettings, readSecrets }, adapters, { createLogger }, { bundledTemplates, createCore }, { loadPages }, { createServer }, { startScheduler }] =
    await Promise.all([
      import('./drivers/cli-start.js'), import('./config.js'), import('./adapters.js'), import('./log.js'), import('./core.js'), import('./web/pages.js'),
      import('./drivers/server.js'), import('./drivers/scheduler.js'),
    ]);
  const values = driver.parseSiteArgs(args);
  const config = await configFrom(loadConfig, io, values);
  const output = readOutputSettings(io.env, values);
  const log = createLogger(io.stderr, output.level, output);
  const store = adapters.openStore(config, io.cwd);
  const mailer = await adapters.createMailer(config, io.cwd, io.env);
  let scheduler: { readonly lostLease: boolean } | undefined;
  const shouldStop = () => Boolean(io.shouldStop?.() || scheduler?.lostLease);
  const core = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store, mailer, log, shouldStop });
  const pages = await loadPages(config.paths.templates ? path.resolve(io.cwd, config.paths.templates) : bundledTemplates());
  const server = await createServer(core, pages, config, { outDir: path.resolve(io.cwd, config.paths.out), previewToken: readSecrets(io.env).previewToken });
  const deps = {
    config, core, server, log, mailer, smtp: Boolean(readSecrets(io.env).smtpUrl),
    async close() {
      await mailer.close();
      store.close();
    },
  };
  if (!withScheduler) return driver.runServe(io, deps);
  return driver.runStart(io, {
    ...deps,
    startScheduler: () =>
      (scheduler = startScheduler({
        core, store, config, log, now: io.now, holder: adapters.leaseHolder(), isGone: adapters.holderIsGone,
        watchContent: adapters.folderWatcher(path.resolve(io.cwd, config.paths.content)),
      })),
  });
}
