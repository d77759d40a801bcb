// A personalised digest → the complete RFC 5322 message, exactly as it is sent. The one builder used by
// previews and by the sender. Pure (nodemailer's stream transport composes in memory and sends nothing).
import { createHash, createHmac } from 'node:crypto';
import { hmacKey } from './hmac.js';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Config } from '../config.js';
import { escapeHtml } from '../shared/html.js';
import { oneLine } from '../shared/text.js';
import { siteUrl } from '../shared/urls.js';
import { encodeDisplayName, encodeQuotedPrintable, encodeSubject } from './nodemailer-internals.js';
import type { PersonalizedEmail } from './render.js';
import { signToken } from './tokens.js';

export interface MessageRecipient {
  email: string;
  name?: string | undefined;
}

export interface BuiltMessage {
  messageId: string;
  /** RFC 5322 bytes with CRLF line endings. */
  readonly raw: Buffer;
  /** The same bytes in pieces, shared with the template: what the sender streams, without a copy. */
  chunks: readonly Buffer[];
  envelope: { from: string; to: string[] };
}

export type MessageSettings = Pick<Config, 'site' | 'email'>;

/** The List-Unsubscribe targets of one message: the one-click https link, and a mailto only where a mailbox is read. */
export interface ListLinks {
  unsubscribeUrl: string;
  unsubscribeMailto: string | undefined;
}

/**
 * The subscriber's own links, signed with `key`. `mailbox` is the address of the `mailto:` unsubscribe, given
 * only when Broadsheet reads the mailbox it lands in (see unsubscribeMailbox): an unread one would ignore
 * requests, which the law does not allow.
 */
export function subscriberLinks(email: string, key: string, config: MessageSettings, mailbox?: string | undefined) {
  const unsubscribeToken = signToken({ purpose: 'unsubscribe', email }, key);
  const preferencesToken = signToken({ purpose: 'preferences', email }, key);
  const bases = linkBases(config);
  // Tokens are base64url and ".", which a URL keeps as they are: appending them to the parsed base
  // gives the URL that parsing the whole string would (twice per subscriber, at 100,000 subscribers).
  return {
    unsubscribeUrl: `${bases.unsubscribe}${unsubscribeToken}`,
    preferencesUrl: `${bases.preferences}${preferencesToken}`,
    unsubscribeMailto: mailbox === undefined ? undefined : `mailto:${mailbox}?subject=${encodeURIComponent(`unsubscribe ${unsubscribeToken}`)}`,
  };
}

const bases = new Map<string, { unsubscribe: string; preferences: string }>();
function linkBases(config: MessageSettings) {
  const key = config.site.url;
  let found = bases.get(key);
  if (!found) {
    if (bases.size > 100) bases.clear();
    found = {
      unsubscribe: siteUrl(config.site.url, '/unsubscribe?token='),
      preferences: siteUrl(config.site.url, '/preferences?token='),
    };
    bases.set(key, found);
  }
  return found;
}

/**
 * A campaign message's Message-ID: deterministic per (digest, subscriber), so a message resent after a
 * crash carries the same one and receiving systems recognise the duplicate; and keyed with the signing
 * key, so nobody can work out another subscriber's (a bounce or complaint quoting one of ours is believed:
 * a guessable one would let anyone who knows an address get it unsubscribed).
 */
export function messageIdFor(digestId: string, email: string, config: MessageSettings, key: string): string {
  const mac = createHmac('sha256', hmacKey(key)).update(`broadsheet-message-id-v1\n${digestId}\n${email}`).digest('hex').slice(0, 24);
  return `<digest-${digestId.replace(/[^0-9A-Za-z-]+/g, '-')}.${mac}@${senderDomain(config)}>`;
}

/**
 * The Message-ID of a preview or a notice (confirmation, welcome): never recorded with a delivery, so it
 * names nobody to the returned-mail reader; a notice's bounce is attributed by its envelope tag.
 */
