// Plain-text helpers for values that end up in one-line places (mail headers, logs, the deliveries table). Pure.

/** Subjects and names are single lines: a line break there could start a new header. */
export function oneLine(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029\u0085]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One line of at most `max` characters (cut with an ellipsis), for a detail kept in a history; undefined when empty. */
export function clippedLine(text: string, max = 500): string | undefined {
  const line = oneLine(text);
  return line === '' ? undefined : line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A rate as a percentage with two decimals: 0.0123 → "1.23%". */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}
