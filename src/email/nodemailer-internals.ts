// The only use of nodemailer's internal modules (nodemailer/lib/*): MIME encodings the message builder
// needs outside a composed message. Pure.
//
// Why not the public API: a message is composed once per variant with createTransport({ streamTransport })
// (message.ts), then filled per subscriber by string assembly. Composing each subscriber's message
// through the public API instead ran at 140-200 messages a second against 17,000-26,000 for the fill
// (bench/mail-tasks.ts personalise, 114 KB messages), so the encodings a fill needs come from here.
// test/email/nodemailer-internals.test.ts pins each one's exact output, and checks the body encoding
// against what the public API writes: after a nodemailer upgrade, a failing test names what changed.
import { encodeWord, encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode, wrap } from 'nodemailer/lib/qp';

/**
 * Quoted-printable text with CRLF line ends and soft breaks at 76 characters (lib/qp `encode` +
 * `wrap`): the encoding the composer gives a text part whose Content-Transfer-Encoding is
 * quoted-printable. Used once per variant for the static runs of each body, and per subscriber for a
 * value that is not plain printable ASCII (a name such as "Zoë").
 */
export function encodeQuotedPrintable(text: string): string {
  return wrap(encode(text), 76).replace(/\r?\n/g, '\r\n');
}

/**
 * A Subject value: RFC 2047 Q-encoded words where the text is not ASCII (lib/mime-funcs
 * `encodeWords`), folded at 76 characters with CRLF (`foldLines`). Used per subscriber when the subject
 * holds their own values.
 */
export function encodeSubject(subject: string): string {
  return foldLines(encodeWords(subject, 'Q', 52), 76)
    .trim()
    .replace(/\r?\n/g, '\r\n');
}

/** A display name that is not plain ASCII as one RFC 2047 Q-encoded word (lib/mime-funcs `encodeWord`). */
export function encodeDisplayName(name: string): string {
  return encodeWord(name, 'Q', 52);
}
