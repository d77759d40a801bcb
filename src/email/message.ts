// A personalised digest → the complete RFC 5322 message, exactly as it is sent. The one builder used by
// previews and by the sender. Pure (nodemailer's MailComposer only streams in memory).
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config } from '../config.js';
import { siteUrl } from '../feeds/urls.js';
import { oneLine, type PersonalizedEmail } from './render.js';
import { signToken } from './tokens.js';

export interface MessageRecipient {
  email: string;
  name?: string | undefined;
}

export interface BuiltMessage {
  messageId: string;
  /** RFC 5322 bytes with CRLF line endings. */
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

export type MessageSettings = Pick<Config, 'site' | 'email'>;

/** The subscriber's own links, signed with `key`. */
export function recipientLinks(email: string, key: string, config: MessageSettings) {
  const unsubscribeToken = signToken({ purpose: 'unsubscribe', email }, key);
  const preferencesToken = signToken({ purpose: 'preferences', email }, key);
  return {
    unsubscribeUrl: siteUrl(config.site.url, `/unsubscribe?token=${unsubscribeToken}`),
    preferencesUrl: siteUrl(config.site.url, `/preferences?token=${preferencesToken}`),
    unsubscribeMailto: `mailto:${unsubscribeMailbox(config)}?subject=${encodeURIComponent(`unsubscribe ${unsubscribeToken}`)}`,
  };
}

/**
 * Message-IDs are deterministic per (digest, subscriber): a message resent after a crash carries the
 * same Message-ID, so receiving systems can recognise the duplicate.
 */
export function messageIdFor(digestId: string, email: string, config: MessageSettings): string {
  const local = `digest-${digestId.replace(/[^0-9A-Za-z-]+/g, '-')}.${createHash('sha256').update(`${digestId}\n${email}`).digest('hex').slice(0, 20)}`;
  return `<${local}@${senderDomain(config)}>`;
}

export async function buildMessage(
  email: PersonalizedEmail & { digestId: string; messageId?: string | undefined },
  to: MessageRecipient,
  links: { unsubscribeUrl: string; unsubscribeMailto: string } | undefined,
  date: Date,
  config: MessageSettings,
): Promise<BuiltMessage> {
  const { from, replyTo } = config.email;
  // A resend after a crash passes the Message-ID recorded before the first attempt.
  const messageId = email.messageId ?? messageIdFor(email.digestId, to.email, config);
  const composer = new MailComposer({
    from: { name: oneLine(from.name ?? config.site.title), address: from.address },
    ...(replyTo ? { replyTo: { name: oneLine(replyTo.name ?? ''), address: replyTo.address } } : {}),
    to: { name: oneLine(to.name ?? ''), address: to.email },
    subject: oneLine(email.subject),
    messageId,
    date,
    text: email.text,
    html: email.html,
    // nodemailer's `list` helper has no List-Unsubscribe-Post, and its `list.post` is another header:
    // both one-click headers are set here, List-Unsubscribe as one header holding both URIs (RFC 8058).
    // Transactional mail (a confirmation request) has no list headers: it is not list mail.
    headers: links
      ? {
          'List-Unsubscribe': `<${links.unsubscribeUrl}>, <${links.unsubscribeMailto}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': `${quoteDisplayName(oneLine(config.site.title))} <digest.${senderDomain(config)}>`,
        }
      : {},
    textEncoding: 'quoted-printable',
    // compile().build() keeps the parts' bare LFs (only SMTP transports convert them): RFC 5322 wants CRLF.
    newline: 'windows',
  });
  const raw = await composer.compile().build();
  return { messageId, raw, envelope: { from: from.address, to: [to.email] } };
}

export function senderDomain(config: MessageSettings): string {
  return config.email.from.address.split('@').pop()!.toLowerCase();
}

function unsubscribeMailbox(config: MessageSettings): string {
  return config.email.unsubscribeMailbox ?? config.email.replyTo?.address ?? config.email.from.address;
}

function quoteDisplayName(name: string): string {
  return /^[\w .-]+$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}
