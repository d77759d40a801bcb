// Every relative link in the README and docs/ points at a file that exists and, with a #fragment, at a
// heading that file has (GitHub's anchors); and every page in docs/ is linked from the README.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and code spans: where links and headings live. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').flatMap((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [line];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** [text](target) links outside code, with the line they are on. */
function linksOf(markdown: string): Array<{ target: string; line: string }> {
  return prose(markdown).flatMap((line) => {
    const outsideSpans = line.replace(/`[^`]*`/g, '``');
    return [...outsideSpans.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ target: m[1]!, line }));
  });
}

describe('links in README.md and docs/', () => {
  it('resolve: each relative file exists, and each #anchor is a heading of its page', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(path.join(root, page), 'utf8');
      for (const { target } of linksOf(text)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file ? path.resolve(path.dirname(path.join(root, page)), file) : path.join(root, page);
        if (!existsSync(resolved)) {
          broken.push(`${page}: ${target}: no such file`);
          continue;
        }
        if (anchor !== undefined && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${page}: ${target}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('find a broken file link and a broken anchor (the checker itself)', () => {
    expect(
      anchorsOf('# Who may open `/preview` without the token\n## How the feeds deal with `feed@6`\n## Notes\n## Notes\n```sh\n# not a heading\n```\n'),
    ).toEqual(new Set(['who-may-open-preview-without-the-token', 'how-the-feeds-deal-with-feed6', 'notes', 'notes-1']));
    expect(linksOf('See [a](docs/a.md#b) and `[not](a link)`.\n```\n[nor](this)\n```\n').map((l) => l.target)).toEqual(['docs/a.md#b']);
  });

  it('reach every page in docs/ from the README', () => {
    const linked = new Set(linksOf(readFileSync(path.join(root, 'README.md'), 'utf8')).map(({ target }) => target.split('#')[0]));
    expect(pages.filter((page) => page.startsWith('docs/') && !linked.has(page))).toEqual([]);
  });
});