function unrecordedMessageId(digestId: string, email: string, config: MessageSettings): string {
  const local = `digest-${digestId.replace(/[^0-9A-Za-z-]+/g, '-')}.${createHash('sha256').update(`${digestId}\n${email}`).digest('hex').slice(0, 20)}`;
  return `<${local}@${senderDomain(config)}>`;
}

/** Per-subscriber values a message template is filled with. */
export interface MessageFill {
  to: MessageRecipient;
  messageId: string;
  /** Values for the rendered email's placeholders (greeting name, address, links). */
  values: { name: string; email: string; unsubscribeUrl: string; preferencesUrl: string };
  /** List-Unsubscribe targets; required when the template was prepared with list headers. */
  links?: ListLinks | undefined;
  /** The envelope sender (MAIL FROM, the Return-Path it leaves): the tagged bounce address; default: the From address. */
  returnPath?: string | undefined;
}

type Slot = 'to' | 'messageId' | 'listUnsubscribe' | 'subject' | `html:${string}` | `text:${string}`;

/**
 * A message built once (nodemailer composes every header and the MIME structure), with slots where
 * each subscriber's values go. Filling it is string assembly: composing and encoding a
 * 100 KB message per subscriber ran at a few hundred messages a second.
 */
export interface MessageTemplate {
  /** Static runs as bytes (encoded once), and slots. */
  pieces: Array<Buffer | { slot: Slot }>;
  from: string;
  hasList: boolean;
  /** Subject with placeholders still in it (encoded per subscriber), or undefined when static. */
  personalSubject: string | undefined;
  placeholders: Partial<Record<PlaceholderField, string>>;
}

type PlaceholderField = 'name' | 'email' | 'unsubscribeUrl' | 'preferencesUrl';
const FIELDS: PlaceholderField[] = ['name', 'email', 'unsubscribeUrl', 'preferencesUrl'];

export interface TemplateSource {
  subject: string;
  html: string;
  text: string;
  /** Placeholders the rendered html/text/subject contain (RenderedDigestEmail.placeholders). */
  placeholders?: Partial<Record<PlaceholderField, string>> | undefined;
}

export async function prepareMessage(email: TemplateSource, options: { list: boolean; date: Date; config: MessageSettings }): Promise<MessageTemplate> {
  const { config } = options;
  const { from, replyTo } = config.email;
  const nonce = createHash('sha256').update(email.html).update(email.text).digest('hex').slice(0, 12);
  const marker = (name: string) => `BSSLOT${nonce}${name}X`;
  const placeholders = email.placeholders ?? {};
  const personalSubject = Object.values(placeholders).some((p) => p && email.subject.includes(p)) ? email.subject : undefined;
  const skeleton = await compose({
    from: { name: oneLine(from.name ?? config.site.title), address: from.address },
    ...(replyTo ? { replyTo: { name: oneLine(replyTo.name ?? ''), address: replyTo.address } } : {}),
    to: { name: '', address: `${marker('TO').toLowerCase()}@invalid` },
    subject: personalSubject ? marker('SUBJECT') : oneLine(email.subject),
    messageId: `<${marker('MID')}@invalid>`,
    date: options.date,
    // The markers are plain ASCII, which nodemailer would label 7bit; the bodies filled in are
    // quoted-printable, and their part headers must say so.
    text: { content: marker('TEXT'), contentTransferEncoding: 'quoted-printable' },
    html: { content: marker('HTML'), contentTransferEncoding: 'quoted-printable' },
    // nodemailer's `list` helper has no List-Unsubscribe-Post, and its `list.post` is another header:
    // both one-click headers are set here, List-Unsubscribe as one header holding both URIs (RFC 8058).
    // Transactional mail (a confirmation request) has no list headers: it is not list mail.
    headers: options.list
      ? {
          'List-Unsubscribe': marker('LIST'),
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': `${quoteDisplayName(oneLine(config.site.title))} <digest.${senderDomain(config)}>`,
        }
      : {},
    textEncoding: 'quoted-printable',
  });
  const pieces: Array<string | { slot: Slot }> = [];
  const slotFor: Record<string, Slot> = {
    [`${marker('TO').toLowerCase()}@invalid`]: 'to',
    [`<${marker('MID')}@invalid>`]: 'messageId',
    [marker('LIST')]: 'listUnsubscribe',
    [marker('SUBJECT')]: 'subject',
  };
  const expected = [
    `${marker('TO').toLowerCase()}@invalid`,
    `<${marker('MID')}@invalid>`,
    marker('HTML'),
    marker('TEXT'),
    ...(personalSubject ? [marker('SUBJECT')] : []),
    ...(options.list ? [marker('LIST')] : []),
  ];
  const parts = skeleton.split(new RegExp(`(${expected.map(escapeRegExp).join('|')})`));
  // Each marker must come out exactly as given, once; otherwise a subscriber's value would be missing.
  const missing = expected.filter((m) => parts.filter((p) => p === m).length !== 1);
  if (missing.length > 0) throw new Error(`nodemailer wrote the message without these markers, or more than once: ${missing.join(', ')}`);
  for (const part of parts) {
    if (part === marker('HTML')) pieces.push(...bodyPieces(email.html, placeholders, 'html'));
    else if (part === marker('TEXT')) pieces.push(...bodyPieces(email.text, placeholders, 'text'));
    else if (slotFor[part]) pieces.push({ slot: slotFor[part]! });
    else if (part) pieces.push(part);
  }
  const merged: Array<Buffer | { slot: Slot }> = [];
  let run = '';
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      if (run) merged.push(Buffer.from(run, 'utf8'));
      run = '';
      merged.push(piece);
    } else run += piece;
  }
  if (run) merged.push(Buffer.from(run, 'utf8'));
  return { pieces: merged, from: from.address, hasList: options.list, personalSubject, placeholders };
}

