// Amazon SES bounces and complaints, delivered by Amazon SNS to POST /webhooks/ses: the SNS message's
// signature checked against its certificate (fetched only from an SNS host), the topic and the time checked,
// then the SES notification inside read as returned events. Pure but for the injected certificate fetcher.
//
// SNS message format and signing: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
// (and .../http-notification-json.html, .../http-subscription-confirmation-json.html); SES notification
// contents: https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
import { verify } from 'node:crypto';
import type { ReturnedEvent } from '../returned.js';
import {
  addressOf,
  detailOf,
  failureKind,
  fromIsoTime,
  headerValue,
  isFresh,
  isRecord,
  messageIdOf,
  parseJsonBody,
  reject,
  statusOf,
  stringField,
  tagOfSender,
  type WebhookOutcome,
  type WebhookRequest,
} from './common.js';

export interface SesWebhookOptions {
  /** The SNS topics our SES identities publish to ("arn:aws:sns:us-east-1:123456789012:broadsheet-bounces"); any other is refused. */
  topicArns: readonly string[];
  /**
   * The PEM certificate (or public key) at an SNS SigningCertURL. Called only with a URL this module has
   * checked (https, an SNS host, a certificate path); the caller fetches and caches it. A throw means "try later" (503).
   */
  certificate: (url: string) => Promise<string>;
  now: Date;
  /** How old a message's Timestamp may be; default one hour (SNS keeps a retried message's Timestamp). */
  maxAgeMs?: number;
}

export const SES_DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
// SNS signs with certificates at /SimpleNotificationService-<hash>.pem. Only such a path is fetched: any
// other URL on an SNS host (an Unsubscribe or ConfirmSubscription link, say) would have us call it.
const CERT_PATH = /^\/SimpleNotificationService-[A-Za-z0-9]+\.pem$/;

/** The URL, normalised, when it is https on an SNS host (sns.<region>.amazonaws.com[.cn]) with no credentials or port; else undefined. */
function snsUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const onSnsHost = url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && SNS_HOST.test(url.hostname);
  return onSnsHost ? url : undefined;
}

/** Whether an SNS SigningCertURL may be fetched: https, an SNS host, the certificate path, nothing else. */
export function isSnsCertificateUrl(value: string): boolean {
  const url = snsUrl(value);
  return url !== undefined && CERT_PATH.test(url.pathname) && url.search === '' && url.hash === '';
}

type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

// The fields signed, in the order signed, per message type (AWS: "the string to sign").
const SIGNED_FIELDS: Record<SnsType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The canonical string SNS signs: each present field's name and value, each on its own line. */
export function snsStringToSign(message: Readonly<Record<string, unknown>>, type: SnsType): string {
  let text = '';
  for (const name of SIGNED_FIELDS[type]) {
    const value = message[name];
    // Subject is signed only when present; every other field is required (checked before this is called).
    if (typeof value === 'string') text += `${name}\n${value}\n`;
  }
  return text;
}

