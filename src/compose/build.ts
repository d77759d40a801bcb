// `broadsheet build`: the site builder alone (no database; a build where nothing changed parses nothing).
import { loadConfig } from '../config.js';
import { createSiteBuilder } from '../core/build.js';
import type { CliIo } from '../drivers/cli-args.js';
import { parseBuildArgs, runBuild } from '../drivers/cli-build.js';

export async function buildCommand(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseBuildArgs(args);
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  return runBuild(values, io, createSiteBuilder(config, { now: io.now, cwd: io.cwd }));
}
