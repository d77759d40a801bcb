// Switching a SQLite file to write-ahead logging, safely beside other processes. I/O.
import type Database from 'better-sqlite3';

/**
 * Put the file in WAL mode (a no-op when it is already). Changing the journal mode needs the file to
 * itself, and SQLite answers SQLITE_BUSY at once rather than waiting through the busy timeout: two
 * processes opening a new file together (two builds, `start` and a command) saw "database is locked".
 * So: look first, and retry a busy change for up to `timeoutMs`.
 */
export function useWal(db: Database.Database, timeoutMs = 30_000): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY') !== true || Date.now() > deadline) throw err;
      // A short, growing, jittered pause: the other process's switch or first write takes milliseconds.
      Atomics.wait(PAUSE, 0, 0, Math.min(200, 5 * 2 ** Math.min(attempt, 5)) + Math.random() * 10);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
