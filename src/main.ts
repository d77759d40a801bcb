#!/usr/bin/env node
// Composition root: the only place that touches process (argv, env, exit code, real clock).
import { main } from './drivers/cli.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  now: () => new Date(),
});