/**
 * A body as quoted-printable pieces: static runs encoded once, a slot per placeholder. A soft line
 * break on each side of a slot keeps every line valid whatever the value's length.
 */
function bodyPieces(body: string, placeholders: Partial<Record<PlaceholderField, string>>, kind: 'html' | 'text'): Array<string | { slot: Slot }> {
  const present = FIELDS.filter((f) => placeholders[f] && body.includes(placeholders[f]!));
  if (present.length === 0) return [encodeQuotedPrintable(body)];
  const byMarker = new Map(present.map((f) => [placeholders[f]!, f]));
  const out: Array<string | { slot: Slot }> = [];
  for (const part of body.split(new RegExp(`(${present.map((f) => escapeRegExp(placeholders[f]!)).join('|')})`))) {
    const field = byMarker.get(part);
    if (field) out.push('=\r\n', { slot: `${kind}:${field}` }, '=\r\n');
    else if (part) out.push(encodeQuotedPrintable(part));
  }
  return out;
}

/**
 * Quoted-printable for one value. URLs and addresses (printable ASCII without spaces) only need "="
 * escaped and long lines softly broken, done here directly; anything else goes through nodemailer.
 */
function encodeQpValue(value: string): string {
  if (!/^[\x21-\x7e]*$/.test(value)) return encodeQuotedPrintable(value);
  const escaped = value.includes('=') ? value.replaceAll('=', '=3D') : value;
  if (escaped.length <= 76) return escaped;
  const lines: string[] = [];
  let start = 0;
  while (start < escaped.length) {
    let end = Math.min(start + 75, escaped.length);
    // Never cut inside an "=3D" escape.
    if (end < escaped.length) {
      if (escaped[end - 1] === '=') end -= 1;
      else if (escaped[end - 2] === '=') end -= 2;
    }
    lines.push(escaped.slice(start, end));
    start = end;
  }
  return lines.join('=\r\n');
}

// In memory: the stream transport hands back the message's bytes instead of sending them. CRLF line
// ends, as RFC 5322 wants (nodemailer writes bare LFs unless told).
const createComposer = () => nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
let composer: ReturnType<typeof createComposer> | undefined;

