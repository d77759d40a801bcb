// The MIME tree of a returned message, for the classifier (classify.ts): which parts a report holds
// (message/delivery-status, message/feedback-report, the included original) and their header blocks.
// mailparser decodes subjects and bodies well, but it flattens an inline message/rfc822 part into the body
// text and keeps no tree, so the report's structure is read here. In memory only. Pure.

/** One header field, its folded lines joined. `name` is lowercased. */
export interface HeaderField {
  name: string;
  value: string;
}

/** One MIME part: its headers, its content type, its decoded body, and its children (multipart, message/rfc822). */
export interface MimePart {
  headers: HeaderField[];
  /** "type/subtype", lowercased; text/plain when the part names none. */
  type: string;
  params: Map<string, string>;
  /** The body with its Content-Transfer-Encoding undone (empty for a multipart). */
  body: Buffer;
  /** A multipart's parts, or the one message a message/rfc822 part carries. */
  parts: MimePart[];
}

// Deeper than any report nests (a report in a forwarded report); guards against a crafted message.
const MAX_DEPTH = 12;
const ENCAPSULATED = new Set(['message/rfc822', 'message/global']);

/** The first value of header `name` (lowercase), or undefined. */
export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

/** Every value of header `name` (lowercase), in order. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

/** Header lines ("Name: value", continuation lines start with white space) as fields; other lines are skipped. */
export function parseHeaderLines(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last && line.trim() !== '') last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const m = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (m) fields.push({ name: m[1]!.toLowerCase(), value: m[2]!.trim() });
  }
  return fields;
}

/** Parse a whole message (or a part) into its MIME tree. Never throws: what is not MIME is one text part. */
export function parseMime(raw: Buffer | Uint8Array): MimePart {
  return parsePart(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1'), 0);
}

/** Every part of the tree, depth first, the root included; the insides of included messages only when asked. */
export function allParts(root: MimePart, intoMessages = false): MimePart[] {
  const found: MimePart[] = [];
  const visit = (part: MimePart, depth: number) => {
    found.push(part);
    if (ENCAPSULATED.has(part.type) && !intoMessages && depth > 0) return;
    for (const child of part.parts) visit(child, depth + 1);
  };
  visit(root, 0);
  return found;
}

/** Whether the part's type is an included message (message/rfc822, message/global). */
export function isEncapsulated(part: MimePart): boolean {
  return ENCAPSULATED.has(part.type);
}

// `text` is the part in latin1, one character per byte, so slicing never splits a byte sequence.
function parsePart(text: string, depth: number): MimePart {
  let head = '';
  let body = text;
  if (!/^\r?\n/.test(text)) {
    const end = /\r?\n\r?\n/.exec(text);
    head = end ? text.slice(0, end.index) : text;
    body = end ? text.slice(end.index + end[0].length) : '';
  } else {
    body = text.replace(/^\r?\n/, '');
  }
  const headers = parseHeaderLines(head);
  const { type, params } = contentType(headerValue(headers, 'content-type'));
  const part: MimePart = { headers, type, params, body: Buffer.alloc(0), parts: [] };
  if (depth >= MAX_DEPTH) return part;

  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary) {
    part.parts = splitMultipart(body, boundary).map((p) => parsePart(p, depth + 1));
    return part;
  }
  part.body = decodeTransfer(body, headerValue(headers, 'content-transfer-encoding'));
  if (ENCAPSULATED.has(type)) part.parts = [parsePart(part.body.toString('latin1'), depth + 1)];
  return part;
}

function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { type: 'text/plain', params };
  const type = value.split(';')[0]!.trim().toLowerCase();
  for (const m of value.matchAll(/;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g)) {
    const raw = m[2]!;
    params.set(m[1]!.toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return { type: /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'text/plain', params };
}

// The parts between "--boundary" lines, up to "--boundary--" (or the end when a truncated report lacks it).
function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    const bare = line.trimEnd();
    if (bare === delimiter || bare === `${delimiter}--`) {
      if (current) parts.push(current.join('\n'));
      current = bare === delimiter ? [] : undefined;
      if (!current) break;
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

function decodeTransfer(body: string, encoding: string | undefined): Buffer {
  const name = (encoding ?? '').trim().toLowerCase();
  if (name === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (name === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

function decodeQuotedPrintable(body: string): Buffer {
  const text = body.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}
