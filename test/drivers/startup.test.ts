// Each command loads only what it uses: the built CLI (dist/bin/broadsheet.js) run as a real process
// with a module-recording hook, then asked which packages went into it. Bundled packages are found
// through the source maps of the chunks that were loaded; external ones (fastify, nodemailer, mjml,
// better-sqlite3, …) by their node_modules paths. Behaviour, not time: `npm run bench` has the times.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentFixture, sharedTempSite } from '../helpers/site.js';
import { removeTempDir } from '../helpers/temp-dir.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');
const HOOK = path.join(REPO, 'test', 'helpers', 'record-modules.mjs');
const SERVER_AND_MAIL = ['fastify', 'nodemailer', 'mjml'];
const RENDERING = ['markdown-it', 'sanitize-html', 'liquidjs', 'feedsmith', 'feed', 'gray-matter', 'js-yaml'];

function packageOf(file: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}

/** Run the CLI; the packages it loaded (bundled into a loaded chunk, or loaded from node_modules). */
function run(args: string[], cwd: string) {
  const record = path.join(cwd, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BROADSHEET_RECORD_MODULES: record },
  });
  const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  rmSync(record);
  const packages = new Set<string>();
  for (const url of urls) {
    if (!url.startsWith('file://')) continue;
    const file = fileURLToPath(url);
    if (file.startsWith(path.join(REPO, 'dist', 'bin'))) {
      const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      for (const source of map.sources) {
        const name = packageOf(source);
        if (name) packages.add(name);
      }
    } else {
      const name = packageOf(file);
      if (name) packages.add(name);
    }
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, packages };
}

let site: string;
beforeAll(async () => {
  site = (await sharedTempSite('startup', { copy: contentFixture('load-basic') })).root;
});
afterAll(() => removeTempDir(site));

describe('what each command loads', () => {
  it('--help loads neither the server, the mailer, MJML nor any renderer', () => {
    const { status, stdout, packages } = run(['--help'], site);
    expect(status).toBe(0);
    expect(stdout).toContain('Usage: broadsheet');
    for (const name of [...SERVER_AND_MAIL, ...RENDERING, 'zod', 'better-sqlite3']) expect(packages, name).not.toContain(name);
  });

  it('--version prints the package version and loads nothing more than --help', () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) {
      const { status, stdout, packages } = run([flag], site);
      expect(status, flag).toBe(0);
      expect(stdout, flag).toBe(`broadsheet ${version}\n`);
      for (const name of [...SERVER_AND_MAIL, ...RENDERING, 'zod']) expect(packages, `${flag}: ${name}`).not.toContain(name);
    }
  });

  it('a first build renders (markdown-it, the sanitizer, feeds) without the server, the mailer or MJML', () => {
    const { status, stderr, packages } = run(['build'], site);
    expect(status, stderr).toBe(0);
    // The detector sees bundled packages: a build that renders loads these.
    for (const name of ['markdown-it', 'sanitize-html', 'feed', 'zod']) expect(packages, name).toContain(name);
    for (const name of SERVER_AND_MAIL) expect(packages, name).not.toContain(name);
  });

  it('a build where nothing changed loads no parser or renderer at all', () => {
    expect(run(['build'], site).status).toBe(0);
    const { status, stdout, packages } = run(['build'], site);
    expect(status).toBe(0);
    expect(stdout).toContain('nothing changed since the last build');
    for (const name of [...SERVER_AND_MAIL, ...RENDERING, 'write-file-atomic']) expect(packages, name).not.toContain(name);
  });

  it('status and subscribers list open the database without the server, the mailer or MJML', () => {
    for (const args of [['status'], ['subscribers', 'list']]) {
      const { status, stderr, packages } = run(args, site);
      expect(status, `${args.join(' ')}: ${stderr}`).toBe(0);
      expect(packages, args.join(' ')).toContain('better-sqlite3');
      for (const name of [...SERVER_AND_MAIL, ...RENDERING]) expect(packages, `${args.join(' ')}: ${name}`).not.toContain(name);
    }
  });
});
