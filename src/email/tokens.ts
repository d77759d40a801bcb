// Signed tokens for unsubscribe and preference links: HMAC-SHA256 over a small JSON payload. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { hmacKey } from './hmac.js';

export type TokenPurpose = 'unsubscribe' | 'preferences' | 'confirm';

export interface TokenPayload {
  /** What the token may be used for: an unsubscribe token cannot confirm a subscription. */
  purpose: TokenPurpose;
  /** The subscriber's normalised address. */
  email: string;
  /** Expiry, seconds since the epoch; absent = never (unsubscribe links in old emails must keep working). */
  expires?: number;
}

interface Wire {
  p: TokenPurpose;
  e: string;
  x?: number;
}

export function signToken(payload: TokenPayload, key: string): string {
  const wire: Wire = { p: payload.purpose, e: payload.email, ...(payload.expires === undefined ? {} : { x: payload.expires }) };
  const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

/** The payload of a genuine, unexpired token for `purpose`; undefined for anything else. */
export function verifyToken(token: string, key: string, purpose: TokenPurpose, now: Date): TokenPayload | undefined {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(body, key));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let wire: Wire;
  try {
    wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Wire;
  } catch {
    return undefined;
  }
  if (wire.p !== purpose || typeof wire.e !== 'string') return undefined;
  if (wire.x !== undefined && wire.x * 1000 < now.getTime()) return undefined;
  return { purpose: wire.p, email: wire.e, ...(wire.x === undefined ? {} : { expires: wire.x }) };
}

function mac(body: string, key: string): string {
  return createHmac('sha256', hmacKey(key)).update(`broadsheet-token-v1.${body}`).digest('base64url');
}
