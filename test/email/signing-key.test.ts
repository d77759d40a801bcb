// loadSigningKey: BROADSHEET_SECRET when set, otherwise one key generated once under the data folder.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_FILE, loadSigningKey } from '../../src/email/signing-key.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadSigningKey', () => {
  it('uses BROADSHEET_SECRET when it is set, and writes nothing', async () => {
    const data = path.join(await tempDir('key'), 'data');
    const secret = 'x'.repeat(32);
    expect(await loadSigningKey(data, secret)).toBe(secret);
    await expect(stat(data)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a BROADSHEET_SECRET shorter than 32 characters, naming the variable', async () => {
    const err = await rejection(loadSigningKey(await tempDir('key'), 'x'.repeat(31)));
    expect(err.field).toBe('BROADSHEET_SECRET');
    expect(err.describe()).toMatch(/^BROADSHEET_SECRET: is too short/);
    expect(err.describe()).not.toContain('x'.repeat(31));
  });

  it('generates a key once under the data folder, readable by its owner only, and returns it again', async () => {
    const data = path.join(await tempDir('key'), 'nested', 'data');
    const first = await loadSigningKey(data, undefined);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const file = path.join(data, SECRET_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect(await loadSigningKey(data, undefined)).toBe(first);
  });

  it('generates different keys for different data folders', async () => {
    expect(await loadSigningKey(await tempDir('key'), undefined)).not.toBe(await loadSigningKey(await tempDir('key'), undefined));
  });

  it('rejects a stored key that is too short, naming the file', async () => {
    const data = await tempDir('key');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, SECRET_FILE), 'short\n');
    const err = await rejection(loadSigningKey(data, undefined));
    expect(err.file).toBe(path.join(data, SECRET_FILE));
    expect(err.describe()).toContain(`${path.join(data, SECRET_FILE)}: holds a signing key that is too short`);
  });
});
