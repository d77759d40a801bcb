// Progress of long work, on stderr: a bar with count, rate and time left on a terminal (cli-progress),
// one line every few seconds otherwise (a log, a CI job, or NO_COLOR: the bar redraws itself with
// terminal escapes), so a quiet run never looks like a hung one.
import type { CliIo } from './cli-args.js';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const EVERY_MS = 5_000;

export async function startProgress(io: Pick<CliIo, 'stderr' | 'env'>, label: string): Promise<Progress> {
  const started = Date.now();
  const rate = (done: number) => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
  const plain = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  if (io.stderr.isTTY && !plain) {
    const { SingleBar } = await import('cli-progress');
    const bar = new SingleBar({
      format: `${label} {bar} {value}/{total} · {rate}/s · {eta_formatted} left`,
      stream: io.stderr as NodeJS.WritableStream,
      barCompleteChar: '#',
      barIncompleteChar: '-',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    let begun = false;
    return {
      update(done, total) {
        if (!begun) {
          bar.start(total, done, { rate: 0 });
          begun = true;
        }
        bar.update(done, { rate: rate(done) });
      },
      stop() {
        if (begun) bar.stop();
        begun = false;
      },
    };
  }
  let last = started;
  let latest: [number, number] | undefined;
  const line = ([done, total]: [number, number]) => io.stderr.write(`${label}: ${done}/${total} (${rate(done)}/s)\n`);
  return {
    update(done, total) {
      latest = [done, total];
      if (Date.now() - last >= EVERY_MS) {
        last = Date.now();
        line(latest);
      }
    },
    stop() {
      // A last line only for work long enough to have had progress lines.
      if (latest && Date.now() - started >= EVERY_MS) line(latest);
    },
  };
}
