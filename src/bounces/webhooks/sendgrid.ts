// Twilio SendGrid's Signed Event Webhook (POST /webhooks/sendgrid): the ECDSA signature over timestamp +
// raw body checked against the webhook's public key and its timestamp window, then the batch's bounce,
// dropped, spam report and unsubscribe events read as returned events. Pure.
//
// Signing: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features;
// events: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { ConfigError } from '../../errors.js';
import type { ReturnedEvent, ReturnedKind } from '../returned.js';
import {
  addressOf,
  detailOf,
  failureKind,
  fromUnixSeconds,
  headerValue,
  isFresh,
  isRecord,
  MAX_WEBHOOK_BODY_BYTES,
  messageIdOf,
  parseJsonBody,
  reject,
  statusOf,
  stringField,
  type WebhookOutcome,
  type WebhookRequest,
} from './common.js';

export interface SendgridWebhookOptions {
  /** The verification key SendGrid shows for the signed webhook (base64 of the DER public key), a PEM, or the key parsed by sendgridPublicKey(). */
  publicKey: string | KeyObject;
  now: Date;
  /** How old the signature's timestamp may be; default SENDGRID_DEFAULT_MAX_AGE_MS. */
  maxAgeMs?: number;
}

/**
 * SendGrid retries a batch it could not deliver for up to 24 hours, and does not document whether a retry
 * is signed afresh: the window covers the whole retry period (plus an hour), and a replay inside it acts
 * once, by sg_event_id.
 */
export const SENDGRID_DEFAULT_MAX_AGE_MS = 25 * 60 * 60 * 1000;

/**
 * The webhook's public key, from the base64 text SendGrid shows (DER SubjectPublicKeyInfo) or a PEM.
 * Throws a ConfigError for anything but a P-256 EC public key: call it when loading the configuration.
 */
export function sendgridPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new ConfigError({
      message: 'the SendGrid webhook verification key is not a public key',
      hint: "copy it from SendGrid's Mail Settings > Event Webhook",
      cause,
    });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError({ message: 'the SendGrid webhook verification key is not an ECDSA P-256 key' });
  }
  return key;
}

/** Reads one SendGrid event webhook POST: verifies its signature and time, then turns the batch into returned events. */
export function readSendgridWebhook(req: WebhookRequest, options: SendgridWebhookOptions): WebhookOutcome {
  const key = typeof options.publicKey === 'string' ? sendgridPublicKey(options.publicKey) : options.publicKey;
  const signature = headerValue(req.headers, 'x-twilio-email-event-webhook-signature');
  const timestamp = headerValue(req.headers, 'x-twilio-email-event-webhook-timestamp');
  if (signature === undefined || timestamp === undefined) return reject(401, 'unsigned SendGrid request');
  if (req.body.length === 0 || req.body.length > MAX_WEBHOOK_BODY_BYTES) return reject(400, 'body empty or too large');

  let genuine: boolean;
  try {
    // The signed payload is the timestamp header's text followed by the body's bytes, exactly as received.
    genuine = verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), req.body]), key, Buffer.from(signature, 'base64'));
  } catch {
    genuine = false;
  }
  if (!genuine) return reject(403, 'SendGrid signature does not verify');
  const signedAt = fromUnixSeconds(timestamp);
  if (signedAt === undefined || !isFresh(signedAt, options.now, options.maxAgeMs ?? SENDGRID_DEFAULT_MAX_AGE_MS))
    return reject(403, 'stale SendGrid signature');

  const parsed = parseJsonBody(req.body);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return reject(400, 'SendGrid body is not an array of events');
  return { ok: true, events: parsed.value.flatMap((event) => (isRecord(event) ? sendgridEvent(event) : [])) };
}

function sendgridEvent(event: Record<string, unknown>): ReturnedEvent[] {
  const status = statusOf(event.status) ?? statusOf(event.reason);
  const kind = kindOf(event, status);
  if (kind === undefined) return [];
  const address = addressOf(event.email);
  // sg_event_id is unique per event; SendGrid's older dropped events lack it, and then what the event says names it.
  const id = stringField(event, 'sg_event_id') ?? `${String(event.event)}:${address ?? ''}:${String(event.timestamp)}:${String(event['smtp-id'] ?? '')}`;
  return [
    {
      kind,
      about: { address, tag: undefined, messageId: messageIdOf(event['smtp-id']) },
      status,
      detail: detailOf(event.reason) ?? detailOf(event.response) ?? detailOf(`SendGrid ${String(event.event)}`),
      source: 'sendgrid',
      key: `sendgrid:${id}`,
      at: fromUnixSeconds(event.timestamp),
    },
  ];
}

/** What SendGrid drops a message for, when the reason says something about the address; other reasons (spam content, quota, a bad API header) do not. */
const DROPPED_KINDS: Readonly<Record<string, ReturnedKind>> = {
  'Bounced Address': 'hard-bounce',
  Invalid: 'hard-bounce',
  'Spam Reporting Address': 'complaint',
  'Unsubscribed Address': 'unsubscribe',
};

function kindOf(event: Record<string, unknown>, status: string | undefined): ReturnedKind | undefined {
  switch (event.event) {
    case 'bounce':
      // type "blocked": the receiving server refused the message (reputation, content), not the address.
      return event.type === 'blocked' ? 'soft-bounce' : failureKind(status);
    case 'dropped':
      return typeof event.reason === 'string' ? DROPPED_KINDS[event.reason] : undefined;
    case 'spamreport':
      return 'complaint';
    case 'unsubscribe':
    case 'group_unsubscribe':
      return 'unsubscribe';
    default:
      return undefined; // processed, deferred (SendGrid retries), delivered, open, click, group_resubscribe
  }
}
