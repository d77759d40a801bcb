#!/usr/bin/env node
// The process: the only place that touches it (argv, env, signals, exit code, the real clock). What each
// command is made of is composed in compose.ts.
import module from 'node:module';

// Keep V8's compiled code of every module between runs (in the OS temp folder; NODE_COMPILE_CACHE
// chooses another): a command then starts without compiling what it loads. Before any other import.
module.enableCompileCache?.();
const { main } = await import('./compose.js');

let stopRequested = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopRequested) process.exit(130); // a second Ctrl-C means now
  stopRequested = true;
  process.stderr.write(`${signal}: stopping at the next safe point (press Ctrl-C again to quit at once)\n`);
  // Commands that do not poll shouldStop end on their own; this only backs up a stuck one.
  setTimeout(() => process.exit(130), 30_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  now: () => new Date(),
  shouldStop: () => stopRequested,
  // Questions only when a person is there to answer: stdin and stderr both terminals.
  ...(process.stdin.isTTY && process.stderr.isTTY ? { ask } : {}),
});

async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}
