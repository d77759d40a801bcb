// Where messages go: an SMTP server through a nodemailer pool, or an outbox folder of .eml files. I/O.
import path from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import writeFileAtomic from 'write-file-atomic';
import { makeFolder } from '../output/mkdir.js';

export interface OutgoingMessage {
  messageId: string;
  /** The complete RFC 5322 message, exactly as built by email/message.ts. */
  raw: Buffer;
  /** The same bytes in pieces, when the builder has them: streamed without joining. */
  chunks?: readonly Buffer[];
  envelope: { from: string; to: string[] };
}

export interface Mailer {
  /** Where mail goes, for people: "smtp://mail.example.com:587 (pool of 5)". Never includes credentials. */
  readonly description: string;
  /** How many messages may be in flight at once (open connections). */
  readonly maxInFlight: number;
  /** Resolves once the server accepted the message: that is "submitted", not "delivered". */
  send(message: OutgoingMessage): Promise<{ response: string }>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  maxConnections: number;
  /** Messages per second across the pool; undefined = as fast as the server takes them. */
  rateLimit?: number | undefined;
  dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** The most a stalled server may hold one attempt (default 60 s); connecting and the greeting, at most 30 s of it. */
  timeoutMs?: number | undefined;
}

export function createSmtpMailer(url: string, options: SmtpOptions): Mailer {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: options.maxConnections,
    maxMessages: Infinity,
    ...(options.rateLimit ? { rateDelta: 1000, rateLimit: options.rateLimit } : {}),
    ...(options.dkim ? { dkim: options.dkim } : {}),
    connectionTimeout: Math.min(30_000, options.timeoutMs ?? 60_000),
    greetingTimeout: Math.min(30_000, options.timeoutMs ?? 60_000),
    socketTimeout: options.timeoutMs ?? 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const safe = new URL(url);
  return {
    description: `${safe.protocol}//${safe.hostname}${safe.port ? `:${safe.port}` : ''} (pool of ${options.maxConnections})`,
    maxInFlight: options.maxConnections,
    async send(message) {
      const raw = message.chunks ? Readable.from(message.chunks) : message.raw;
      const info = (await transport.sendMail({ envelope: message.envelope, raw })) as { response?: string; messageId?: string };
      return { response: info.response ?? 'accepted' };
    },
    async close() {
      transport.close();
    },
  };
}

/** The embedded default: each message becomes one .eml file, written atomically. */
export function createOutboxMailer(dir: string): Mailer {
  return {
    description: `the outbox folder ${dir}`,
    maxInFlight: 1,
    async send(message) {
      const name = `${message.messageId.replace(/^<|>$/g, '').replace(/[^\w.@-]+/g, '_')}.eml`;
      const file = path.join(dir, name);
      await makeFolder(dir);
      await writeFileAtomic(file, message.raw);
      return { response: `written to ${file}` };
    },
    async close() {},
  };
}
