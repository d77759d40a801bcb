// Real adapters, made by the composition root (compose.ts) only: the SQLite store, the mailer chosen by
// configuration, the content folder's watcher, and this process's name in the lease table. I/O.
import { randomUUID } from 'node:crypto';
import { readlinkSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { databaseUrlOf, originOf, readSecrets, type Config } from './config.js';
import { holderIsGoneOn, type LeaseIdentity, processIsRunning } from './delivery/lease.js';
import type { Mailer } from './delivery/mailer.js';
import type { BounceMailbox } from './core/types.js';
import { ConfigError, pathErrorFrom } from './errors.js';
import { openSqliteStore } from './subscribers/sqlite-store.js';
import type { SubscriberStore } from './subscribers/store.js';

export const DATABASE_FILE = 'broadsheet.db';
export const OUTBOX_DIR = 'outbox';

export function dataDirOf(config: Readonly<Config>, cwd: string): string {
  return path.resolve(cwd, config.paths.data);
}

/** The subscriber store: PostgreSQL when a database URL is configured, else the SQLite file under paths.data. */
export async function openStore(config: Readonly<Config>, cwd: string, env: Record<string, string | undefined>): Promise<SubscriberStore> {
  const url = databaseUrlOf(config, env);
  if (url !== undefined) {
    // pg loads only for the publishers who use it.
    const { openPgStore } = await import('./subscribers/pg-store.js');
    return openPgStore(url);
  }
  const folder = dataDirOf(config, cwd);
  try {
    return openSqliteStore(path.join(folder, DATABASE_FILE));
  } catch (err) {
    throw pathErrorFrom(err, [{ setting: 'paths.data', folder, origin: originOf(config, 'paths.data') }]);
  }
}

/** SMTP when BROADSHEET_SMTP_URL is set, else the outbox folder under data/. */
export async function createMailer(config: Readonly<Config>, cwd: string, env: Record<string, string | undefined>): Promise<Mailer> {
  const { smtpUrl } = readSecrets(env);
  // nodemailer loads with the first mailer, not with every command that opens the store.
  const { createOutboxMailer, createSmtpMailer } = await import('./delivery/mailer.js');
  if (!smtpUrl) return createOutboxMailer(path.join(dataDirOf(config, cwd), OUTBOX_DIR));
  const { dkim } = config.delivery;
  let privateKey: string | undefined;
  if (dkim) {
    const file = path.resolve(cwd, dkim.privateKeyFile);
    privateKey = await readFile(file, 'utf8').catch((cause: unknown) => {
      throw new ConfigError({ file, field: 'delivery.dkim.privateKeyFile', message: 'cannot read the DKIM private key', cause });
    });
  }
  return createSmtpMailer(smtpUrl, {
    timeoutMs: config.delivery.timeoutSeconds * 1000,
    maxConnections: config.delivery.maxConnections,
    rateLimit: config.delivery.rateLimit,
    dkim: dkim && privateKey ? { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey } : undefined,
  });
}

/** Opens the bounce mailbox (BROADSHEET_BOUNCE_IMAP_URL) when one is configured; imapflow loads on first use. */
export function bounceMailboxOpener(env: Record<string, string | undefined>): (() => Promise<BounceMailbox>) | undefined {
  const { bounceImapUrl } = readSecrets(env);
  if (bounceImapUrl === undefined) return undefined;
  return async () => {
    const { imapSettingsOf, openImapMailbox } = await import('./delivery/bounce-mailbox.js');
    return openImapMailbox(imapSettingsOf(bounceImapUrl));
  };
}

/** Calls `onChange` on every change below `dir` (recursive); throws when the folder cannot be watched. */
export function folderWatcher(dir: string): (onChange: () => void) => { close(): void } {
  return (onChange) => watch(dir, { recursive: true }, onChange);
}

/**
 * This machine as lease holders name it: the host name, and the process-id namespace where there is one.
 * Containers sharing a host name (host networking) each have their own pids: one must never judge another's
 * process gone because that pid is not running in its own namespace.
 */
const machine = (() => {
  try {
    const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    return namespace ? `${hostname()}~${namespace}` : hostname();
  } catch {
    return hostname();
  }
})();

/** This process in the lease table: "machine:pid:…", so that another process of this machine can tell it is gone. */
export function processInstance(kind?: string): LeaseIdentity {
  return {
    holder: [machine, process.pid, ...(kind ? [kind] : []), randomUUID().slice(0, 8)].join(':'),
    isGone: holderIsGoneOn(machine, processIsRunning),
  };
}
