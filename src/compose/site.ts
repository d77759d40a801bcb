// `broadsheet serve` and `start`: the whole core behind the HTTP server; for `start`, the scheduler too.
import path from 'node:path';
import { bounceMailboxOpener, createMailer, folderWatcher, openStore, processInstance } from '../adapters.js';
import { databaseUrlOf, loadConfig, readOutputSettings, readSecrets, type Config, type Secrets } from '../config.js';
import { bundledTemplates, createCore } from '../core.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseSiteArgs, runServe, runStart } from '../drivers/cli-start.js';
import { startScheduler } from '../drivers/scheduler.js';
import { createServer } from '../drivers/server.js';
import { sharedKeyMissing } from '../email/signing-key.js';
import { WEBHOOK_SERVICES, type WebhookSettings } from '../drivers/webhooks.js';
import { createLogger } from '../log.js';
import { loadPages } from '../web/pages.js';

export async function siteCommand(args: readonly string[], io: CliIo, withScheduler: boolean): Promise<number> {
  const values = parseSiteArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const output = readOutputSettings(io.env, values);
  const log = createLogger(io.stderr, output.level, output);
  // Checked before anything starts: a server whose links no other instance could check is worse than none.
  if (databaseUrlOf(config, io.env) !== undefined && readSecrets(io.env).signingKey === undefined) throw sharedKeyMissing();
  const store = await openStore(config, io.cwd, io.env);
  const mailer = await createMailer(config, io.cwd, io.env);
  // One name for this process in the lease table: its sending runs, the digest check and the mailbox reads.
  const instance = processInstance();
  const core = createCore(config, {
    now: io.now,
    cwd: io.cwd,
    env: io.env,
    store,
    mailer,
    log,
    // Sending stops at a safe point when the process is asked to stop.
    shouldStop: io.shouldStop,
    instance,
    openBounceMailbox: bounceMailboxOpener(io.env),
  });
  const pages = await loadPages(config.paths.templates ? path.resolve(io.cwd, config.paths.templates) : bundledTemplates());
  const secrets = readSecrets(io.env);
  const webhooks = webhookSettings(config, secrets);
  const server = await createServer(core, pages, config, {
    outDir: path.resolve(io.cwd, config.paths.out),
    previewToken: secrets.previewToken,
    webhooks: { ...webhooks, log },
  });
  const deps = {
    config,
    core,
    server,
    log,
    mailer,
    smtp: Boolean(secrets.smtpUrl),
    returns: returnsDescription(secrets, webhooks),
    database: await databaseDescription(config, io.env),
    async close() {
      await mailer.close();
      await store.close();
    },
  };
  if (!withScheduler) return runServe(io, deps);
  return runStart(io, {
    ...deps,
    startScheduler: () =>
      startScheduler({
        core,
        store,
        config,
        log,
        now: io.now,
        instance,
        watchContent: folderWatcher(path.resolve(io.cwd, config.paths.content)),
      }),
  });
}

/** The webhooks a publisher configured: each on only when what it verifies against is set. */
export function webhookSettings(config: Readonly<Config>, secrets: Secrets): WebhookSettings {
  const { bounces } = config;
  return {
    ses: bounces.sesTopicArns.length > 0 ? { topicArns: bounces.sesTopicArns } : undefined,
    postmark:
      bounces.postmarkUsername !== undefined && secrets.postmarkWebhookPassword !== undefined
        ? { username: bounces.postmarkUsername, password: secrets.postmarkWebhookPassword }
        : undefined,
    mailgun: secrets.mailgunSigningKey === undefined ? undefined : { signingKey: secrets.mailgunSigningKey },
    sendgrid: secrets.sendgridWebhookKey === undefined ? undefined : { publicKey: secrets.sendgridWebhookKey },
  };
}

/** Where returned mail is read, for the start banner: the mailbox (never its password) and the webhooks on. */
function returnsDescription(secrets: Secrets, webhooks: WebhookSettings): string[] {
  const where: string[] = [];
  if (secrets.bounceImapUrl !== undefined) {
    const url = new URL(secrets.bounceImapUrl);
    where.push(`mailbox ${url.protocol}//${url.host}${url.pathname === '/' ? '/INBOX' : url.pathname}`);
  }
  const on = WEBHOOK_SERVICES.filter((service) => webhooks[service] !== undefined);
  if (on.length > 0) where.push(`webhooks ${on.map((service) => `/webhooks/${service}`).join(', ')}`);
  return where;
}

/** The PostgreSQL database in use, for the start banner (never its password); undefined with SQLite. */
async function databaseDescription(config: Readonly<Config>, env: Record<string, string | undefined>): Promise<string | undefined> {
  const url = databaseUrlOf(config, env);
  if (url === undefined) return undefined;
  const { redactDatabaseUrl } = await import('../subscribers/pg-store.js');
  return redactDatabaseUrl(url);
}
