// `broadsheet build`: the site builder alone (no database; a build where nothing changed parses nothing).
import { loadConfig, readOutputSettings } from '../config.js';
import { createSiteBuilder } from '../core/build.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseBuildArgs, runBuild } from '../drivers/cli-build.js';
import { createLogger, lazyLogger } from '../log.js';

export async function buildCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseBuildArgs(args);
  const output = readOutputSettings(io.env, values);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  // Warnings (a damaged build cache set aside) reach stderr; pino loads only with the first line logged.
  const log = lazyLogger(() => createLogger(io.stderr, output.level, output));
  return runBuild(values, io, createSiteBuilder(config, { now: io.now, cwd: io.cwd, log }));
}
