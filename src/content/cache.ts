// The post cache under the data folder: each file's parse, keyed by path, size and modification time
// and verified by content hash, so a rebuild reads only what changed. A corrupt or stale-format cache is
// detected and rebuilt, never trusted. I/O.
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { contentErrorFrom, ContentError } from '../errors.js';
import { excerptOrDerived, countWords, readingMinutes } from './excerpt.js';
import { byFile, inContentDir, listContent, scanOf, scanPostFiles, skippedWarning, statPostFile, type Listing, type Scan, type ScannedFile, type SkippedFile } from './scan.js';
import type { CacheEntry, SerializedPost } from './cache-entry.js';
import { bodyOfSource } from './parse.js';
import { readEntries, readPostFile, type ReadJob, type ReadOutcome } from './read-entries.js';
import { makeFolderSync } from '../output/mkdir.js';
import type { Post } from './schema.js';

/** Bumped whenever what is stored changes meaning: an older cache is then ignored and rewritten. */
const FORMAT = 3;

interface CacheFile {
  format: number;
  timezone: string;
  entries: Record<string, CacheEntry>;
}

export interface LoadedPosts {
  /** Every valid post, drafts and future posts included; `publishPosts` decides what is published. */
  posts: Post[];
  /** Every invalid post, each problem named by file and field. An invalid post is skipped. */
  errors: ContentError[];
  /**
   * Every file or folder skipped, named with the reason ("skipped: a dangling link"): links to folders,
   * broken links, FIFOs and devices named like posts, post files over the size limit. Sorted by file.
   */
  warnings: ContentError[];
  /** Post files seen. */
  files: number;
}

export interface CachedLoad extends LoadedPosts {
  /** The post files as found: the given scan, or one made while reading. */
  scan: Scan;
  /** Content hash of every valid post's file, by post file (keys rendered-entry caches). */
  hashes: Map<string, string>;
  /** Files read and parsed this time (the rest came from the cache). */
  parsed: number;
}

export async function loadPostsCached(
  dir: string,
  /** Without a scan, the files are listed here, and stat-ed as they are read when there is no cache to compare with. */
  scanned: Scan | undefined,
  /** Without `cacheFile`, every file is read and parsed and nothing is kept. */
  options: {
    timezone: string;
    displayDir: string;
    cacheFile?: string | undefined;
    log?: (message: string) => void;
  },
): Promise<CachedLoad> {
  const previous = options.cacheFile === undefined ? undefined : readCache(options.cacheFile, options.timezone, options.log);
  // Nothing cached to compare with (a first build): stat-ing every file before reading it would look each
  // path up twice, which was a tenth of a cold build.
  const listing = scanned === undefined && previous === undefined ? await listContent(dir) : undefined;
  const given = listing === undefined ? (scanned ?? (await scanPostFiles(dir))) : undefined;
  const next: CacheFile = { format: FORMAT, timezone: options.timezone, entries: {} };
  const posts: Post[] = [];
  const errors: ContentError[] = [];
  const hashes = new Map<string, string>();
  let parsed = 0;
  const changes: JournalLine[] = [];

  // An entry of the wrong shape (hand-edited, or half-written by a bug) is parsed again, not trusted:
  // one without a post or errors silently dropped its post, one with half a post crashed the feeds.
  const cachedEntry = (file: string) => (isEntry(previous?.entries[file]) ? previous?.entries[file] : undefined);
  const jobs: ReadJob[] = [];
  for (const { file, size, mtimeMs } of given?.files ?? []) {
    const entry = cachedEntry(file);
    if (!entry || entry.size !== size || entry.mtimeMs !== mtimeMs) jobs.push({ file, size, mtimeMs, ...(entry ? { previousHash: entry.hash } : {}) });
  }
  for (const file of listing?.files ?? []) jobs.push({ file });
  const read = await readEntries(dir, jobs, options.timezone);
  const outcomes = new Map(jobs.map((job, i) => [job.file, read[i]!]));
  const scan = given ?? scanOfListing(dir, listing!, outcomes);
  // Files refused on reading though the given scan listed them (one replaced by a FIFO since, or grown past the limit).
  const refused: SkippedFile[] = [];

  for (const { file, size, mtimeMs } of scan.files) {
    const outcome = outcomes.get(file);
    let entry: CacheEntry;
    if (outcome === undefined) entry = cachedEntry(file)!;
    else if ('skipped' in outcome) {
      refused.push({ file, reason: outcome.skipped });
      continue;
    } else if ('same' in outcome) entry = { ...cachedEntry(file)!, size, mtimeMs }; // touched, not changed
    else if ('entry' in outcome) {
      parsed++;
      entry = outcome.entry;
    } else {
      errors.push(new ContentError({ file: path.join(options.displayDir, file), message: 'cannot be read', cause: outcome.unreadable }));
      continue;
    }
    next.entries[file] = entry;
    if (outcome !== undefined) changes.push({ file, entry });
    const absolute = path.join(dir, file);
    if (entry.post) {
      posts.push(fromSerialized(file, absolute, entry.post));
      hashes.set(file, entry.hash);
    } else {
      for (const e of entry.errors ?? []) {
        errors.push(inContentDir(contentErrorFrom({ ...e, file: e.file ?? file }), options.displayDir));
      }
    }
  }
  // Files gone since, or unreadable now: their entries go too.
  for (const file of Object.keys(previous?.entries ?? {})) if (!(file in next.entries)) changes.push({ file });
  if (options.cacheFile !== undefined) {
    saveCache(options.cacheFile, next, changes, previous && { journalLines: previous.journalLines, entries: Object.keys(previous.entries).length });
  }
  const warnings = [...scan.skipped, ...refused].sort(byFile).map((s) => skippedWarning(s, options.displayDir));
  return { posts, errors, warnings, files: scan.files.length, hashes, parsed, scan };
}

