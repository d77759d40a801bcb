// The key that signs unsubscribe links: BROADSHEET_SECRET, or one generated once and kept under data/. I/O.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeFolder } from '../output/mkdir.js';

export const SECRET_FILE = 'secret.key';

export async function loadSigningKey(dataDir: string, fromEnv: string | undefined): Promise<string> {
  if (fromEnv !== undefined) {
    if (fromEnv.length < 32)
      throw new ConfigError({ field: 'BROADSHEET_SECRET', message: 'is too short: use at least 32 random characters (e.g. `openssl rand -hex 32`)' });
    return fromEnv;
  }
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
