// Read and parse the post files the cache cannot vouch for. On a cold build of a large archive this
// is most of the work: one reused read buffer and a one-shot hash keep it near the cost of reading. I/O.
// (Worker threads were measured here and were slower on two cores: V8's own background threads
// already keep the second core busy.)
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { cacheEntryOf, contentHash, type CacheEntry } from './cache-entry.js';
import { ContentError } from '../errors.js';
import type { ReadOptions } from './front-matter.js';
import { MAX_POST_BYTES, refusalOf, tooBigReason } from './scan.js';

export interface ReadJob {
  file: string;
  /** Size and mtime from a scan; without them the ones fstat gives while reading are used. */
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
  /** Not read: not a regular file, or over the size limit (the words after "skipped: "). */
  | { skipped: string }
  | { unreadable: unknown };

/** Files per turn of the event loop: a server in the same process keeps answering during a long build. */
const CHUNK = 250;

/** Every job's outcome, in the jobs' order. */
export async function readEntries(dir: string, jobs: readonly ReadJob[], options: ReadOptions): Promise<ReadOutcome[]> {
  const buffer = new ReusedBuffer();
  const outcomes: ReadOutcome[] = [];
  for (const [i, job] of jobs.entries()) {
    if (i > 0 && i % CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
    let read: ReturnType<ReusedBuffer['read']>;
    try {
      read = buffer.read(path.join(dir, job.file));
    } catch (cause) {
      outcomes.push({ unreadable: cause });
      continue;
    }
    if ('refused' in read) {
      outcomes.push({ skipped: read.refused });
      continue;
    }
    // The scan's size and mtime, when there was one: the cache compares the next scan with them.
    const stat = job.size === undefined || job.mtimeMs === undefined ? read.stat : { size: job.size, mtimeMs: job.mtimeMs };
    const hash = contentHash(read.bytes);
    outcomes.push(hash === job.previousHash ? { same: true } : { entry: cacheEntryOf(job.file, read.bytes, stat, hash, options) });
  }
  return outcomes;
}

/**
 * One post file's bytes, read as the loader reads them (a regular file within the size limit), for a
 * post's body read later. Throws the system's error, or a ContentError saying why the file was refused.
 */
export function readPostFile(file: string): Buffer {
  const read = new ReusedBuffer(0).read(file);
  if ('refused' in read) throw new ContentError({ file, message: read.refused });
  return read.bytes;
}

/**
 * Opened without blocking: a plain open of a FIFO waits for a writer, forever (a FIFO named `x.md` hung
 * the build). The flag changes nothing for a regular file; anything else is refused after fstat.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Reads whole files into one buffer, valid until the next read (posts are a few KB; 50,000 of them). */
class ReusedBuffer {
  private buffer: Buffer;

  constructor(initial = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  read(file: string): { bytes: Buffer; stat: { size: number; mtimeMs: number } } | { refused: string } {
    const fd = openSync(file, OPEN_FLAGS);
    try {
      const stat = fstatSync(fd);
      const refused = refusalOf(stat);
      if (refused !== undefined) return { refused };
      // Room for the whole file and one byte more (to see its end in one read); never more than the limit allows.
      const room = Math.min(stat.size, MAX_POST_BYTES) + 1;
      if (this.buffer.length < room) this.grow(room);
      let length = 0;
      for (;;) {
        const n = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        if (n === 0) return { bytes: this.buffer.subarray(0, length), stat: { size: stat.size, mtimeMs: stat.mtimeMs } };
        length += n;
        // Grown past the limit while being read (a log appended to): refused like one that was too big.
        if (length > MAX_POST_BYTES) return { refused: tooBigReason(length) };
        if (length === this.buffer.length) this.grow(this.buffer.length * 2, length);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** A bigger file than any before: grow, keeping what was read. */
  private grow(size: number, keep = 0): void {
    const grown = Buffer.allocUnsafe(Math.max(size, 1024));
    this.buffer.copy(grown, 0, 0, keep);
    this.buffer = grown;
  }
}
