// `broadsheet digest`: previews of the digest, written as files; no database, no mailer.
import { loadConfig } from '../config.js';
import { createDigestPreviews } from '../core/digests.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseDigestArgs, runDigest } from '../drivers/cli-digest.js';

export async function digestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseDigestArgs(args);
  // --out is where the preview goes, not the site's output folder.
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: { content: values.content, data: values.data } });
  return runDigest(values, io, { config, previews: createDigestPreviews(config, { now: io.now, cwd: io.cwd, env: io.env }) });
}
