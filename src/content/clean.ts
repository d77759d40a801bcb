// Scraped Markdown bodies → clean Markdown: tabs, blank runs and stray indentation dropped. Pure.
// No Markdown parser here: parsing a post (every post, on a cold build) needs this, not markdown-it.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Clean a scraped Markdown body: normalise line endings, blank out whitespace-only lines,
 * collapse runs of blank lines, and drop leading indentation (outside fenced blocks) that would
 * otherwise nest lines into lists or blockquotes they never belonged to.
 */
export function cleanBody(body: string): string {
  const lines = body
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const opener = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      out.push(line);
      if (opener && opener[0] === fence[0] && opener.length >= fence.length && line.trim() === opener) fence = undefined;
      continue;
    }
    if (opener) {
      fence = opener;
      out.push(line);
      continue;
    }
    if (line.trim() === '') {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      continue;
    }
    // Tab indentation is scraper noise; space-indented list continuations (up to 3+ spaces) are kept.
    // Trailing white space goes on every line (tab-indented ones kept theirs), except a two-space hard break.
    const unindented = /^\t/.test(line) ? line.replace(/^\s+/, '') : line;
    out.push(unindented.replace(/\s+$/, (ws) => (ws === '  ' ? ws : '')));
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
