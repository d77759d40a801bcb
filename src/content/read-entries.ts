// Read and parse the post files the cache cannot vouch for. On a cold build of a large archive this
// is most of the work: one reused read buffer and a one-shot hash keep it near the cost of reading. I/O.
// (Worker threads were measured here and were slower on two cores: V8's own background threads
// already keep the second core busy.)
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { cacheEntryOf, contentHash, type CacheEntry } from './cache-entry.js';

export interface ReadJob {
  file: string;
  /** Size and mtime from a scan; without them the file is stat-ed as it is read (one fstat, no second path lookup). */
  size?: number;
  mtimeMs?: number;
  /** Hash of the cached entry this file had, if any: equal bytes need no parse. */
  previousHash?: string;
}

export type ReadOutcome =
  /** The entry holds the file's size and mtime (the job's, or stat-ed while reading). */
  | { entry: CacheEntry }
  /** The bytes are those of the cached entry (the file was only touched). */
  | { same: true }
  | { unreadable: unknown };

/** Files per turn of the event loop: a server in the same process keeps answering during a long build. */
const CHUNK = 250;

/** Every job's outcome, in the jobs' order. */
export async function readEntries(dir: string, jobs: readonly ReadJob[], timezone: string): Promise<ReadOutcome[]> {
  const buffer = new ReusedBuffer();
  const outcomes: ReadOutcome[] = [];
  for (const [i, job] of jobs.entries()) {
    if (i > 0 && i % CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
    let bytes: Buffer;
    let stat: { size: number; mtimeMs: number };
    try {
      ({ bytes, stat } = buffer.read(path.join(dir, job.file), job.size === undefined || job.mtimeMs === undefined ? undefined : { size: job.size, mtimeMs: job.mtimeMs }));
    } catch (cause) {
      outcomes.push({ unreadable: cause });
      continue;
    }
    const hash = contentHash(bytes);
    outcomes.push(hash === job.previousHash ? { same: true } : { entry: cacheEntryOf(job.file, bytes, stat, hash, timezone) });
  }
  return outcomes;
}

/** Reads whole files into one buffer, valid until the next read (posts are a few KB; 50,000 of them). */
class ReusedBuffer {
  private buffer = Buffer.allocUnsafe(256 * 1024);

  read(file: string, known: { size: number; mtimeMs: number } | undefined): { bytes: Buffer; stat: { size: number; mtimeMs: number } } {
    const fd = openSync(file, 'r');
    try {
      const stat = known ?? fstatSync(fd);
      let length = 0;
      for (;;) {
        const n = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        if (n === 0) return { bytes: this.buffer.subarray(0, length), stat: { size: stat.size, mtimeMs: stat.mtimeMs } };
        length += n;
        if (length === this.buffer.length) {
          // A bigger file than any before: grow, keep what was read, go on.
          const grown = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(grown, 0, 0, length);
          this.buffer = grown;
        }
      }
    } finally {
      closeSync(fd);
    }
  }
}