/** Reads one SNS POST: a verified SES notification becomes returned events; a verified subscription handshake, a confirm. */
export async function readSesWebhook(req: WebhookRequest, options: SesWebhookOptions): Promise<WebhookOutcome> {
  const parsed = parseJsonBody(req.body);
  if (!parsed.ok) return parsed;
  const message = parsed.value;
  if (!isRecord(message)) return reject(400, 'not an SNS message');
  const type = message.Type;
  if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') return reject(400, 'not an SNS message type');
  const headerType = headerValue(req.headers, 'x-amz-sns-message-type');
  if (headerType !== undefined && headerType !== type) return reject(400, 'x-amz-sns-message-type does not match the body');

  const signature = stringField(message, 'Signature');
  const certUrl = stringField(message, 'SigningCertURL');
  if (signature === undefined || certUrl === undefined) return reject(401, 'unsigned SNS message');
  const required =
    type === 'Notification' ? ['Message', 'MessageId', 'Timestamp', 'TopicArn'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn'];
  if (required.some((name) => typeof message[name] !== 'string') || (message.Subject !== undefined && typeof message.Subject !== 'string')) {
    return reject(400, 'SNS message lacks a signed field');
  }
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : message.SignatureVersion === '2' ? 'sha256' : undefined;
  if (algorithm === undefined) return reject(403, 'unsupported SNS SignatureVersion');

  // Everything that needs no certificate is checked first, so nothing is fetched for a message refused anyway.
  if (!isSnsCertificateUrl(certUrl)) return reject(403, 'SigningCertURL is not an SNS certificate URL');
  if (!options.topicArns.includes(message.TopicArn as string)) return reject(403, 'message for another topic');
  const sentAt = fromIsoTime(message.Timestamp);
  if (sentAt === undefined) return reject(400, 'SNS Timestamp is not a time');
  if (!isFresh(sentAt, options.now, options.maxAgeMs ?? SES_DEFAULT_MAX_AGE_MS)) return reject(403, 'stale SNS message');
  // The route will GET SubscribeURL: only an SNS ConfirmSubscription link (it is signed too, but a GET is an action).
  const subscribeUrl = type === 'SubscriptionConfirmation' ? snsUrl(message.SubscribeURL as string) : undefined;
  if (type === 'SubscriptionConfirmation' && subscribeUrl?.searchParams.get('Action') !== 'ConfirmSubscription') {
    return reject(403, 'SubscribeURL is not an SNS ConfirmSubscription link');
  }

  let pem: string;
  try {
    pem = await options.certificate(new URL(certUrl).href);
  } catch {
    return reject(503, 'SNS signing certificate unavailable');
  }
  let genuine: boolean;
  try {
    genuine = verify(algorithm, Buffer.from(snsStringToSign(message, type), 'utf8'), pem, Buffer.from(signature, 'base64'));
  } catch {
    genuine = false;
  }
  if (!genuine) return reject(403, 'SNS signature does not verify');

  if (type === 'SubscriptionConfirmation') return { ok: true, events: [], confirm: { subscribeUrl: subscribeUrl!.href } };
  if (type === 'UnsubscribeConfirmation') return { ok: true, events: [] };
  return { ok: true, events: sesEvents(message.Message as string, message.MessageId as string, sentAt) };
}

/** The returned events in an SES notification (the SNS Message, itself JSON); none for deliveries and anything else. */
function sesEvents(text: string, snsMessageId: string, sentAt: Date): ReturnedEvent[] {
  let notification: unknown;
  try {
    notification = JSON.parse(text);
  } catch {
    return []; // signed and on our topic, but not from SES (a test message published by hand)
  }
  if (!isRecord(notification)) return [];
  // notificationType for identity notifications; eventType for configuration-set event publishing.
  const type = notification.notificationType ?? notification.eventType;
  const mail = isRecord(notification.mail) ? notification.mail : {};
  const about = { tag: tagOfSender(mail.source), messageId: originalMessageId(mail) };
  const events: ReturnedEvent[] = [];
  const push = (event: Omit<ReturnedEvent, 'source' | 'key'>) => events.push({ ...event, source: 'ses', key: `ses:${snsMessageId}:${events.length}` });

  if (type === 'Bounce' && isRecord(notification.bounce)) {
    const bounce = notification.bounce;
    // Permanent: the address is dead; Transient and Undetermined: SES could not tell it is.
    const permanent = bounce.bounceType === 'Permanent';
    const at = fromIsoTime(bounce.timestamp) ?? sentAt;
    for (const recipient of Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients : []) {
      if (!isRecord(recipient)) continue;
      const status = statusOf(recipient.status) ?? statusOf(recipient.diagnosticCode);
      push({
        kind: permanent ? failureKind(status) : 'soft-bounce',
        about: { ...about, address: addressOf(recipient.emailAddress) },
        status,
        detail: detailOf(recipient.diagnosticCode) ?? detailOf(`SES ${String(bounce.bounceType)} bounce (${String(bounce.bounceSubType)})`),
        at,
      });
    }
  } else if (type === 'Complaint' && isRecord(notification.complaint)) {
    const complaint = notification.complaint;
    const at = fromIsoTime(complaint.timestamp) ?? sentAt;
    const feedbackType = typeof complaint.complaintFeedbackType === 'string' ? complaint.complaintFeedbackType : undefined;
    for (const recipient of Array.isArray(complaint.complainedRecipients) ? complaint.complainedRecipients : []) {
      if (!isRecord(recipient)) continue;
      push({
        kind: 'complaint',
        about: { ...about, address: addressOf(recipient.emailAddress) },
        status: undefined,
        detail: detailOf(feedbackType && `feedback type: ${feedbackType}`, typeof complaint.userAgent === 'string' && `(${complaint.userAgent})`),
        at,
      });
    }
  }
  return events;
}

/** Our Message-ID, from the original headers SES quotes (SES replaces the header when it sends), not SES's own mail.messageId. */
function originalMessageId(mail: Record<string, unknown>): string | undefined {
  if (Array.isArray(mail.headers)) {
    for (const header of mail.headers) {
      if (isRecord(header) && typeof header.name === 'string' && header.name.toLowerCase() === 'message-id') return messageIdOf(header.value);
    }
  }
  return isRecord(mail.commonHeaders) ? messageIdOf(mail.commonHeaders.messageId) : undefined;
}
