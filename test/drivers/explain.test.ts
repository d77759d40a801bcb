// `broadsheet build --explain FILE`, run as a person runs it (the built CLI, no terminal): what the cleanup
// keeps and removes of one post, by rule, and what the furniture said; it builds nothing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO, SAMPLE_CONTENT, tempSite } from '../helpers/site.js';

const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
const SAMPLE = 'content/2026-11-23-regional-lenders-pause-bnpl-partnerships.md';

const build = (cwd: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, 'build', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

it('names every line it removes of the sample post with its rule, and what the furniture said; writes nothing', async () => {
  const { root } = await tempSite('explain', { copy: SAMPLE_CONTENT });
  const r = await build(root, '--explain', SAMPLE);
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toContain(`${SAMPLE}: "Regional lenders pause buy-now-pay-later partnerships"`);
  for (const [rule, text] of [
    ['kicker', 'In Brief'],
    ['posted', '7:42 AM EST · November 23, 2026'],
    ['image-credit', 'Image Credits:Harbor Desk / Example Wire'],
    ['byline', 'Dana Whitcombe'],
    ['title-repeat', 'Regional lenders pause buy-now-pay-later partnerships'],
    ['end-marker', 'Topics'],
  ])
    expect(r.stdout).toMatch(new RegExp(`^\\s+\\d+\\s+${rule}\\s+${text!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  expect(r.stdout).toMatch(/^ {2}writer\s+Dana Whitcombe$/m);
  expect(r.stdout).toMatch(/^ {2}posted\s+7:42 AM EST · November 23, 2026 → 2026-11-23T12:42:00.000Z/m);
  expect(r.stdout).toMatch(/^ {2}image credit\s+Harbor Desk \/ Example Wire$/m);
  // Only explains: no site, no data folder.
  expect(existsSync(path.join(root, 'public'))).toBe(false);
  expect(existsSync(path.join(root, 'data'))).toBe(false);

  const json = await build(root, '--explain', SAMPLE, '--json');
  const doc = JSON.parse(json.stdout);
  expect(doc.kind).toBe('cut');
  expect(doc.article.split('\n\n')).toHaveLength(4);
  expect(doc.article).not.toMatch(/In Brief|Posted|Image Credits|Topics/);
  expect(doc.facts.byline).toBe('Dana Whitcombe');
});

it('says a hand-written post is kept as it is, and uses the configured rules', async () => {
  const { root } = await tempSite('explain-rules', { copy: SAMPLE_CONTENT });
  const plain = await build(root, '--explain', 'content/2026-09-17-borrowscope-draws-rust-lifetimes-as-timelines.md');
  expect(plain.stdout).toMatch(/^Kept as it is \(no-furniture\)/m);
  await writeFile(path.join(root, 'broadsheet.config.json'), JSON.stringify({ clean: { dropLines: ['^In Brief$'] } }));
  const configured = await build(root, '--explain', SAMPLE);
  expect(configured.stdout).toMatch(/^\s+1\s+configured-line\s+In Brief$/m);
});

it('names the file and what is wrong, exit 1: missing, not a post; a bad rule names its setting', async () => {
  const { root } = await tempSite('explain-errors', { copy: SAMPLE_CONTENT });
  const missing = await build(root, '--explain', 'content/nope.md');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('content/nope.md: cannot be read: no such file');
  await writeFile(path.join(root, 'broken.md'), '---\ntitle: [unclosed\n---\nBody.\n');
  const broken = await build(root, '--explain', 'broken.md');
  expect(broken.code).toBe(1);
  expect(broken.stderr).toMatch(/^broken\.md: front matter: is not valid YAML/m);
  await writeFile(path.join(root, 'broadsheet.config.json'), JSON.stringify({ clean: { endMarkers: ['(unclosed'] } }));
  const rule = await build(root, '--explain', SAMPLE);
  expect(rule.code).toBe(1);
  expect(rule.stderr).toContain('clean.endMarkers.0');
  expect(rule.stderr).toContain('does not compile');
});
