// Plain-text helpers for values that end up in one-line places (mail headers, logs, the deliveries table). Pure.

/** Subjects and names are single lines: a line break there could start a new header. */
export function oneLine(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029\u0085]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
