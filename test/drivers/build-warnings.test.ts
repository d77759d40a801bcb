// `broadsheet build` says on stderr when it sets aside a damaged build cache (and still builds).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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
