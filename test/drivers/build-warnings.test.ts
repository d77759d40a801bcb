// `broadsheet build` says on stderr what it warns about: a damaged build cache it sets aside (and still builds), a
// scraped body whose page furniture it could not cut.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO, SAMPLE_CONTENT, tempSite } from '../helpers/site.js';

const CLI = path.join(REPO, 'dist', 'bin', 'broadsheet.js');

const build = (cwd: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, 'build', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

it('warns, naming the file, when the build cache is damaged, and builds anyway', async () => {
  const { root } = await tempSite('build-warnings', { copy: SAMPLE_CONTENT });
  const first = await build(root);
  expect(first.code).toBe(0);
  expect(first.stderr).toBe('');

  const cacheFile = path.join(root, 'data', 'cache', 'build.db');
  await writeFile(cacheFile, 'not a database, written by mistake\n'.repeat(200));
  const second = await build(root);
  expect(second.code).toBe(0);
  expect(second.stderr).toContain(cacheFile);
  expect(second.stderr).toMatch(/rebuilding it/);
  expect(second.stdout).toMatch(/Built 13 post\(s\)/);

  // --quiet keeps warnings (it leaves out only the informational lines); a cache that is fine says nothing.
  await writeFile(cacheFile, 'damaged again\n'.repeat(200));
  const quiet = await build(root, '--quiet');
  expect(quiet.code).toBe(0);
  expect(quiet.stderr).toContain(cacheFile);
  const calm = await build(root);
  expect(calm.stderr).toBe('');
});

it('warns on every build, naming the file, about a body whose page furniture it could not cut; --strict fails on it; fixed, the warning goes', async () => {
  const { root, content } = await tempSite('cleanup-warnings', { copy: SAMPLE_CONTENT });
  const fixture = await readFile(path.join(REPO, 'test', 'fixtures', 'furniture', 'no-start-evidence.md'), 'utf8');
  await writeFile(path.join(content, '2026-05-09-museum-reopens.md'), fixture);
  const warning = /^warning: content\/2026-05-09-museum-reopens\.md: body: kept as it is: the title is not repeated near the top/m;

  const first = await build(root);
  expect(first.code).toBe(0);
  expect(first.stderr).toMatch(warning);
  expect(first.stderr).toContain('`broadsheet build --explain` on this file');
  expect(first.stdout).toMatch(/with 0 error\(s\) and 1 warning\(s\)/);

  // Another post edited: the next build is incremental, and still reports it (from the post cache).
  const other = path.join(content, '2026-11-27-newsroom-translation-tools-quietly-go-mainstream.md');
  await writeFile(other, `${await readFile(other, 'utf8')}\nOne more line.\n`);
  const again = await build(root);
  expect(again.code).toBe(0);
  expect(again.stdout).not.toMatch(/full build/);
  expect(again.stderr).toMatch(warning);

  const strict = await build(root, '--strict');
  expect(strict.code).toBe(1);
  expect(strict.stderr).toMatch(warning);

  // The publisher opts the post out: no warning any more.
  await writeFile(path.join(content, '2026-05-09-museum-reopens.md'), fixture.replace('author: NewsBot', 'author: NewsBot\nclean: false'));
  const fixed = await build(root);
  expect(fixed.code).toBe(0);
  expect(fixed.stderr).toBe('');
});
