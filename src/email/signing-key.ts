// The key that signs unsubscribe links: BROADSHEET_SECRET, or one generated once and kept under data/ (on
// SQLite only: instances sharing PostgreSQL must share the key too). I/O.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeFolder } from '../output/mkdir.js';

export const SECRET_FILE = 'secret.key';

/**
 * With subscribers in PostgreSQL, any instance may check a link another signed: they must all have one key,
 * and a key generated under one machine's data folder would be that machine's alone.
 */
export function sharedKeyMissing(): ConfigError {
  return new ConfigError({
    field: 'BROADSHEET_SECRET',
    message: 'must be set when subscribers live in PostgreSQL: every instance signs and checks links with it, so all need the same one',
    hint: 'set it to the same value on every instance (`openssl rand -hex 32`); moving from SQLite, use the key in data/secret.key so links already sent keep working',
  });
}

export async function loadSigningKey(dataDir: string, fromEnv: string | undefined, shared = false): Promise<string> {
  if (fromEnv !== undefined) {
    if (fromEnv.length < 32)
      throw new ConfigError({ field: 'BROADSHEET_SECRET', message: 'is too short: use at least 32 random characters (e.g. `openssl rand -hex 32`)' });
    return fromEnv;
  }
  if (shared) throw sharedKeyMissing();
  const file = path.join(dataDir, SECRET_FILE);
  const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new ConfigError({ file, message: 'cannot read the signing key', cause: err });
  });
  if (existing !== undefined) {
    const key = existing.trim();
    if (key.length < 32)
      throw new ConfigError({
        file,
        message: 'holds a signing key that is too short',
        hint: 'delete it to have a new one generated (old unsubscribe links stop working)',
      });
    return key;
  }
  await makeFolder(dataDir);
  const key = randomBytes(32).toString('hex');
  try {
    // 'wx' fails if another process created it first; then theirs is the key.
    await writeFile(file, `${key}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw new ConfigError({ file, message: 'cannot store the generated signing key', cause: err });
  }
}
