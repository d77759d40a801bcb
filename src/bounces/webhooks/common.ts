// What every sending service's webhook reader shares: the request and outcome shapes, and the small checks
// and normalisations each of them makes (constant-time comparison, timestamp windows, JSON that may be
// hostile, Message-IDs, one-line details). Pure: no network, no clock (the time is passed in).
import { createHash, timingSafeEqual } from 'node:crypto';
import { clippedLine } from '../../shared/text.js';
import { normalizeAddress } from '../../subscribers/address.js';
import type { ReturnedEvent, ReturnedKind } from '../returned.js';

/** A webhook call as the HTTP route received it: its headers and its body's raw bytes, untouched (signatures cover bytes). */
export interface WebhookRequest {
  /** Header names in any case (Node lowercases them); a repeated header may come as a list. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Buffer;
}

/** A rejected call: the route answers with `status` and does nothing else. */
export interface WebhookRejection {
  ok: false;
  /**
   * 400: not a webhook call we can read (malformed, too large); 401: unsigned or no credentials;
   * 403: signed or authenticated, but forged, stale, or for someone else; 503: could not check it now
   * (the SNS certificate could not be fetched), so the service should retry.
   */
  status: 400 | 401 | 403 | 503;
  /** A few words for the log; never echoes a secret. */
  reason: string;
}

/** What a webhook call says, once verified. */
export type WebhookOutcome =
  | { ok: true; events: ReturnedEvent[]; replayGuard?: ReplayGuard }
  /** An SNS SubscriptionConfirmation, verified: the route must GET `subscribeUrl` to start receiving notifications. */
  | { ok: true; events: []; confirm: { subscribeUrl: string } }
  | WebhookRejection;

/**
 * For a scheme whose signature does not cover the events (Mailgun signs only timestamp + token): the route
 * must remember `nonce` with `bodyDigest` for the signature window and refuse the same nonce with another
 * digest (a captured signature reused on other events). The same nonce with the same digest is the
 * service's own retry, and its events dedupe by key.
 */
export interface ReplayGuard {
  nonce: string;
  /** sha256 of the body, hex. */
  bodyDigest: string;
}

/** The largest body read: far above any documented payload (a SendGrid batch, a Postmark bounce with its dump). */
export const MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024;

/** How far ahead of our clock a sender's timestamp may be (clock skew), whatever the window behind. */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

export function reject(status: WebhookRejection['status'], reason: string): WebhookRejection {
  return { ok: false, status, reason };
}

/** One header's value, or undefined when absent, empty, or repeated (a repeated signature header is not one we trust). */
export function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value === '' ? undefined : value;
    return value?.length === 1 && value[0] !== '' ? value[0] : undefined;
  }
  return undefined;
}

/**
 * The body parsed as JSON, or a rejection: too large, not UTF-8 text, not JSON. `reviver` as for
 * JSON.parse, with the source text of each primitive (Node 22+), for integers beyond 2^53.
 */
export function parseJsonBody(
  body: Buffer,
  reviver?: (key: string, value: unknown, context?: { source?: string }) => unknown,
): { ok: true; value: unknown } | WebhookRejection {
  if (body.length > MAX_WEBHOOK_BODY_BYTES) return reject(400, 'body too large');
  if (body.length === 0) return reject(400, 'empty body');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return reject(400, 'body is not UTF-8');
  }
  try {
    return { ok: true, value: JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]) };
  } catch {
    return reject(400, 'body is not JSON');
  }
}

/** A plain object (not an array, not null), as JSON gives them. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field that must be a non-empty string to be of use. */
export function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Two secrets compared without leaking, by timing, how much of one matches (hashing first evens out the lengths). */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (x: string | Buffer) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether `at` lies in the window: at most `maxAgeMs` before `now`, and at most FUTURE_SKEW_MS after it. */
export function isFresh(at: Date, now: Date, maxAgeMs: number): boolean {
  const age = now.getTime() - at.getTime();
  return Number.isFinite(age) && age <= maxAgeMs && age >= -FUTURE_SKEW_MS;
}

/** A Unix time in seconds, as a string or number ("1529006854", 1521233195.375624), or undefined. */
export function fromUnixSeconds(value: unknown): Date | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : undefined;
}

/** An ISO 8601 time as services write it ("2016-01-27T14:59:38.237Z", with seven fraction digits at Postmark), or undefined. */
export function fromIsoTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/.test(value)) return undefined;
  // Date parses at most millisecond precision reliably: cut longer fractions (Postmark's .9070259).
  const date = new Date(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An address as a report names it, normalised (lowercased), or undefined when it is not an address. */
export function addressOf(value: unknown): string | undefined {
  return typeof value === 'string' ? normalizeAddress(value) : undefined;
}

/** Our Message-ID as a service quotes it, with its angle brackets (services strip them, e.g. Mailgun), or undefined. */
export function messageIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const bare = value.trim().replace(/^<(.*)>$/, '$1');
  if (bare === '' || bare.length > 250 || !bare.includes('@') || /[\s<>]/.test(bare)) return undefined;
  return `<${bare}>`;
}

/** The signed envelope tag in an envelope sender (`bounces+<tag>@example.com`): the local part after the first `+`, unverified. */
export function tagOfSender(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^<?([^@<>\s]+)@[^@<>\s]+>?$/.exec(value.trim());
  const local = match?.[1];
  const plus = local?.indexOf('+') ?? -1;
  return local !== undefined && plus >= 0 && plus < local.length - 1 ? local.slice(plus + 1) : undefined;
}

/** The enhanced status code ("5.1.1") in a value such as "5.1.1", "smtp; 550 5.1.1 user unknown", or undefined. */
export function statusOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(value)?.[1];
}

/** A service's words as one line of at most 500 characters (control characters gone), or undefined when empty. */
export function detailOf(...parts: unknown[]): string | undefined {
  return clippedLine(
    parts
      .filter((p): p is string | number => (typeof p === 'string' && p.trim() !== '') || typeof p === 'number')
      .join(' ')
      .replace(/[\u0000-\u001f\u007f]/g, ' '),
  );
}

/**
 * A permanent failure a service reports, as our kinds: a hard bounce, except a full mailbox (5.2.2, which
 * the returned-event model counts as soft) or one whose status says it is transient (4.x.x).
 */
export function failureKind(status: string | undefined): Extract<ReturnedKind, 'hard-bounce' | 'soft-bounce'> {
  if (status === '5.2.2' || status?.startsWith('4.')) return 'soft-bounce';
  return 'hard-bounce';
}
