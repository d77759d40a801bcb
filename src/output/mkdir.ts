// Create a folder and its missing parents, one level at a time. Node's own `mkdir(…, { recursive: true })`
// spins forever where creating a folder says ENOENT although its parent exists (`/proc/nope`: `build --out
// /proc/nope` ran at 100% CPU and ignored SIGTERM): it takes ENOENT to mean "make the parent", finds the
// parent there, and tries again. Here each level is tried once, and the system's own error is thrown
// (its `code`, `path` and `syscall` intact, which pathErrorFrom turns into "--out /proc/nope: …"). I/O.
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Make the folder `dir` (and any missing parent); an existing folder is fine. Throws Node's own error
 * (`code`, `path`, `syscall`) for the level that cannot be made: `EEXIST` when `dir` is a file,
 * `ENOTDIR` under a file, `ENOENT`, `EACCES`, `EROFS`, …
 */
export async function makeFolder(dir: string): Promise<void> {
  // On the thread pool: a build makes a folder per post page, and here each took 0.5 ms of the main thread.
  const target = path.resolve(dir);
  try {
    await mkdir(target);
    return;
  } catch (err) {
    if (isCode(err, 'EEXIST') && (await isFolder(target))) return;
    if (!isCode(err, 'ENOENT')) throw err;
  }
  // A missing parent: rare (once per new folder tree), made level by level as below.
  makeFolderSync(target);
}

/** makeFolder, synchronous: for code that cannot wait (opening the database, writing a cache file). */
export function makeFolderSync(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    try {
      mkdirSync(current);
      if (current === target) return;
      break;
    } catch (err) {
      if (isCode(err, 'EEXIST') && isFolderSync(current)) {
        if (current === target) return;
        break;
      }
      if (!isCode(err, 'ENOENT') || path.dirname(current) === current) throw err;
      missing.push(current);
    }
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (err) {
      if (!(isCode(err, 'EEXIST') && isFolderSync(level))) throw err;
    }
  }
}

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | undefined)?.code === code;

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function isFolderSync(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
