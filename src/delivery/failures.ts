// Classify a send failure: retry it (transient), give up on this subscriber's address (permanent), or stop the
// whole run because nothing can succeed (fatal: bad credentials, bad configuration). Pure.
import { oneLine } from '../shared/text.js';

export type FailureKind = 'transient' | 'permanent' | 'fatal';

export interface Failure {
  kind: FailureKind;
  /** One line for the log and the deliveries table. */
  reason: string;
  /** A 5xx about this address: they are marked bounced and never mailed again. */
  isAddressRefused: boolean;
  /**
   * The mail server could not be reached or talked to at all (refused, DNS, no or a 421 greeting, a
   * timeout): about the server, not the message. Several in a row stop the run; nobody is marked.
   */
  isConnectionLevel?: boolean;
}

/**
 * Two refusals that say the same thing whoever they were for: the reply with addresses and ids taken
 * out. The same refusal for many subscribers in a row is about the sender (a relay denying us), not them.
 */
export function refusalKey(reason: string): string {
  return reason
    .replace(/<[^>]*>/g, '<>')
    .replace(/[^\s@<>]+@[^\s@<>]+/g, '@')
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .toLowerCase();
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EDNS', 'EPROTOCOL', 'ESTREAM']);
const FATAL_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'ECONFIG']);
/** nodemailer's `command` for replies to the session rather than to one message. */
const SESSION_COMMANDS = /^(CONN|EHLO|HELO|LHLO|RSET|STARTTLS|AUTH)\b/;

export function classifyFailure(err: unknown): Failure {
  const e = (err ?? {}) as { code?: string; responseCode?: number; response?: string; message?: string; command?: string };
  const reason = oneLine(e.response ?? e.message ?? String(err)).slice(0, 500);
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (e.code && FATAL_CODES.has(e.code)) return { kind: 'fatal', reason, isAddressRefused: false };
  if (status !== undefined && status >= 500 && status < 600) {
    // 5xx to RCPT TO or DATA is about this message or recipient; 5xx to MAIL FROM is about us, and so
    // is one to the session itself (a 554 greeting from a blocklist, EHLO, RSET): blaming the subscriber
    // there bounced every subscriber in turn.
    const aboutSender = e.command === 'MAIL FROM' || SESSION_COMMANDS.test(e.command ?? '');
    if (aboutSender) return { kind: 'fatal', reason, isAddressRefused: false };
    return { kind: 'permanent', reason, isAddressRefused: isAboutTheAddress(status, e.response ?? '', e.command) };
  }
  const connectionLevel = isConnectionLevel(e.code, e.command, status);
  const server = connectionLevel ? { isConnectionLevel: true } : {};
  if (status !== undefined && status >= 400 && status < 500) return { kind: 'transient', reason, isAddressRefused: false, ...server };
  if (e.code && TRANSIENT_CODES.has(e.code)) return { kind: 'transient', reason, isAddressRefused: false, ...server };
  // Unknown errors (a socket closed mid-DATA, a timeout without a code) are retried: retrying a
  // message is safe (same Message-ID), dropping a subscriber is not.
  return { kind: 'transient', reason, isAddressRefused: false };
}

/**
 * Whether a 5xx refusal is about the address itself (RFC 3463: 5.1.x bad destination, 5.2.1 disabled
 * mailbox; or a plain 550/551/553 with no enhanced code, to RCPT TO). Policy, relay, authentication
 * and content refusals (5.7.x, 5.3.x, 5.4.x, 5.5.x, a 554 with no mailbox reason) fail the message and
 * leave the subscriber alone: a relay answering "554 5.7.1 Relay access denied" once bounced a whole list.
 */
function isAboutTheAddress(status: number, response: string, command: string | undefined): boolean {
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response);
  if (enhanced) return enhanced[1] === '5' && (enhanced[2] === '1' || (enhanced[2] === '2' && enhanced[3] === '1'));
  if (command === 'DATA') return false;
  if (status === 550 || status === 551 || status === 553) return true;
  return /\b(no such (user|mailbox|recipient)|user unknown|unknown (user|recipient)|mailbox (unavailable|not found|does not exist|disabled)|does not exist)\b/i.test(
    response,
  );
}

/** Refused or unreachable server, DNS, no greeting, a 421 greeting, a timeout: the server, not a message. */
function isConnectionLevel(code: string | undefined, command: string | undefined, status: number | undefined): boolean {
  if (code === 'ECONNREFUSED' || code === 'EDNS' || code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET') return true;
  return command === 'CONN' && (status === undefined || (status >= 400 && status < 500));
}
