// The bounce mailbox's reader: one raw message in, what it is out (a DSN's failed recipients, an ARF
// complaint, a mailto unsubscribe request, an auto-reply to ignore, or something not understood). It says
// who a report is about as far as the message shows it; the core checks tags, Message-IDs and tokens
// (core/returns.ts). Parsing in memory only. Pure.
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { allParts, headerValue, headerValues, isEncapsulated, type HeaderField, type MimePart, parseHeaderLines, parseMime } from './mime-parts.js';
import type { ReturnedAbout, ReturnedEvent, ReturnedKind, ReturnedMail } from './returned.js';
import { clippedLine } from '../shared/text.js';

/** Classify one raw RFC 5322 message from the bounce mailbox. The same bytes always give the same result and keys. */
export async function classifyReturnedMail(raw: Buffer | Uint8Array): Promise<ReturnedMail> {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const key = `mailbox:${createHash('sha256').update(bytes).digest('hex')}`;
  const root = parseMime(bytes);
  if (root.headers.length === 0) return { kind: 'unknown', reason: 'not a mail message: no header fields', key };
  let mail: ParsedMail;
  try {
    mail = await simpleParser(bytes, { skipImageLinks: true, skipTextLinks: true, keepCidLinks: true });
  } catch (err) {
    return { kind: 'unknown', reason: `unparsable message: ${(err as Error).message}`, key };
  }
  const parts = allParts(root);
  const status = parts.find((p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status');
  const message: Message = { root, parts, status, subject: mail.subject ?? '', text: mail.text ?? '' };

  const feedback = message.parts.find((p) => p.type === 'message/feedback-report');
  if (feedback) return complaint(message, feedback, key);

  const human = status ? humanText(parts) : '';
  const drafts = status ? dsnDrafts(status, human) : undefined;
  if (drafts?.failed.length) return report(message, drafts.failed, key);
  if (drafts?.notices.length) return { kind: 'ignored', reason: `delivery status notice without a failure (Action: ${drafts.notices.join(', ')})`, key };

  if (status || looksLikeBounce(root.headers, message.subject)) {
    const text = drafts ? human || message.text : message.text;
    const textual = textBounceDrafts(text, message.subject, headerValues(root.headers, 'x-failed-recipients'));
    if (textual === 'delay') return { kind: 'ignored', reason: 'delay notice: the server is still trying', key };
    if (textual.length) return report(message, textual, key);
    return { kind: 'unknown', reason: 'a delivery failure notice naming no failed recipient', key };
  }

  const auto = autoReplyReason(root.headers, message.subject);
  if (auto) return { kind: 'ignored', reason: auto, key };

  const tokens = findTokens(`${message.subject}\n${message.text}`);
  if (tokens.length) return { kind: 'unsubscribe-request', tokens, from: mail.from?.value[0]?.address?.toLowerCase() || undefined, key };

  return { kind: 'unknown', reason: 'neither a report, an auto-reply nor an unsubscribe request with a token', key };
}

// ---------------------------------------------------------------------------------------------------------
// Hard or soft

const FULL_MAILBOX =
  /mailbox (is |was )?full|mailbox (has )?exceeded|over ?quota|quota (has been |was )?exceeded|exceeds? (the |its |his |her )?(storage|quota|mailbox)|storage (quota|limit)|insufficient (system )?storage|mailbox size limit|disk quota|out of storage|user(?:'s)? (mailbox|quota).{0,20}full/i;
const TEMPORARY = /temporar(y|ily)|try again later|will (retry|try again)|deferred|greylist/i;

/** 5.x.x is hard but a full mailbox; 4.x.x soft; without a status, the SMTP code, then the words decide. */
export function bounceKind(status: string | undefined, words: string): Extract<ReturnedKind, 'hard-bounce' | 'soft-bounce'> {
  const full = (status !== undefined && /^\d\.2\.2$/.test(status)) || FULL_MAILBOX.test(words);
  const klass = status?.[0] ?? /(?:^|[^\d.])([45])\d\d(?:[\s:-]|$)/.exec(words)?.[1];
  if (klass === '4') return 'soft-bounce';
  if (klass === '5') return full ? 'soft-bounce' : 'hard-bounce';
  return full || TEMPORARY.test(words) ? 'soft-bounce' : 'hard-bounce';
}

// ---------------------------------------------------------------------------------------------------------
// RFC 3464 delivery status notifications

interface Draft {
  kind: ReturnedKind;
  address: string | undefined;
  status: string | undefined;
  detail: string | undefined;
}

/** The failed recipients of a message/delivery-status part, and the actions that were not failures. */
function dsnDrafts(part: MimePart, text: string): { failed: Draft[]; notices: string[] } {
  const failed: Draft[] = [];
  const notices: string[] = [];
  const blocks = decode(part)
    .split(/\r?\n[ \t]*(?:\r?\n|$)/)
    .map(parseHeaderLines);
  for (const fields of blocks) {
    const final = headerValue(fields, 'final-recipient');
    const original = headerValue(fields, 'original-recipient');
    const actionField = headerValue(fields, 'action');
    if (final === undefined && original === undefined && actionField === undefined) continue; // the per-message block
    const action = (actionField ?? '').trim().toLowerCase().split(/[\s(]/)[0] ?? '';
    const diagnostic = headerValue(fields, 'diagnostic-code');
    const detailLine = diagnostic ? clippedLine(diagnostic.replace(/^[\w-]+\s*;\s*/, '')) : undefined;
    const status = enhancedStatus(headerValue(fields, 'status') ?? '') ?? enhancedStatus(detailLine ?? '');
    if (action !== 'failed' && (action !== '' || status?.startsWith('2'))) {
      notices.push(action || `status ${status}`);
      continue;
    }
    const address = addressIn(final) ?? addressIn(original);
    const around = address ? textAbout(text, address) : undefined;
    const detail = detailLine || around;
    failed.push({ kind: bounceKind(status, detailLine ?? around ?? text), address, status, detail });
  }
  return { failed, notices: [...new Set(notices)] };
}

/** "5.1.1" from a Status field or a diagnostic ("550 5.1.1 …", "(#5.1.1)"); undefined when there is none. */
function enhancedStatus(text: string): string | undefined {
  return /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/.exec(text)?.[1];
}

// ---------------------------------------------------------------------------------------------------------
// Bounces in plain text (qmail, Yahoo, older Gmail and Exim, a relay's own words)

const BOUNCE_SENDER = /^(mailer-daemon|mail-daemon|mailerdaemon|postmaster|mdaemon)@/i;
const BOUNCE_SUBJECT =
  /failure notice|undeliver(ed|able)|returned mail|mail delivery (failed|failure|subsystem)|delivery (status notification|failure|has failed)|non[- ]?(remis|recapitabile|delivery)|unzustellbar|could not be delivered/i;
const COPY_SEPARATOR =
  /^\s*(?:-{2,}.*\b(?:copy of the message|below this line|original message|undelivered message|returned message|message headers? follows?|headers of the original)\b.*|original message headers:?)\s*$/im;
const DELAYED = /\bdelay(ed)?\b|has not yet been delivered|still trying|will (continue|keep) (to )?try/i;
const PERMANENT = /permanent(ly)?\b|failed|unable to deliver|could not be delivered/i;

function looksLikeBounce(headers: readonly HeaderField[], subject: string): boolean {
  const from = addressesIn(headerValue(headers, 'from') ?? '')[0] ?? '';
  return BOUNCE_SENDER.test(from) || headerValue(headers, 'x-failed-recipients') !== undefined || BOUNCE_SUBJECT.test(subject);
}

/** A text bounce's failed recipients; 'delay' for a notice that the server still tries. */
function textBounceDrafts(text: string, subject: string, failedHeaders: string[]): Draft[] | 'delay' {
  const body = beforeCopy(text);
  if (DELAYED.test(subject) || (DELAYED.test(body) && !PERMANENT.test(body.replace(DELAYED, '')))) return 'delay';
  const lines = body.split(/\r?\n/);
  const recipients: { address: string; block: string }[] = [];

  // qmail and Yahoo: "<address>:" then the remote server's words, up to a blank line.
  lines.forEach((line, i) => {
    const m = /^\s*<([^<>\s]+@[^<>\s]+)>:\s*(.*)$/.exec(line);
    if (m) recipients.push({ address: m[1]!.toLowerCase(), block: [m[2]!, ...linesUntilBlank(lines, i + 1)].join(' ') });
  });
  if (recipients.length === 0) {
    // Exim and Gmail name the failed addresses in X-Failed-Recipients; else an address alone on its line.
    const named = failedHeaders.flatMap(addressesIn);
    const alone = lines.map((l) => /^\s*<?([^<>\s]+@[^<>\s]+?)>?\s*$/.exec(l)?.[1]?.toLowerCase()).filter((a) => a !== undefined);
    for (const address of new Set(named.length ? named : alone)) {
      const at = lines.findIndex((l) => l.toLowerCase().includes(address));
      const rest = at < 0 ? '' : lines[at]!.slice(lines[at]!.toLowerCase().indexOf(address) + address.length).replace(/^[>:\s]+/, '');
      recipients.push({ address, block: at < 0 ? '' : [rest, ...linesUntilBlank(lines, at + 1)].join(' ') });
    }
  }

  // What the whole text says, for recipients whose own block says nothing (Gmail puts the error further down).
  const smtpLine = lines.find((l) => /^\s*[45]\d\d[\s-]/.test(l));
  return recipients.map(({ address, block }) => {
    const own = clippedLine(block);
    const status = enhancedStatus(own ?? '') ?? (recipients.length === 1 ? enhancedStatus(body) : undefined);
    const detail = own ?? (smtpLine ? clippedLine(smtpLine) : undefined);
    return { kind: bounceKind(status, `${own ?? ''} ${recipients.length === 1 ? body : ''}`), address, status, detail };
  });
}

function linesUntilBlank(lines: readonly string[], from: number): string[] {
  const taken: string[] = [];
  for (let i = from; i < lines.length && lines[i]!.trim() !== '' && taken.length < 8; i++) taken.push(lines[i]!);
  return taken;
}

function beforeCopy(text: string): string {
  const m = COPY_SEPARATOR.exec(text);
  return m ? text.slice(0, m.index) : text;
}

/** The header block of the original copied into a text bounce after its separator line. */
function copiedHeaders(text: string): HeaderField[] {
  const m = COPY_SEPARATOR.exec(text);
  if (!m) return [];
  const after = text.slice(m.index + m[0].length).replace(/^\s*\r?\n/, '');
  return headerBlock(after);
}

/** The lines of a report's human text about one address (Postfix's "<x@example.com>: host … said: …"). */
function textAbout(text: string, address: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => l.toLowerCase().includes(address));
  return at < 0 ? undefined : clippedLine([lines[at]!, ...linesUntilBlank(lines, at + 1)].join(' '));
}

// ---------------------------------------------------------------------------------------------------------
// RFC 5965 complaints

const COMPLAINT_TYPES = new Set(['abuse', 'fraud']);
const NOT_COMPLAINTS = new Set(['not-spam', 'auth-failure', 'dkim', 'virus']);

interface Message {
  root: MimePart;
  parts: MimePart[];
  /** The message/delivery-status part of a DSN. */
  status: MimePart | undefined;
  subject: string;
  text: string;
}

function complaint(message: Message, part: MimePart, key: string): ReturnedMail {
  const fields = parseHeaderLines(decode(part));
  const type = (headerValue(fields, 'feedback-type') ?? '').trim().toLowerCase();
  if (NOT_COMPLAINTS.has(type)) return { kind: 'ignored', reason: `feedback report of type ${type}, not a complaint`, key };
  if (!COMPLAINT_TYPES.has(type)) return { kind: 'unknown', reason: `feedback report of type "${type || 'none'}"`, key };
  const original = includedHeaders(message);
  const to = addressesIn(headerValue(original ?? [], 'to') ?? '');
  const address =
    addressIn(headerValue(fields, 'original-rcpt-to')) ??
    addressIn(headerValue(fields, 'removal-recipient')) ??
    (to.length === 1 ? unredacted(to[0]!) : undefined);
  const agent = headerValue(fields, 'user-agent');
  const detail = clippedLine(
    `${type} report${agent ? ` from ${agent}` : ''}${headerValue(fields, 'source-ip') ? `, source IP ${headerValue(fields, 'source-ip')}` : ''}`,
  );
  const extraTags = [headerValue(fields, 'original-mail-from') ?? ''];
  return report(message, [{ kind: 'complaint', address, status: undefined, detail }], key, extraTags, original);
}

/** Feedback loops hide the complainer: "redacted@…", "xxxxx@…" name nobody. */
function unredacted(address: string): string | undefined {
  const local = address.split('@')[0] ?? '';
  return /redacted|^x+$|^\*+$/i.test(local) ? undefined : address;
}

// ---------------------------------------------------------------------------------------------------------
// Attribution: our tag and our Message-ID, as the report shows them

function report(message: Message, drafts: Draft[], key: string, extraTagSources: string[] = [], original = includedHeaders(message)): ReturnedMail {
  const { status } = message;
  const dsnSender = status ? (headerValue(headerBlock(decode(status)), 'x-postfix-sender') ?? '') : '';
  const headers = message.root.headers;
  const tagSources = [
    ...['delivered-to', 'x-original-to', 'envelope-to', 'to'].flatMap((name) => headerValues(headers, name)),
    headerValue(original ?? [], 'return-path') ?? '',
    dsnSender,
    ...extraTagSources,
  ];
  const tag = tagSources
    .flatMap(addressesIn)
    .map(tagOf)
    .find((t) => t !== undefined);
  const messageId = original ? messageIdIn(headerValue(original, 'message-id')) : ownReference(headers);
  return {
    kind: 'report',
    events: drafts.map((d, n): ReturnedEvent => {
      const about: ReturnedAbout = { address: d.address, tag, messageId };
      return { kind: d.kind, about, status: d.status, detail: d.detail, source: 'mailbox', key: `${key}:${n}`, at: undefined };
    }),
  };
}

/** The header fields of the first block of a text (up to its first blank line). */
function headerBlock(text: string): HeaderField[] {
  return parseHeaderLines(text.split(/\r?\n[ \t]*\r?\n/)[0] ?? '');
}

/** The headers of our original as the report includes it: message/rfc822, text/rfc822-headers, or copied into the text. */
function includedHeaders(message: Message): HeaderField[] | undefined {
  const part = message.parts.find((p) => isEncapsulated(p) || p.type === 'text/rfc822-headers');
  if (part && isEncapsulated(part)) return part.parts[0]?.headers;
  if (part) return headerBlock(decode(part));
  const copied = copiedHeaders(message.text);
  return copied.length ? copied : undefined;
}

/** With no original included, the report's own In-Reply-To or References, when it holds exactly one Message-ID. */
function ownReference(headers: readonly HeaderField[]): string | undefined {
  for (const name of ['in-reply-to', 'references']) {
    const ids = (headerValue(headers, name) ?? '').match(/<[^<>\s]+>/g) ?? [];
    if (ids.length === 1) return ids[0];
  }
  return undefined;
}

function messageIdIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = /<[^<>\s]+@[^<>\s]+>/.exec(value)?.[0];
  if (bracketed) return bracketed;
  const bare = value.trim();
  return /^[^<>\s]+@[^<>\s]+$/.test(bare) ? `<${bare}>` : undefined;
}

/** The tag of a VERP address: its local part after the first "+", when it is made of tag characters. */
function tagOf(address: string): string | undefined {
  const local = address.slice(0, address.lastIndexOf('@'));
  const plus = local.indexOf('+');
  if (plus < 0) return undefined;
  const tag = local.slice(plus + 1);
  return /^[A-Za-z0-9._=-]+$/.test(tag) ? tag : undefined;
}

function addressesIn(value: string): string[] {
  return [...value.matchAll(/[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+[^\s<>,;:"()[\].]/g)].map((m) => m[0].toLowerCase());
}

/** The address of a DSN field ("rfc822; x@example.com"), lowercased; undefined when it holds none. */
function addressIn(value: string | undefined): string | undefined {
  return value === undefined ? undefined : addressesIn(value.replace(/^\s*[\w-]+\s*;/, ' '))[0];
}

// ---------------------------------------------------------------------------------------------------------
// Auto-replies (RFC 3834 and the usual headers and subjects)

const AUTO_SUBJECT =
  /out of (the )?office|automatic reply|auto[- ]?(reply|response|responder)|abwesenheit|automatische antwort|r[ée]ponse automatique|risposta automatica|respuesta autom[áa]tica|vacation (reply|message|notice|response)|away from (my|the) (desk|office)|^(re:\s*)?away\b/i;

function autoReplyReason(headers: readonly HeaderField[], subject: string): string | undefined {
  const submitted = (headerValue(headers, 'auto-submitted') ?? '').trim().toLowerCase().split(/[\s;]/)[0];
  if (submitted && submitted !== 'no') return `auto-reply (Auto-Submitted: ${submitted})`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    if (headerValue(headers, name) !== undefined) return `auto-reply (${name})`;
  }
  const precedence = (headerValue(headers, 'precedence') ?? '').trim().toLowerCase();
  if (precedence === 'auto_reply') return 'auto-reply (Precedence: auto_reply)';
  if (AUTO_SUBJECT.test(subject)) return `auto-reply (subject "${clippedLine(subject, 80)}")`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Unsubscribe tokens

// A signed token is "<base64url>.<base64url>" (email/tokens.ts). Not inside a URL ("?token=…", "/u/…"): a
// reply quoting a digest carries its unsubscribe links, and that is not a request.
const TOKEN = /(?<![A-Za-z0-9_\-=/.@%+])[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_\-.@/])/g;

function findTokens(text: string): string[] {
  // A mailto subject pasted undecoded ("unsubscribe%20eyJ…") is still the request.
  const decoded = text.replace(/%20|%0[dDaA]|%09/g, ' ');
  return [...new Set((decoded.match(TOKEN) ?? []).filter(isTokenShaped))];
}

/** A token's first half is a JSON object in base64url: order numbers and tracking ids are not. */
function isTokenShaped(candidate: string): boolean {
  const body = Buffer.from(candidate.split('.')[0]!, 'base64url').toString('utf8');
  return body.startsWith('{') && body.endsWith('}');
}

// ---------------------------------------------------------------------------------------------------------

/** The first human-readable text part of a report (outside the included original). */
function humanText(parts: readonly MimePart[]): string {
  const part = parts.find((p) => p.type === 'text/plain' && p.parts.length === 0 && p.body.length > 0);
  return part ? decode(part) : '';
}

function decode(part: MimePart): string {
  const charset = part.params.get('charset') ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(part.body);
  } catch {
    return part.body.toString('utf8');
  }
}
