// Classify a send failure: retry it (transient), give up on this recipient (permanent), or stop the
// whole run because nothing can succeed (fatal: bad credentials, bad configuration). Pure.
import { oneLine } from '../email/render.js';

export type FailureKind = 'transient' | 'permanent' | 'fatal';

export interface Failure {
  kind: FailureKind;
  /** One line for the log and the deliveries table. */
  reason: string;
  /** A 5xx about this recipient: they are marked bounced and never mailed again. */
  isRecipientRefused: boolean;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EDNS', 'EPROTOCOL', 'ESTREAM']);
const FATAL_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'ECONFIG']);
/** nodemailer's `command` for replies to the session rather than to one message. */
const SESSION_COMMANDS = /^(CONN|EHLO|HELO|LHLO|RSET|STARTTLS|AUTH)\b/;

export function classifyFailure(err: unknown): Failure {
  const e = (err ?? {}) as { code?: string; responseCode?: number; response?: string; message?: string; command?: string };
  const reason = oneLine(e.response ?? e.message ?? String(err)).slice(0, 500);
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (e.code && FATAL_CODES.has(e.code)) return { kind: 'fatal', reason, isRecipientRefused: false };
  if (status !== undefined && status >= 500 && status < 600) {
    // 5xx to RCPT TO or DATA is about this message or recipient; 5xx to MAIL FROM is about us, and so
    // is one to the session itself (a 554 greeting from a blocklist, EHLO, RSET): blaming the recipient
    // there bounced every subscriber in turn.
    const aboutSender = e.command === 'MAIL FROM' || SESSION_COMMANDS.test(e.command ?? '');
    if (aboutSender) return { kind: 'fatal', reason, isRecipientRefused: false };
    // A 5xx to DATA may be about the content (a spam filter), not the address: only a "bad
    // destination" status (RFC 3463 5.1.x, 5.2.1 disabled mailbox) marks the subscriber bounced there.
    const badAddress = e.command !== 'DATA' || /\b5\.(1\.\d+|2\.1)\b/.test(e.response ?? '');
    return { kind: 'permanent', reason, isRecipientRefused: badAddress };
  }
  if (status !== undefined && status >= 400 && status < 500) return { kind: 'transient', reason, isRecipientRefused: false };
  if (e.code && TRANSIENT_CODES.has(e.code)) return { kind: 'transient', reason, isRecipientRefused: false };
  // Unknown errors (a socket closed mid-DATA, a timeout without a code) are retried: retrying a
  // message is safe (same Message-ID), dropping a subscriber is not.
  return { kind: 'transient', reason, isRecipientRefused: false };
}
