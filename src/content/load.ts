// Every post file under the content folder → its head (front matter, file, content hash), or every
// problem found in it. Only the files the post cache cannot vouch for (by path, size and mtime, then
// by content hash) are read and parsed. Bodies are not read here (see read-bodies.ts). I/O.
import path from 'node:path';
import { contentErrorFrom, ContentError } from '../errors.js';
import { headOf, type CacheEntry, type PostCache } from './cache-entry.js';
import { readEntries, type ReadJob, type ReadOutcome } from './read-entries.js';
import {
  byFile,
  inContentDir,
  listContent,
  scanOf,
  scanPostFiles,
  skippedWarning,
  statPostFile,
  type Listing,
  type Scan,
  type ScannedFile,
  type SkippedFile,
} from './scan.js';
import type { PostHead } from './schema.js';
import type { ReadOptions } from './front-matter.js';

export { listPostFiles } from './scan.js';

export interface LoadedPosts {
  /** The head of every valid post, drafts and future posts included; `publishPosts` decides what is published. */
  posts: PostHead[];
  /** Every invalid post, each problem named by file and field. An invalid post is skipped. */
  errors: ContentError[];
  /**
   * Every file or folder skipped, named with the reason ("skipped: a dangling link"): links to folders,
   * broken links, FIFOs and devices named like posts, post files over the size limit (sorted by file);
   * then what reading valid posts warned about: a body whose page furniture could not be cut, a posted
   * time on another day than the date (see parseHead).
   */
  warnings: ContentError[];
  /** Post files seen. */
  files: number;
  /** The post files as found: the given scan, or one made while reading. */
  scan: Scan;
  /** Files read and parsed this time (the rest came from the post cache). */
  parsed: number;
}

export interface LoadOptions extends ReadOptions {
  /** How messages name the content folder (as the user wrote it); defaults to `dir`. */
  displayDir?: string;
  /** Without a post cache, every file is read and parsed and nothing is kept. */
  cache?: PostCache | undefined;
  /** The scan lists only some of the post files (a partial build): only their entries are looked up, no other is forgotten. */
  subset?: boolean;
  /** Look entries up but save none: a build that writes only its state leaves the post cache as it was. */
  readOnly?: boolean;
}

export async function loadPosts(
  dir: string,
  /** Without a scan, the files are listed here, and stat-ed as they are read when there is no cache to compare with. */
  scanned: Scan | undefined,
  options: LoadOptions,
): Promise<LoadedPosts> {
  const kept = options.cache?.entries(options.subset ? scanned?.files.map((f) => f.file) : undefined);
  const previous = kept !== undefined && kept.size > 0 ? kept : undefined;
  // Nothing cached to compare with (a first build): stat-ing every file before reading it would look each
  // path up twice, which was a tenth of a cold build.
  const listing = scanned === undefined && previous === undefined ? await listContent(dir) : undefined;
  const given = listing === undefined ? (scanned ?? (await scanPostFiles(dir))) : undefined;
  const posts: PostHead[] = [];
  const errors: ContentError[] = [];
  let parsed = 0;

  const jobs: ReadJob[] = [];
  for (const { file, size, mtimeMs } of given?.files ?? []) {
    const entry = previous?.get(file);
    if (!entry || entry.size !== size || entry.mtimeMs !== mtimeMs) jobs.push({ file, size, mtimeMs, ...(entry ? { previousHash: entry.hash } : {}) });
  }
  for (const file of listing?.files ?? []) jobs.push({ file });
  const read = await readEntries(dir, jobs, { timezone: options.timezone, rules: options.rules });
  const displayDir = options.displayDir ?? dir;
  const outcomes = new Map(jobs.map((job, i) => [job.file, read[i]!]));
  const scan = given ?? scanOfListing(dir, listing!, outcomes);
  // Files refused on reading though the given scan listed them (one replaced by a FIFO since, or grown past the limit).
  const refused: SkippedFile[] = [];
  const changed: Array<[string, CacheEntry]> = [];
  const current = new Set<string>();
  const cleanup: ContentError[] = [];

  for (const { file, size, mtimeMs } of scan.files) {
    const outcome = outcomes.get(file);
    let entry: CacheEntry;
    if (outcome === undefined) entry = previous!.get(file)!;
    else if ('skipped' in outcome) {
      refused.push({ file, reason: outcome.skipped });
      continue;
    } else if ('same' in outcome)
      entry = { ...previous!.get(file)!, size, mtimeMs }; // touched, not changed
    else if ('entry' in outcome) {
      parsed++;
      entry = outcome.entry;
    } else {
      errors.push(new ContentError({ file: path.join(displayDir, file), message: 'cannot be read', cause: outcome.unreadable }));
      continue;
    }
    current.add(file);
    if (outcome !== undefined) changed.push([file, entry]);
    if (entry.head) {
      posts.push(headOf(file, entry.hash, entry.head));
      for (const w of entry.warnings ?? []) cleanup.push(inContentDir(contentErrorFrom({ ...w, file: w.file ?? file }), displayDir));
    } else {
      for (const e of entry.errors ?? []) errors.push(inContentDir(contentErrorFrom({ ...e, file: e.file ?? file }), displayDir));
    }
  }
  // Files gone since, or unreadable now: their entries go too.
  const gone = [...(previous?.keys() ?? [])].filter((file) => !current.has(file));
  if (!options.readOnly && (changed.length > 0 || gone.length > 0)) options.cache?.save(changed, gone);
  // Skipped files first, then what reading the posts warned about (in the scan's order, by file).
  const warnings = [...[...scan.skipped, ...refused].sort(byFile).map((s) => skippedWarning(s, displayDir)), ...cleanup];
  return { posts, errors, warnings, files: scan.files.length, parsed, scan };
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
