// The post cache under the data folder: each file's parse, keyed by path, size and modification time
// and verified by content hash, so a rebuild reads only what changed. A corrupt or stale-format cache is
// detected and rebuilt, never trusted. I/O.
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CacheEntry, PostCache, StoredHead } from './cache-entry.js';
import { makeFolderSync } from '../output/mkdir.js';

/** Bumped whenever what is stored changes meaning: an older cache is then ignored and rewritten. */
const FORMAT = 4;

interface CacheFile {
  format: number;
  timezone: string;
  entries: Record<string, CacheEntry>;
}

/**
 * The post cache of one content folder in `file`, its dates read in `timezone` (a cache read in another
 * timezone, or of another format, is ignored and rewritten).
 */
export function jsonPostCache(file: string, timezone: string, log?: (message: string) => void): PostCache {
  let previous: ReturnType<typeof readCache>;
  let read = false;
  return {
    entries(files) {
      if (!read) {
        previous = readCache(file, timezone, log);
        read = true;
      }
      const all = previous?.entries ?? {};
      const names = files ?? Object.keys(all);
      // An entry of the wrong shape (hand-edited, or half-written by a bug) is parsed again, not trusted:
      // one without a post or errors silently dropped its post, one with half a post crashed the feeds.
      return new Map(names.filter((name) => isEntry(all[name])).map((name) => [name, all[name]!] as const));
    },
    save(changed, gone) {
      const next: CacheFile = { format: FORMAT, timezone, entries: { ...(previous?.entries ?? {}) } };
      const changes: JournalLine[] = [];
      for (const [name, entry] of changed) {
        next.entries[name] = entry;
        changes.push({ file: name, entry });
      }
      for (const name of gone) {
        delete next.entries[name];
        changes.push({ file: name });
      }
      saveCache(file, next, changes, previous && { journalLines: previous.journalLines, entries: Object.keys(previous.entries).length });
    },
  };
}

function isEntry(value: unknown): value is CacheEntry {
  const e = value as Partial<CacheEntry> | null | undefined;
  if (typeof e !== 'object' || e === null || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number' || typeof e.hash !== 'string') return false;
  if (e.head !== undefined) return isSerializedPost(e.head);
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => typeof x?.message === 'string');
}

function isSerializedPost(value: unknown): value is StoredHead {
  const p = value as Partial<StoredHead> | null;
  const text = (v: unknown) => typeof v === 'string';
  const optionalText = (v: unknown) => v === null || typeof v === 'string';
  return (
    typeof p === 'object' && p !== null && text(p.slug) && text(p.title) && text(p.date) && optionalText(p.updated) &&
    optionalText(p.frontMatterExcerpt) && optionalText(p.coverImage) && optionalText(p.author) && optionalText(p.source) &&
    Array.isArray(p.tags) && p.tags.every(text) && text(p.category?.name) && text(p.category?.slug) && typeof p.draft === 'boolean'
  );
}

/**
 * Written in pieces to a temporary file, then renamed into place (never half-written; not fsynced: a
 * cache lost to a power cut is rebuilt). One JSON string of 50,000 entries was the peak of a cold build's
 * memory.
 */
function writeCache(file: string, cache: CacheFile): void {
  makeFolderSync(path.dirname(file));
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined = openSync(temporary, 'w');
  try {
    writeSync(fd, `{"format":${cache.format},"timezone":${JSON.stringify(cache.timezone)},"entries":{`);
    let piece: string[] = [];
    let written = false;
    const flush = () => {
      if (piece.length === 0) return;
      writeSync(fd!, `${written ? ',' : ''}${piece.join(',')}`);
      written = true;
      piece = [];
    };
    for (const [name, entry] of Object.entries(cache.entries)) {
      piece.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
      if (piece.length === 1000) flush();
    }
    flush();
    writeSync(fd, '}}');
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}

function readCache(file: string, timezone: string, log?: (message: string) => void): (CacheFile & { journalLines: number }) | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let cache: CacheFile;
  try {
    cache = JSON.parse(text) as CacheFile;
    if (cache?.format !== FORMAT || cache.timezone !== timezone || typeof cache.entries !== 'object' || cache.entries === null) {
      log?.(`post cache ${file} is from another version or timezone: rebuilding it`);
      return undefined;
    }
  } catch {
    log?.(`post cache ${file} is corrupt: rebuilding it`);
    return undefined;
  }
  // Then the journal: entries written since, one JSON line each, later lines winning. A line that does
  // not parse (the end of an append cut short) ends it. Entries are checked against the files anyway.
  let journalLines = 0;
  let journal = '';
  try {
    journal = readFileSync(journalOf(file), 'utf8');
  } catch {
    // no journal
  }
  for (const line of journal.split('\n')) {
    if (line === '') continue;
    let change: JournalLine;
    try {
      change = JSON.parse(line) as JournalLine;
    } catch {
      break;
    }
    if (typeof change?.file !== 'string') break;
    if (change.entry === undefined) delete cache.entries[change.file];
    else cache.entries[change.file] = change.entry;
    journalLines++;
  }
  return { ...cache, journalLines };
}

/** One change to the post cache since it was last written whole: an entry, or none (the file is gone). */
interface JournalLine {
  file: string;
  entry?: CacheEntry;
}

const journalOf = (cacheFile: string) => `${cacheFile.replace(/\.json$/, '')}.journal`;

/**
 * Save the entries: a few changes are appended to the journal (a rebuild after one new post wrote the
 * whole cache, 30 MB at 50,000 posts); many, or a long journal, rewrite the cache and drop the journal.
 */
function saveCache(file: string, next: CacheFile, changes: JournalLine[], previous: { journalLines: number; entries: number } | undefined): void {
  if (changes.length === 0) return;
  const limit = Math.max(1000, Math.floor((previous?.entries ?? 0) / 10));
  if (previous !== undefined && previous.journalLines + changes.length <= limit) {
    appendFileSync(journalOf(file), changes.map((c) => `${JSON.stringify(c)}\n`).join(''));
    return;
  }
  writeCache(file, next);
  rmSync(journalOf(file), { force: true });
}

