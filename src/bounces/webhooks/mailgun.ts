// Mailgun's event webhooks (POST /webhooks/mailgun): the HMAC in the body's `signature` checked against our
// webhook signing key and its timestamp window, then failed, complained and unsubscribed events read as
// returned events. Pure.
//
// Signing: https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks;
// payloads: https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads;
// retries: https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-retries
import { createHash, createHmac } from 'node:crypto';
import type { ReturnedEvent, ReturnedKind } from '../returned.js';
import {
  addressOf,
  constantTimeEqual,
  detailOf,
  failureKind,
  fromUnixSeconds,
  isFresh,
  isRecord,
  messageIdOf,
  parseJsonBody,
  reject,
  statusOf,
  stringField,
  tagOfSender,
  type ReplayGuard,
  type WebhookRejection,
  type WebhookRequest,
} from './common.js';

export interface MailgunWebhookOptions {
  /** The HTTP webhook signing key from Mailgun's control panel (not the API key). */
  signingKey: string;
  now: Date;
  /** How old a signature's timestamp may be; default MAILGUN_DEFAULT_MAX_AGE_MS. */
  maxAgeMs?: number;
}

/**
 * Mailgun retries a webhook it could not deliver for 8 hours (5 min, 10, 15, 1 h, 2 h, 4 h) and, the
 * signature being part of the body, with the first attempt's timestamp: a shorter window would refuse its
 * own retries. Twelve hours covers them with slack; a replay inside the window acts once, by the event id.
 */
export const MAILGUN_DEFAULT_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/** Reads one Mailgun webhook call: verifies its signature and time, then turns the event into returned events. */
export function readMailgunWebhook(
  req: WebhookRequest,
  options: MailgunWebhookOptions,
): { ok: true; events: ReturnedEvent[]; replayGuard: ReplayGuard } | WebhookRejection {
  if (options.signingKey === '') return reject(401, 'Mailgun signing key not configured');
  const parsed = parseJsonBody(req.body);
  if (!parsed.ok) return parsed;
  const payload = parsed.value;
  if (!isRecord(payload)) return reject(400, 'not a Mailgun webhook payload');
  const signature = isRecord(payload.signature) ? payload.signature : undefined;
  const timestamp = signature && (typeof signature.timestamp === 'number' ? String(signature.timestamp) : stringField(signature, 'timestamp'));
  const token = signature && stringField(signature, 'token');
  if (signature === undefined || timestamp === undefined || token === undefined) return reject(401, 'unsigned Mailgun payload');

  const expected = createHmac('sha256', options.signingKey)
    .update(timestamp + token)
    .digest('hex');
  // A subaccount's event also carries parent-signature, made with the primary account's key: either may be ours.
  const candidates = [stringField(signature, 'signature'), stringField(signature, 'parent-signature')].filter((s) => s !== undefined);
  if (candidates.length === 0) return reject(401, 'unsigned Mailgun payload');
  if (!candidates.some((candidate) => constantTimeEqual(candidate.toLowerCase(), expected))) return reject(403, 'Mailgun signature does not verify');
  const signedAt = fromUnixSeconds(timestamp);
  if (signedAt === undefined || !isFresh(signedAt, options.now, options.maxAgeMs ?? MAILGUN_DEFAULT_MAX_AGE_MS)) return reject(403, 'stale Mailgun signature');

  const data = payload['event-data'];
  if (!isRecord(data)) return reject(400, 'Mailgun payload has no event-data');
  // The signature covers timestamp and token only, not event-data: the token must not sign a second, different body.
  const replayGuard = { nonce: `mailgun:${token}`, bodyDigest: createHash('sha256').update(req.body).digest('hex') };
  return { ok: true, events: mailgunEvents(data), replayGuard };
}

function mailgunEvents(data: Record<string, unknown>): ReturnedEvent[] {
  const id = stringField(data, 'id');
  if (id === undefined) return [];
  const deliveryStatus = isRecord(data['delivery-status']) ? data['delivery-status'] : {};
  const status = statusOf(deliveryStatus['enhanced-code']) ?? statusOf(deliveryStatus['bounce-code']) ?? statusOf(deliveryStatus.message);
  const kind = kindOf(data, status);
  if (kind === undefined) return [];
  const message = isRecord(data.message) ? data.message : {};
  const headers = isRecord(message.headers) ? message.headers : {};
  const envelope = isRecord(data.envelope) ? data.envelope : {};
  return [
    {
      kind,
      about: { address: addressOf(data.recipient), tag: tagOfSender(envelope.sender), messageId: messageIdOf(headers['message-id']) },
      status,
      detail:
        detailOf(deliveryStatus.code, deliveryStatus.message || deliveryStatus.description) ??
        detailOf(typeof data.reason === 'string' && `Mailgun ${String(data.event)}: ${data.reason}`),
      source: 'mailgun',
      key: `mailgun:${id}`,
      at: fromUnixSeconds(data.timestamp),
    },
  ];
}

/**
 * Mailgun signs a timestamp and a token, not the events: a captured signature must not carry other events.
 * Remembers each accepted signature's body digest for as long as its timestamp is accepted (and an hour
 * more), and refuses the same signature on another body. In this process's memory: per instance.
 */
export function mailgunReplayGuard(now: () => Date): (outcome: ReturnType<typeof readMailgunWebhook>) => ReturnType<typeof readMailgunWebhook> {
  const seenSignatures = new Map<string, { digest: string; until: number }>();
  return (outcome) => {
    if (!outcome.ok) return outcome;
    const at = now().getTime();
    for (const [nonce, seen] of seenSignatures) if (seen.until < at) seenSignatures.delete(nonce);
    const { nonce, bodyDigest } = outcome.replayGuard;
    const seen = seenSignatures.get(nonce);
    if (seen && seen.digest !== bodyDigest) return reject(403, 'a Mailgun signature reused on another body');
    seenSignatures.set(nonce, { digest: bodyDigest, until: at + MAILGUN_DEFAULT_MAX_AGE_MS + 3_600_000 });
    return outcome;
  };
}

/**
 * What a Mailgun event means for the address. `failed` with severity temporary is Mailgun saying it will
 * retry (a delay, like a DSN's Action: delayed), so it counts only with reason "old": Mailgun gave up
 * after 8 hours of retries (Mailgun has reported that final failure with either severity). A permanent
 * failure for an address on Mailgun's own suppression lists says which list.
 */
function kindOf(data: Record<string, unknown>, status: string | undefined): ReturnedKind | undefined {
  switch (data.event) {
    case 'failed':
      if (data.reason === 'old') return 'soft-bounce';
      if (data.severity !== 'permanent') return undefined;
      if (data.reason === 'suppress-complaint') return 'complaint';
      if (data.reason === 'suppress-unsubscribe') return 'unsubscribe';
      return failureKind(status);
    case 'complained':
      return 'complaint';
    case 'unsubscribed':
      return 'unsubscribe';
    default:
      return undefined; // accepted, delivered, opened, clicked, stored
  }
}