async function compose(mail: SendMailOptions): Promise<string> {
  const { message } = await (composer ??= createComposer()).sendMail(mail);
  if (!Buffer.isBuffer(message)) throw new TypeError('the stream transport was asked for a buffer');
  return message.toString('utf8');
}

/** One subscriber's message from a prepared template. */
export function fillMessage(template: MessageTemplate, fill: MessageFill): BuiltMessage {
  const { values } = fill;
  const escaped: Record<PlaceholderField, string> = {
    name: escapeHtml(values.name),
    email: escapeHtml(values.email),
    unsubscribeUrl: escapeHtml(values.unsubscribeUrl),
    preferencesUrl: escapeHtml(values.preferencesUrl),
  };
  if (template.hasList && !fill.links) throw new TypeError('a list message needs List-Unsubscribe links');
  const out: Buffer[] = [];
  const push = (text: string) => out.push(Buffer.from(text, 'utf8'));
  // A value that needs no HTML escaping is the same in both parts: encoded once per message.
  const encoded = new Map<string, Buffer>();
  const qp = (value: string) => {
    let bytes = encoded.get(value);
    if (!bytes) encoded.set(value, (bytes = Buffer.from(encodeQpValue(value), 'utf8')));
    return bytes;
  };
  for (const piece of template.pieces) {
    if (Buffer.isBuffer(piece)) {
      out.push(piece);
      continue;
    }
    const { slot } = piece;
    switch (slot) {
      case 'to':
        push(formatAddress(fill.to));
        break;
      case 'messageId':
        push(fill.messageId);
        break;
      case 'listUnsubscribe':
        push(
          fill.links!.unsubscribeMailto === undefined
            ? `<${fill.links!.unsubscribeUrl}>`
            : `<${fill.links!.unsubscribeUrl}>,\r\n <${fill.links!.unsubscribeMailto}>`,
        );
        break;
      case 'subject': {
        let subject = template.personalSubject!;
        for (const f of FIELDS) if (template.placeholders[f]) subject = subject.replaceAll(template.placeholders[f]!, values[f]);
        push(encodeSubject(oneLine(subject)));
        break;
      }
      default:
        out.push(qp(slot.startsWith('html:') ? escaped[slot.slice(5) as PlaceholderField] : values[slot.slice(5) as PlaceholderField]));
    }
  }
  let raw: Buffer | undefined;
  return {
    messageId: fill.messageId,
    chunks: out,
    // Joined only when asked (previews, the outbox): copying 100 KB per subscriber was the sender's main cost.
    get raw() {
      return (raw ??= Buffer.concat(out));
    },
    envelope: { from: fill.returnPath ?? template.from, to: [fill.to.email] },
  };
}

/**
 * A personalised email → its RFC 5322 message. Previews and notices use this; the sender prepares a
 * template once per variant and fills it per subscriber, and both go through the same code.
 */
export async function buildMessage(
  email: PersonalizedEmail & { digestId: string; messageId?: string | undefined },
  to: MessageRecipient,
  links: ListLinks | undefined,
  date: Date,
  config: MessageSettings,
  returnPath?: string | undefined,
): Promise<BuiltMessage> {
  const template = await prepareMessage(email, { list: links !== undefined, date, config });
  // A resend after a crash passes the Message-ID recorded before the first attempt.
  const messageId = email.messageId ?? unrecordedMessageId(email.digestId, to.email, config);
  return fillMessage(template, {
    to,
    messageId,
    links,
    returnPath,
    values: { name: to.name ?? '', email: to.email, unsubscribeUrl: links?.unsubscribeUrl ?? '', preferencesUrl: '' },
  });
}

/** `"Name" <address>`, RFC 2047-encoded when the name is not plain ASCII; just the address without one. */
function formatAddress(to: MessageRecipient): string {
  const name = oneLine(to.name ?? '');
  if (!name) return to.email;
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeDisplayName(name);
  return `${display} <${to.email}>`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function senderDomain(config: MessageSettings): string {
  return config.email.from.address.split('@').pop()!.toLowerCase();
}

function quoteDisplayName(name: string): string {
  return /^[\w .-]+$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}