/**
 * The scan of a first build, from its listing and readings: what scanPostFiles will find next time, so
 * an unchanged folder then has the same fingerprint. Each file's size and mtime come from its reading (a
 * file that could not be read is stat-ed); a file refused on reading is a skipped one.
 */
function scanOfListing(dir: string, listing: Listing, outcomes: ReadonlyMap<string, ReadOutcome>): Scan {
  const files: ScannedFile[] = [];
  const skipped = [...listing.skipped];
  for (const file of listing.files) {
    const outcome = outcomes.get(file);
    if (outcome && 'entry' in outcome) files.push({ file, size: outcome.entry.size, mtimeMs: outcome.entry.mtimeMs });
    else if (outcome && 'skipped' in outcome) skipped.push({ file, reason: outcome.skipped });
    else files.push(statPostFile(dir, file));
  }
  return scanOf(files, skipped.sort(byFile));
}

function isEntry(value: unknown): value is CacheEntry {
  const e = value as Partial<CacheEntry> | null | undefined;
  if (typeof e !== 'object' || e === null || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number' || typeof e.hash !== 'string') return false;
  if (e.post !== undefined) return isSerializedPost(e.post);
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => typeof x?.message === 'string');
}

function isSerializedPost(value: unknown): value is SerializedPost {
  const p = value as Partial<SerializedPost> | null;
  const text = (v: unknown) => typeof v === 'string';
  const optionalText = (v: unknown) => v === null || typeof v === 'string';
  return (
    typeof p === 'object' && p !== null && text(p.slug) && text(p.title) && text(p.date) && optionalText(p.updated) &&
    optionalText(p.fmExcerpt) && optionalText(p.coverImage) && optionalText(p.author) && optionalText(p.source) &&
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

const SOURCE = Symbol('source');
const DERIVED = Symbol('derived');

/**
 * A post from its cached fields. Its body is read again from disk on first use: only posts that reach a
 * feed or a digest need one, and keeping 50,000 bodies (or 200,000 closures) in memory is what made
 * large builds heavy. Derived values live in one object shared by copies (withChanges).
 */
class CachedPost implements Post {
  file: string;
  slug: string;
  title: string;
  date: Date;
  updated: Date | undefined;
  coverImage: string | undefined;
  author: string | undefined;
  tags: string[];
  category: { name: string; slug: string };
  source: string | undefined;
  draft: boolean;
  [SOURCE]: { absolute: string; fmExcerpt: string | undefined };
  [DERIVED]: { body?: string; excerpt?: string; wordCount?: number; readingMinutes?: number };

  constructor(file: string, absolute: string, s: SerializedPost) {
    this.file = file;
    this.slug = s.slug;
    this.title = s.title;
    this.date = new Date(s.date);
    this.updated = s.updated ? new Date(s.updated) : undefined;
    this.coverImage = s.coverImage ?? undefined;
    this.author = s.author ?? undefined;
    this.tags = s.tags;
    this.category = s.category;
    this.source = s.source ?? undefined;
    this.draft = s.draft;
    this[SOURCE] = { absolute, fmExcerpt: s.fmExcerpt ?? undefined };
    this[DERIVED] = {};
  }

  // A value assigned (withChanges(post, { excerpt })) becomes the object's own: written into the shared
  // derived values, it changed the original post and every other copy too.
  get body(): string {
    // Read as the loader reads (the file may have become a FIFO since, which a plain read would wait on).
    return (this[DERIVED].body ??= bodyOfSource(readPostFile(this[SOURCE].absolute).toString('utf8')));
  }
  set body(value: string) {
    ownValue(this, 'body', value);
  }
  get excerpt(): string {
    return (this[DERIVED].excerpt ??= excerptOrDerived(this[SOURCE].fmExcerpt, () => this.body, this.title));
  }
  set excerpt(value: string) {
    ownValue(this, 'excerpt', value);
  }
  get wordCount(): number {
    return (this[DERIVED].wordCount ??= countWords(this.body));
  }
  set wordCount(value: number) {
    ownValue(this, 'wordCount', value);
  }
  get readingMinutes(): number {
    return (this[DERIVED].readingMinutes ??= readingMinutes(this.wordCount));
  }
  set readingMinutes(value: number) {
    ownValue(this, 'readingMinutes', value);
  }
}

function ownValue(post: CachedPost, key: 'body' | 'excerpt' | 'wordCount' | 'readingMinutes', value: string | number): void {
  Object.defineProperty(post, key, { value, writable: true, enumerable: true, configurable: true });
}

function fromSerialized(file: string, absolute: string, s: SerializedPost): Post {
  return new CachedPost(file, absolute, s);
}
