// `broadsheet digest` (the preview) through main(argv, io) in process, on the sample content/ with a
// frozen clock, a temp data folder (signing key) and a temp output folder.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { SECRET_FILE } from '../../src/email/signing-key.js';
import { verifyToken } from '../../src/email/tokens.js';
import { REPO } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const CONFIG = {
  site: { title: 'The Sample Times', url: 'https://news.example.com/', timezone: 'UTC' },
  email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: '1 Example Street, Sampletown' },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  data: string;
  out: string;
}

/** Run `digest` with the repository as cwd, its content/ and templates/, and fresh temp folders. */
async function digest(...flags: string[]): Promise<Run> {
  const root = await tempDir('preview');
  const configFile = path.join(root, 'broadsheet.config.json');
  await writeFile(configFile, JSON.stringify(CONFIG));
  const data = path.join(root, 'data');
  const out = path.join(root, 'preview');
  const run = await runMain(['digest', '--config', configFile, '--content', 'content', '--data', data, '--out', out, ...flags], { cwd: REPO, now: NOW });
  return { ...run, data, out };
}

const filesIn = async (dir: string) => readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
const addressesOf = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

describe('broadsheet digest', () => {
  it('writes digest.html, digest.txt and digest.eml and prints the subject and the three paths', async () => {
    const run = await digest();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await filesIn(run.out)).sort()).toEqual(['digest.eml', 'digest.html', 'digest.txt']);

    const eml = await readFile(path.join(run.out, 'digest.eml'));
    const parsed = await simpleParser(eml);
    expect(run.stdout).toContain(`Subject: ${parsed.subject}\n`);
    expect(parsed.subject).toMatch(/^The Sample Times: \d+ new posts in /);
    for (const file of ['digest.html', 'digest.txt', 'digest.eml']) expect(run.stdout).toContain(path.join(run.out, file));
  });

  it('writes a digest.eml whose parts are digest.html and digest.txt', async () => {
    const run = await digest();
    const parsed = await simpleParser(await readFile(path.join(run.out, 'digest.eml')));
    expect(parsed.html).toBe(await readFile(path.join(run.out, 'digest.html'), 'utf8'));
    expect(parsed.text).toBe(await readFile(path.join(run.out, 'digest.txt'), 'utf8'));
    expect(addressesOf(parsed.from)).toEqual(['digest@news.example.com']);
    expect(addressesOf(parsed.to)).toEqual(['digest@news.example.com']);
  });

  it('says so, exits 0 and writes nothing when the window has no posts', async () => {
    const run = await digest('--since', '2026-01-01', '--until', '2026-01-07');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^No posts were published in 2026-01-01T00:00:00\.000Z – 2026-01-08T00:00:00\.000Z .*no files written/);
    expect(await filesIn(run.out)).toEqual([]);
    // Only the post cache (data/cache/) is there: no preview, no signing key, no message.
    expect(await filesIn(run.data)).toEqual(['cache']);
  });

  it('exits 2 naming --since when it is not a date, and writes nothing', async () => {
    const run = await digest('--since', 'nonsense');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^--since expects a date like .*, got "nonsense" \(see `broadsheet digest --help`\)\n$/);
    expect(await filesIn(run.out)).toEqual([]);
    expect(await filesIn(run.data)).toEqual([]);
  });

  it('addresses the preview to --to, with an unsubscribe token that verifies for that address', async () => {
    const run = await digest('--to', 'Reader@Example.com');
    expect(run.code).toBe(0);
    const parsed = await simpleParser(await readFile(path.join(run.out, 'digest.eml')));
    expect(addressesOf(parsed.to)).toEqual(['reader@example.com']);

    const key = (await readFile(path.join(run.data, SECRET_FILE), 'utf8')).trim();
    const list = parsed.headers.get('list') as { unsubscribe?: { url?: string } } | undefined;
    const url = new URL(list?.unsubscribe?.url ?? '');
    expect(url.origin + url.pathname).toBe('https://news.example.com/unsubscribe');
    expect(verifyToken(url.searchParams.get('token') ?? '', key, 'unsubscribe', NOW)).toEqual({ purpose: 'unsubscribe', email: 'reader@example.com' });
    // The footer link in the HTML carries the same token.
    expect(parsed.html).toContain(`href="${url.toString().replace(/&/g, '&amp;')}"`);
  });

  it('includes the posts dated on the --until day', async () => {
    const run = await digest('--until', '2026-11-24');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Digest 2026-11-18..2026-11-25:');
    const text = await readFile(path.join(run.out, 'digest.txt'), 'utf8');
    expect(text).toContain('Νύχτα Μουσείων: Athens keeps 40 museums open until dawn');
    expect(text).toContain('Regional lenders pause buy-now-pay-later partnerships');
    expect(text).not.toContain('Comet C/2026 R2');
  });
});
