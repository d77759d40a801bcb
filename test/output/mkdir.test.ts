// makeFolder / makeFolderSync: missing parents made one level at a time, existing folders accepted, and
// the system's own error (code, path, syscall) where a folder cannot be made. Node's recursive mkdir
// spins forever on /proc/nope and ignores SIGTERM; these tests run that case in a child process that is
// killed if it does not answer, so a regression fails the test instead of hanging the run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pathErrorFrom, PathError } from '../../src/errors.js';
import { makeFolder, makeFolderSync } from '../../src/output/mkdir.js';
import { tempDir } from '../helpers/temp-dir.js';

const MKDIR_MODULE = fileURLToPath(new URL('../../src/output/mkdir.ts', import.meta.url));
const HAS_PROC = existsSync('/proc/self');

/** What a call threw, or undefined. */
async function thrown(call: () => unknown): Promise<NodeJS.ErrnoException | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

const systemError = (err: NodeJS.ErrnoException | undefined) => err && { code: err.code, path: err.path, syscall: err.syscall };

const both = [
  ['makeFolder', makeFolder],
  ['makeFolderSync', makeFolderSync],
] as const;

describe.each(both)('%s', (_name, make) => {
  it('makes a folder and every missing parent', async () => {
    const root = await tempDir('mkdir');
    const deep = path.join(root, 'a', 'b', 'c');
    await make(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
  });

  it('accepts a folder that exists, and leaves what is in it alone', async () => {
    const root = await tempDir('mkdir');
    await writeFile(path.join(root, 'kept.txt'), 'kept');
    await make(root);
    await make(path.join(root, 'new'));
    await make(path.join(root, 'new'));
    expect((await readdir(root)).sort()).toEqual(['kept.txt', 'new']);
  });

  it('fails with EEXIST on a file, and with ENOTDIR under one, keeping code, path and syscall', async () => {
    const root = await tempDir('mkdir');
    const file = path.join(root, 'file');
    await writeFile(file, '');
    expect(systemError(await thrown(() => make(file)))).toEqual({ code: 'EEXIST', path: file, syscall: 'mkdir' });
    expect(systemError(await thrown(() => make(path.join(file, 'x', 'y'))))).toEqual({ code: 'ENOTDIR', path: path.join(file, 'x', 'y'), syscall: 'mkdir' });
    // What the CLI makes of it: the flag as given, then what is wrong.
    const named = pathErrorFrom(await thrown(() => make(file)), [{ setting: 'paths.out', folder: file, origin: '--out' }]);
    expect(named).toBeInstanceOf(PathError);
    expect((named as PathError).describe()).toBe(`--out ${file}: is a file, not a folder`);
  });
});

describe('makeFolder', () => {
  it('lets many callers make the same folders at once (each level made by one of them, none failing)', async () => {
    const root = await tempDir('mkdir');
    const deep = path.join(root, 'x', 'y', 'z');
    await Promise.all(Array.from({ length: 20 }, () => makeFolder(deep)));
    expect((await stat(deep)).isDirectory()).toBe(true);
  });
});

describe.skipIf(!HAS_PROC)('a folder the system will not make although its parent exists (/proc/nope)', () => {
  it('fails at once with the system error for the level that cannot be made, sync and async', () => {
    // In a child process, killed after 10 s: Node's recursive mkdir would spin here forever.
    const script = `
      const { makeFolder, makeFolderSync } = await import(${JSON.stringify(MKDIR_MODULE)});
      const seen = (err) => ({ code: err?.code, path: err?.path, syscall: err?.syscall });
      const results = {};
      for (const dir of ['/proc/nope', '/proc/nope/a/b']) {
        try { makeFolderSync(dir); results['sync ' + dir] = 'made'; } catch (err) { results['sync ' + dir] = seen(err); }
        try { await makeFolder(dir); results['async ' + dir] = 'made'; } catch (err) { results['async ' + dir] = seen(err); }
      }
      process.stdout.write(JSON.stringify(results));
    `;
    const started = performance.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
    expect(child.signal, 'the child had to be killed: makeFolder looped').toBeNull();
    expect(child.stderr).toBe('');
    const failure = { code: 'ENOENT', path: '/proc/nope', syscall: 'mkdir' };
    expect(JSON.parse(child.stdout)).toEqual({
      'sync /proc/nope': failure,
      'async /proc/nope': failure,
      'sync /proc/nope/a/b': failure,
      'async /proc/nope/a/b': failure,
    });
    expect(performance.now() - started).toBeLessThan(5000);
  }, 15_000);

  it('is named by the flag it came from', async () => {
    const err = await thrown(() => makeFolder('/proc/nope/cache'));
    const named = pathErrorFrom(err, [{ setting: 'paths.data', folder: '/proc/nope', origin: '--data' }]);
    expect((named as PathError).describe()).toBe('--data /proc/nope: cannot be created there');
  }, 5000);
});
