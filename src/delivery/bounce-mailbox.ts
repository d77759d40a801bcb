// The bounce mailbox over IMAP (imapflow): the messages not yet flagged as handled, a batch at a time,
// and the flag that marks one handled. A message Broadsheet does not understand is never flagged, moved
// or deleted: it stays for a person to read. I/O.
import { ImapFlow } from 'imapflow';
import type { BounceMailbox } from '../core/types.js';
import { ConfigError } from '../errors.js';

/** The keyword a handled message carries (with \Seen, for people looking at the mailbox). */
export const HANDLED_KEYWORD = '$BroadsheetHandled';
/** Messages fetched at a time: their sources are held in memory until handled. */
const BATCH = 50;

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  folder: string;
}

/** `imaps://user:password@host[:port]/Folder` → its settings (folder default INBOX; port 993, or 143 for imap://). */
export function imapSettingsOf(url: string): ImapSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError({ field: 'BROADSHEET_BOUNCE_IMAP_URL', message: 'is not a URL: expected imaps://user:password@host/INBOX' });
  }
  const secure = parsed.protocol === 'imaps:';
  if (!secure && parsed.protocol !== 'imap:') throw new ConfigError({ field: 'BROADSHEET_BOUNCE_IMAP_URL', message: 'expected an imaps:// (or imap://) URL' });
  if (!parsed.username) throw new ConfigError({ field: 'BROADSHEET_BOUNCE_IMAP_URL', message: 'has no user name: imaps://user:password@host/INBOX' });
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    folder: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

/** Connect, log in and select the folder; the mailbox is held until close(). */
export async function openImapMailbox(settings: ImapSettings, options: { timeoutMs?: number } = {}): Promise<BounceMailbox> {
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.password },
    logger: false,
    connectionTimeout: options.timeoutMs ?? 30_000,
    greetingTimeout: options.timeoutMs ?? 30_000,
    socketTimeout: (options.timeoutMs ?? 30_000) * 4,
  });
  // A dropped connection emits 'error'; unhandled, it would end the process.
  client.on('error', () => {});
  const where = `${settings.secure ? 'imaps' : 'imap'}://${settings.host}:${settings.port}`;
  try {
    await client.connect();
  } catch (cause) {
    const refused = (cause as { authenticationFailed?: boolean }).authenticationFailed;
    throw new ConfigError({
      field: 'BROADSHEET_BOUNCE_IMAP_URL',
      message: refused
        ? `the bounce mailbox at ${where} refused the login of "${settings.user}"`
        : `cannot reach the bounce mailbox at ${where}: ${(cause as Error).message}`,
      hint: refused
        ? 'check the user and password in the URL (percent-encode special characters)'
        : 'check the host and port, and that the server speaks IMAP there',
      cause,
    });
  }
  let lock: Awaited<ReturnType<ImapFlow['getMailboxLock']>>;
  try {
    lock = await client.getMailboxLock(settings.folder);
  } catch (cause) {
    await client.logout().catch(() => client.close());
    throw new ConfigError({
      field: 'BROADSHEET_BOUNCE_IMAP_URL',
      message: `the bounce mailbox has no folder "${settings.folder}"`,
      hint: 'name an existing folder after the host (…/INBOX)',
      cause,
    });
  }
  return {
    async *unhandled() {
      // Searched once: what arrives meanwhile waits for the next check.
      const uids = (await client.search({ unKeyword: HANDLED_KEYWORD }, { uid: true })) || [];
      for (let start = 0; start < uids.length; start += BATCH) {
        const batch = uids.slice(start, start + BATCH);
        // Fetched whole before any is flagged: imapflow cannot run a command while a fetch is being read.
        const messages = await client.fetchAll(batch, { uid: true, source: true }, { uid: true });
        yield messages.flatMap((m) => (m.source ? [{ uid: m.uid, source: m.source }] : []));
      }
    },
    async markHandled(uid) {
      await client.messageFlagsAdd(uid, [HANDLED_KEYWORD, '\\Seen'], { uid: true });
    },
    async close() {
      lock.release();
      await client.logout().catch(() => client.close());
    },
  };
}
