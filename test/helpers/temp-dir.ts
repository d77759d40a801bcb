// Temporary folders for tests, named broadsheet-<name>-XXXXXX under the OS temp folder. One made in a test
// is removed when that test finishes; one a beforeAll makes for several tests is removed by its afterAll.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * A fresh empty folder, removed when the running test finishes (after its afterEach hooks, so processes
 * and stores those close are gone first). Call it inside a test or a beforeEach.
 */
export async function tempDir(name: string): Promise<string> {
  const dir = await sharedTempDir(name);
  onTestFinished(() => removeTempDir(dir));
  return dir;
}

/** A fresh empty folder for several tests (made in a beforeAll): remove it with removeTempDir in the afterAll. */
export function sharedTempDir(name: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `broadsheet-${name}-`));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
