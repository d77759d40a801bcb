// The CLI in process: main(argv, io) with its output kept, for tests that read what a command printed.
import { main } from '../../src/compose.js';

export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runMain(
  argv: readonly string[],
  io: { cwd: string; env?: Record<string, string | undefined>; now: Date; ask?: (question: string) => Promise<string> },
): Promise<MainRun> {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: io.cwd,
    env: io.env ?? {},
    now: () => io.now,
    ...(io.ask ? { ask: io.ask } : {}),
  });
  return { code, stdout, stderr };
}
