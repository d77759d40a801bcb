// A real SMTP server in the test process (smtp-server on 127.0.0.1, port 0) that keeps every message
// it accepted, parsed with mailparser, and can refuse recipients, drop a connection or answer slowly.
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the sink accepted (it answered 250 to DATA). */
export interface SinkMessage {
  /** The bytes exactly as they arrived. */
  raw: Buffer;
  parsed: ParsedMail;
  envelope: { from: string; rcpt: string[] };
  /** The Message-ID header, angle brackets included, as mailparser reads it. */
  messageId: string | undefined;
  /** 1-based position among accepted messages. */
  seq: number;
  /** The name the client gave in EHLO (nodemailer's `name`: `?name=` on the SMTP URL): which sender it was. */
  client: string;
}

/** How to answer one RCPT TO: undefined accepts; otherwise the reply code and text. */
export type RcptAnswer = { code: number; message?: string } | undefined;

export interface SmtpSinkOptions {
  /** Decide the greeting: undefined accepts; a code refuses the session (`n` counts connections, from 1). */
  connect?: (n: number) => RcptAnswer;
  /**
   * Decide the reply to RCPT TO. `seen` counts this address's RCPT commands so far, this one
   * included (1 on the first), so "refuse the first N times" is `seen <= N`.
   */
  rcpt?: (address: string, seen: number) => RcptAnswer;
  /** Destroy the connection in the middle of the k-th DATA (1-based, counting every DATA), once. */
  dropDuringData?: number;
  /** Milliseconds to wait after the message arrived, before answering 250. */
  dataDelayMs?: number;
  /** Runs after a message is recorded and before the 250 is sent (the client is still waiting). */
  onMessage?: (message: SinkMessage) => void | Promise<void>;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Accepted messages, in order of acceptance. */
  messages: SinkMessage[];
  /** RCPT TO commands seen per address (accepted or not). */
  rcptCounts: Map<string, number>;
  /** How many DATA commands started (accepted, dropped or in progress). */
  dataCount(): number;
  /** Messages accepted for one recipient. */
  to(address: string): SinkMessage[];
  close(): Promise<void>;
}

/** Shorthand for `rcpt`: refuse these addresses with `code`, only the first `times` RCPTs if given. */
export function refuse(rules: Record<string, { code: number; times?: number; message?: string }>): NonNullable<SmtpSinkOptions['rcpt']> {
  return (address, seen) => {
    const rule = rules[address];
    if (!rule || (rule.times !== undefined && seen > rule.times)) return undefined;
    return { code: rule.code, message: rule.message ?? (rule.code >= 500 ? 'No such user here' : 'Mailbox busy, try again later') };
  };
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const rcptCounts = new Map<string, number>();
  let datas = 0;
  let connections = 0;
  let dropped = false;

  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Tests close the sink while pooled clients may still be connected: do not wait 30 s for them.
    closeTimeout: 100,
    onConnect(_session, callback) {
      const answer = options.connect?.(++connections);
      if (!answer) return callback();
      return callback(Object.assign(new Error(answer.message ?? `refused with ${answer.code}`), { responseCode: answer.code }));
    },
    onRcptTo(address, _session, callback) {
      const rcpt = address.address.toLowerCase();
      const seen = (rcptCounts.get(rcpt) ?? 0) + 1;
      rcptCounts.set(rcpt, seen);
      const answer = options.rcpt?.(rcpt, seen);
      if (!answer) return callback();
      const err = Object.assign(new Error(answer.message ?? `refused with ${answer.code}`), { responseCode: answer.code });
      return callback(err);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      datas++;
      if (options.dropDuringData === datas && !dropped) {
        dropped = true;
        stream.resume();
        // smtp-server exposes no API to drop a client: find this session's connection and cut it.
        for (const connection of server.connections) {
          if (connection.id === session.id) connection._socket.destroy();
        }
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          if (options.dataDelayMs) await delay(options.dataDelayMs);
          const parsed = await simpleParser(raw);
          const message: SinkMessage = {
            raw,
            parsed,
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcpt: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            },
            messageId: parsed.messageId,
            seq: messages.length + 1,
            client: session.hostNameAppearsAs,
          };
          messages.push(message);
          await options.onMessage?.(message);
          callback(null, `queued as ${message.seq}`);
        })().catch((err: unknown) => callback(err as Error));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors after startup (a client vanishing mid-session) are expected in these tests.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    rcptCounts,
    dataCount: () => datas,
    to: (address) => messages.filter((m) => m.envelope.rcpt.includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
