// Postmark's bounce, spam complaint and subscription change webhooks (POST /webhooks/postmark). Postmark
// signs nothing: the webhook URL carries HTTP basic auth credentials (set in Postmark's webhook settings),
// checked here in constant time. Pure.
//
// Payloads: https://postmarkapp.com/developer/webhooks/bounce-webhook,
// https://postmarkapp.com/developer/webhooks/spam-complaint-webhook,
// https://postmarkapp.com/developer/webhooks/subscription-change-webhook; bounce types:
// https://postmarkapp.com/developer/api/bounce-api#bounce-types
import type { ReturnedEvent, ReturnedKind } from '../returned.js';
import {
  addressOf,
  constantTimeEqual,
  detailOf,
  failureKind,
  fromIsoTime,
  headerValue,
  isRecord,
  parseJsonBody,
  reject,
  statusOf,
  stringField,
  type WebhookOutcome,
  type WebhookRequest,
} from './common.js';

export interface PostmarkWebhookOptions {
  /** The basic auth user name set on the webhook in Postmark. */
  username: string;
  /** The basic auth password set on the webhook in Postmark. */
  password: string;
}

/**
 * What each documented Postmark bounce type means for the address; a type not listed does nothing
 * (auto-replies, challenge messages, virus notices, subscribe or address-change requests, Postmark's own
 * errors, and its "Unsubscribe" type, which is Postmark's guess at an unsigned reply: only a verified
 * token unsubscribes).
 */
const BOUNCE_KINDS: Readonly<Record<string, ReturnedKind>> = {
  HardBounce: 'hard-bounce', // unknown user, mailbox not found
  BadEmailAddress: 'hard-bounce', // not a valid address
  ManuallyDeactivated: 'hard-bounce', // deactivated in Postmark, which will not send to it again
  SoftBounce: 'soft-bounce', // mailbox full, account disabled, over quota
  Transient: 'soft-bounce', // could not deliver for now (network trouble)
  DnsError: 'soft-bounce', // a temporary DNS error
  Blocked: 'soft-bounce', // the receiving ISP blocked the message (content, blocklist): not the address's fault
  DMARCPolicy: 'soft-bounce', // refused under our domain's DMARC policy: nor is this
  SpamComplaint: 'complaint',
};

/** What a suppression says about the address (Postmark: "If a recipient unsubscribes, they will be suppressed with ManualSuppression"). */
const SUPPRESSION_KINDS: Readonly<Record<string, ReturnedKind>> = {
  HardBounce: 'hard-bounce',
  SpamComplaint: 'complaint',
  ManualSuppression: 'unsubscribe',
};

/** Reads one Postmark webhook call: checks its basic auth, then turns a bounce, complaint or suppression into returned events. */
export function readPostmarkWebhook(req: WebhookRequest, options: PostmarkWebhookOptions): WebhookOutcome {
  // An unset user name or password would let an empty Authorization header in: such a webhook is off.
  if (options.username === '' || options.password === '') return reject(401, 'Postmark webhook credentials not configured');
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization === undefined) return reject(401, 'no credentials');
  const basic = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization)?.[1];
  if (basic === undefined) return reject(401, 'not basic auth');
  if (!constantTimeEqual(Buffer.from(basic, 'base64'), Buffer.from(`${options.username}:${options.password}`, 'utf8'))) {
    return reject(401, 'wrong credentials');
  }

  // Postmark's bounce IDs are 64-bit ("ID": 4323372036854775807 in its example): keep their digits, not a rounded number.
  const parsed = parseJsonBody(req.body, (key, value, context) =>
    key === 'ID' && typeof value === 'number' && context?.source !== undefined ? context.source : value,
  );
  if (!parsed.ok) return parsed;
  const record = parsed.value;
  if (!isRecord(record)) return reject(400, 'not a Postmark webhook record');

  switch (record.RecordType) {
    case 'Bounce':
    case 'SpamComplaint':
      return { ok: true, events: bounceEvents(record) };
    case 'SubscriptionChange':
      return { ok: true, events: subscriptionChangeEvents(record) };
    default:
      return { ok: true, events: [] }; // deliveries, opens, clicks: nothing came back
  }
}

function bounceEvents(record: Record<string, unknown>): ReturnedEvent[] {
  const id = typeof record.ID === 'number' && Number.isSafeInteger(record.ID) ? String(record.ID) : record.ID;
  if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) return [];
  const type = stringField(record, 'Type') ?? '';
  const listed = record.RecordType === 'SpamComplaint' ? 'complaint' : BOUNCE_KINDS[type];
  if (listed === undefined) return [];
  const status = statusOf(record.Details);
  return [
    {
      kind: listed === 'hard-bounce' ? failureKind(status) : listed,
      // Postmark's MessageID is its own, not our Message-ID header: attribution is by address.
      about: { address: addressOf(record.Email), tag: undefined, messageId: undefined },
      status,
      detail: detailOf(record.Details) ?? detailOf(record.Description) ?? detailOf(type),
      source: 'postmark',
      key: `postmark:${id}`,
      at: fromIsoTime(record.BouncedAt),
    },
  ];
}

function subscriptionChangeEvents(record: Record<string, unknown>): ReturnedEvent[] {
  // A reactivation (SuppressSending false) tells us nothing to act on.
  if (record.SuppressSending !== true) return [];
  const reason = stringField(record, 'SuppressionReason');
  const kind = reason === undefined ? undefined : SUPPRESSION_KINDS[reason];
  const address = addressOf(record.Recipient);
  const changedAt = stringField(record, 'ChangedAt');
  if (kind === undefined || address === undefined || changedAt === undefined) return [];
  return [
    {
      kind,
      about: { address, tag: undefined, messageId: undefined },
      status: undefined,
      detail: detailOf(`Postmark suppressed the address: ${reason} (origin: ${stringField(record, 'Origin') ?? 'unknown'})`),
      source: 'postmark',
      // A subscription change has no ID of its own: its stream, address and time name it (a retry repeats all three).
      key: `postmark:subscription-change:${stringField(record, 'MessageStream') ?? ''}:${address}:${changedAt}`,
      at: fromIsoTime(changedAt),
    },
  ];
}
