// The build cache: one SQLite file, data/cache/build.db, holding what builds keep between runs. Per
// content folder, each post file's head (or problems); per site (a content and out folder pair), the
// last build's state, the build index of its last full build and the rendered feed entries. Every SQL
// statement of the build cache lives here. A file that is damaged, foreign or from a newer Broadsheet is
// ignored and rebuilt: never trusted, never fatal. Loaded by a build where nothing changed: keep it light. I/O.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CacheEntry, PostCache, StoredHead } from '../content/cache-entry.js';
import type { ErrorRecord } from '../errors.js';
import type { FeedEntry } from '../feeds/model.js';
import type { BuildIndex } from './build-index.js';
import type { BuildState } from './build-state.js';
import type { PageRow } from './post-pages.js';
import { makeFolderSync } from './mkdir.js';
import { useWal } from './sqlite-wal.js';

/** The file, under the data folder's cache/ (deleting that folder is always safe: the next build is a first one). */
export const BUILD_CACHE_FILE = 'build.db';

/** Set in the file's header: a SQLite file without it is not a build cache ("BSBC"). */
const APPLICATION_ID = 0x42534243;

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many ran. Never edit one that
 * shipped. What a row holds as JSON is read and written whole, only by this module.
 */
const MIGRATIONS: readonly string[] = [
  `PRAGMA application_id = ${APPLICATION_ID};
   -- Each content folder's posts were read in one timezone (dates without an offset depend on it).
   CREATE TABLE content_folders (
     folder TEXT PRIMARY KEY,
     timezone TEXT NOT NULL
   );
   -- The post cache: each post file's stat, content hash, and its head or its problems (JSON).
   CREATE TABLE posts (
     folder TEXT NOT NULL,
     file TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     hash TEXT NOT NULL,
     head TEXT,
     errors TEXT,
     PRIMARY KEY (folder, file),
     CHECK ((head IS NULL) <> (errors IS NULL))
   );
   -- Each site's last build: the build state (what a build where nothing changed compares with).
   CREATE TABLE builds (
     site TEXT PRIMARY KEY,
     key TEXT NOT NULL,
     next_change_at TEXT,
     outputs TEXT NOT NULL,
     channel_prints TEXT NOT NULL,
     summary TEXT NOT NULL
   );
   -- Each site's build index, written by its last full build.
   CREATE TABLE build_indexes (
     site TEXT PRIMARY KEY,
     inputs_key TEXT NOT NULL,
     published INTEGER NOT NULL,
     files TEXT NOT NULL,
     skipped TEXT NOT NULL,
     pinned TEXT NOT NULL,
     cutoffs TEXT NOT NULL,
     spellings TEXT NOT NULL
   );
   -- Rendered feed entries, by what they depend on: the ones a site's last build showed.
   CREATE TABLE feed_entries (
     site TEXT NOT NULL,
     key TEXT NOT NULL,
     entry TEXT NOT NULL,
     PRIMARY KEY (site, key)
   );`,
  `-- The post pages a site's builds wrote: where, from which post, and the print of what each shows.
   CREATE TABLE post_pages (
     site TEXT NOT NULL,
     file TEXT NOT NULL,
     path TEXT NOT NULL,
     category_slug TEXT NOT NULL,
     category_name TEXT NOT NULL,
     date_ms REAL NOT NULL,
     slug TEXT NOT NULL,
     title TEXT NOT NULL,
     hash TEXT NOT NULL,
     print TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     PRIMARY KEY (site, file)
   );
   CREATE INDEX post_pages_by_category ON post_pages (site, category_slug);`,
  `-- Heads now carry the post's excerpt (the list pages show it without reading bodies): the heads kept
   -- without one are read again from their files.
   DELETE FROM posts;`,
  `-- Heads now carry what the cleanup of scraped bodies found (writer, image credit, posted time, where the
   -- article lies) and its warnings: the heads kept without them are read again from their files.
   DELETE FROM posts;`,
];

/** What builds keep between runs. Sites and content folders are named by short ids (see core/context.ts). */
export interface BuildCache {
  /**
   * The post cache of one content folder, its posts read with `readingKey` (the timezone their dates were
   * read in, and the cleanup rules: read with another, it starts afresh).
   */
  postCache(folder: string, readingKey: string): PostCache;
  /** The build state of the site's last build, if any. */
  readState<Summary>(site: string): BuildState<Summary> | undefined;
  /** The state and the build index together, as one transaction left them. */
  readLastBuild<Summary>(site: string): { state: BuildState<Summary> | undefined; index: BuildIndex | undefined };
  /** The rendered feed entries kept under these keys (those found). */
  readEntries(site: string, keys: Iterable<string>): Map<string, FeedEntry>;
  /** The post pages the site's builds wrote: all of them, or those of these categories (by slug). */
  readPages(site: string, categories?: Iterable<string>): PageRow[];
  /** Where the site's post pages are: what a build where nothing changed reports unchanged besides its outputs. */
  readPagePaths(site: string): string[];
  /**
   * A build's outcome, in one transaction: its state; a full build's index; and its feed entries (those
   * rendered are added, and only those `used` are kept, so the entries never outgrow the feeds).
   */
  saveBuild<Summary>(
    site: string,
    build: {
      state: BuildState<Summary>;
      index?: BuildIndex | undefined;
      entries?: { used: ReadonlySet<string>; rendered: ReadonlyMap<string, FeedEntry> } | undefined;
      /** Post pages written or kept (`put`) and removed (`forget`, by post file). */
      pages?: { put: readonly PageRow[]; forget: readonly string[] } | undefined;
    },
  ): void;
  close(): void;
}

/**
 * Open the build cache under `cacheDir` (made if missing), creating or migrating the file as needed.
 * `log` hears why a file was set aside. Throws only for the folder or the system (permissions, disk).
 */
export function openBuildCache(cacheDir: string, log: (message: string) => void = () => {}): BuildCache {
  makeFolderSync(cacheDir);
  const file = path.join(cacheDir, BUILD_CACHE_FILE);
  let connection = connect(file, log);

  /** `run`, or when the file turns out damaged meanwhile: a fresh file, and `instead` (what an empty cache answers). */
  function guarded<T>(run: () => T, instead: () => T): T {
    try {
      return run();
    } catch (err) {
      if (!isUnusable(err)) throw err;
      log(`build cache ${file} ${damageOf(err)}: rebuilding it`);
      connection.db.close();
      connection = connect(file, log, connection.inode);
      return instead();
    }
  }
  const q = () => connection.q;
  /** `run` in one immediate transaction (it takes the write lock first, so it never fails half-way on a busy file). */
  const transact = (run: () => void) => {
    if (!connection.tuned) {
      // A cache lost to a power cut is rebuilt: no sync on every commit (WAL stays consistent).
      connection.db.pragma('synchronous = NORMAL');
      connection.tuned = true;
    }
    connection.db.transaction(run).immediate();
  };
  const write = (run: () => void) =>
    guarded(
      () => transact(run),
      () => transact(run),
    );

  return {
    postCache(folder, timezone /* the reading key: kept in the column named for what it first held */) {
      return {
        entries(files) {
          return guarded(
            () => {
              // Read in another timezone: nothing cached counts (save() then replaces it all).
              if (q().folderTimezone().get(folder)?.timezone !== timezone) return new Map();
              const rows =
                files === undefined ? q().posts().all(folder) : connection.db.transaction(() => files.flatMap((f) => q().post().get(folder, f) ?? []))();
              return new Map(rows.map((row) => [row.file, entryOf(row)]));
            },
            () => new Map(),
          );
        },
        save(changed, gone) {
          write(() => {
            if (q().folderTimezone().get(folder)?.timezone !== timezone) {
              q().forgetPosts().run(folder);
              q().setFolderTimezone().run(folder, timezone);
            }
            for (const [file, entry] of changed) {
              q()
                .putPost()
                .run(
                  folder,
                  file,
                  entry.size,
                  entry.mtimeMs,
                  entry.hash,
                  // A valid post's warnings ride in its head's JSON (the errors column is for invalid posts).
                  entry.head ? JSON.stringify(entry.warnings ? { ...entry.head, warnings: entry.warnings } : entry.head) : null,
                  entry.head ? null : JSON.stringify(entry.errors ?? []),
                );
            }
            for (const file of gone) q().forgetPost().run(folder, file);
          });
        },
      };
    },

    readState<Summary>(site: string) {
      return guarded(
        () => stateOf<Summary>(q().build().get(site)),
        () => undefined,
      );
    },

    readLastBuild<Summary>(site: string) {
      return guarded(
        () => connection.db.transaction(() => ({ state: stateOf<Summary>(q().build().get(site)), index: indexOf(q().index().get(site)) }))(),
        () => ({ state: undefined, index: undefined }),
      );
    },

    readEntries(site, keys) {
      return guarded(
        () => {
          const found = new Map<string, FeedEntry>();
          connection.db.transaction(() => {
            for (const key of keys) {
              const row = q().entry().get(site, key);
              if (row) found.set(key, feedEntryOf(row.entry));
            }
          })();
          return found;
        },
        () => new Map(),
      );
    },

    readPages(site, categories) {
      return guarded(
        () =>
          categories === undefined
            ? q().pages().all(site).map(pageRowOf)
            : connection.db.transaction(() => [...new Set(categories)].flatMap((c) => q().categoryPages().all(site, c).map(pageRowOf)))(),
        () => [],
      );
    },

    readPagePaths(site) {
      return guarded(
        () => q().pagePaths().all(site),
        () => [],
      );
    },

    saveBuild(site, { state, index, entries, pages }) {
      write(() => {
        q()
          .putBuild()
          .run({
            site,
            key: state.key,
            nextChangeAt: state.nextChangeAt,
            outputs: JSON.stringify(state.outputs),
            channelPrints: JSON.stringify(state.channelPrints),
            summary: JSON.stringify(state.summary),
          });
        if (index) {
          q()
            .putIndex()
            .run({
              site,
              inputsKey: index.inputsKey,
              published: index.published,
              files: JSON.stringify(index.files),
              skipped: JSON.stringify(index.skipped),
              pinned: JSON.stringify(index.pinned),
              cutoffs: JSON.stringify(index.cutoffs),
              spellings: JSON.stringify(index.spellings),
            });
        }
        if (entries) {
          for (const [key, entry] of entries.rendered) q().putEntry().run(site, key, JSON.stringify(entry));
          for (const { key } of q().entryKeys().all(site)) if (!entries.used.has(key)) q().forgetEntry().run(site, key);
        }
        if (pages) {
          for (const file of pages.forget) q().forgetPage().run(site, file);
          for (const r of pages.put) {
            q().putPage().run(site, r.file, r.path, r.categorySlug, r.categoryName, r.dateMs, r.slug, r.title, r.hash, r.print, r.size, r.mtimeMs);
          }
        }
      });
    },

    close() {
      connection.db.close();
    },
  };
}

interface PostRow {
  file: string;
  size: number;
  mtime_ms: number;
  hash: string;
  head: string | null;
  errors: string | null;
}

interface BuildRow {
  key: string;
  next_change_at: string | null;
  outputs: string;
  channel_prints: string;
  summary: string;
}

interface IndexRow {
  inputs_key: string;
  published: number;
  files: string;
  skipped: string;
  pinned: string;
  cutoffs: string;
  spellings: string;
}

/** Every statement, prepared on first use: a build where nothing changed runs one of them. */
function statements(db: Database.Database) {
  const once = <T>(prepare: () => T) => {
    let statement: T | undefined;
    return () => (statement ??= prepare());
  };
  return {
    folderTimezone: once(() => db.prepare<[string], { timezone: string }>('SELECT timezone FROM content_folders WHERE folder = ?')),
    setFolderTimezone: once(() =>
      db.prepare<[string, string]>(
        'INSERT INTO content_folders (folder, timezone) VALUES (?, ?) ON CONFLICT (folder) DO UPDATE SET timezone = excluded.timezone',
      ),
    ),
    posts: once(() => db.prepare<[string], PostRow>('SELECT file, size, mtime_ms, hash, head, errors FROM posts WHERE folder = ?')),
    post: once(() => db.prepare<[string, string], PostRow>('SELECT file, size, mtime_ms, hash, head, errors FROM posts WHERE folder = ? AND file = ?')),
    putPost: once(() =>
      db.prepare<[string, string, number, number, string, string | null, string | null]>(
        'INSERT OR REPLACE INTO posts (folder, file, size, mtime_ms, hash, head, errors) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    ),
    forgetPost: once(() => db.prepare<[string, string]>('DELETE FROM posts WHERE folder = ? AND file = ?')),
    forgetPosts: once(() => db.prepare<[string]>('DELETE FROM posts WHERE folder = ?')),
    build: once(() => db.prepare<[string], BuildRow>('SELECT key, next_change_at, outputs, channel_prints, summary FROM builds WHERE site = ?')),
    putBuild: once(() =>
      db.prepare(
        `INSERT OR REPLACE INTO builds (site, key, next_change_at, outputs, channel_prints, summary)
       VALUES (@site, @key, @nextChangeAt, @outputs, @channelPrints, @summary)`,
      ),
    ),
    index: once(() =>
      db.prepare<[string], IndexRow>('SELECT inputs_key, published, files, skipped, pinned, cutoffs, spellings FROM build_indexes WHERE site = ?'),
    ),
    putIndex: once(() =>
      db.prepare(
        `INSERT OR REPLACE INTO build_indexes (site, inputs_key, published, files, skipped, pinned, cutoffs, spellings)
       VALUES (@site, @inputsKey, @published, @files, @skipped, @pinned, @cutoffs, @spellings)`,
      ),
    ),
    entry: once(() => db.prepare<[string, string], { entry: string }>('SELECT entry FROM feed_entries WHERE site = ? AND key = ?')),
    entryKeys: once(() => db.prepare<[string], { key: string }>('SELECT key FROM feed_entries WHERE site = ?')),
    putEntry: once(() => db.prepare<[string, string, string]>('INSERT OR REPLACE INTO feed_entries (site, key, entry) VALUES (?, ?, ?)')),
    forgetEntry: once(() => db.prepare<[string, string]>('DELETE FROM feed_entries WHERE site = ? AND key = ?')),
    pages: once(() => db.prepare<[string], PageTableRow>(`SELECT ${PAGE_COLUMNS} FROM post_pages WHERE site = ?`)),
    categoryPages: once(() => db.prepare<[string, string], PageTableRow>(`SELECT ${PAGE_COLUMNS} FROM post_pages WHERE site = ? AND category_slug = ?`)),
    putPage: once(() =>
      db.prepare<[string, string, string, string, string, number, string, string, string, string, number, number]>(
        `INSERT OR REPLACE INTO post_pages (site, ${PAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    ),
    pagePaths: once(() => db.prepare<[string], string>('SELECT path FROM post_pages WHERE site = ?').pluck()),
    forgetPage: once(() => db.prepare<[string, string]>('DELETE FROM post_pages WHERE site = ? AND file = ?')),
  };
}

const PAGE_COLUMNS = 'file, path, category_slug, category_name, date_ms, slug, title, hash, print, size, mtime_ms';

interface PageTableRow {
  file: string;
  path: string;
  category_slug: string;
  category_name: string;
  date_ms: number;
  slug: string;
  title: string;
  hash: string;
  print: string;
  size: number;
  mtime_ms: number;
}

const pageRowOf = (r: PageTableRow): PageRow => ({
  file: r.file,
  path: r.path,
  categorySlug: r.category_slug,
  categoryName: r.category_name,
  dateMs: r.date_ms,
  slug: r.slug,
  title: r.title,
  hash: r.hash,
  print: r.print,
  size: r.size,
  mtimeMs: r.mtime_ms,
});

function entryOf(row: PostRow): CacheEntry {
  const base = { size: row.size, mtimeMs: row.mtime_ms, hash: row.hash };
  if (row.head === null) return { ...base, errors: JSON.parse(row.errors!) as ErrorRecord[] };
  const { warnings, ...head } = JSON.parse(row.head) as StoredHead & { warnings?: ErrorRecord[] };
  return { ...base, head, ...(warnings ? { warnings } : {}) };
}

function stateOf<Summary>(row: BuildRow | undefined): BuildState<Summary> | undefined {
  if (row === undefined) return undefined;
  return {
    key: row.key,
    nextChangeAt: row.next_change_at,
    outputs: JSON.parse(row.outputs) as BuildState<Summary>['outputs'],
    channelPrints: JSON.parse(row.channel_prints) as Record<string, string>,
    summary: JSON.parse(row.summary) as Summary,
  };
}

function indexOf(row: IndexRow | undefined): BuildIndex | undefined {
  if (row === undefined) return undefined;
  return {
    inputsKey: row.inputs_key,
    published: row.published,
    files: JSON.parse(row.files) as BuildIndex['files'],
    skipped: JSON.parse(row.skipped) as string[],
    pinned: JSON.parse(row.pinned) as string[],
    cutoffs: JSON.parse(row.cutoffs) as BuildIndex['cutoffs'],
    spellings: JSON.parse(row.spellings) as BuildIndex['spellings'],
  };
}

function feedEntryOf(text: string): FeedEntry {
  const stored = JSON.parse(text) as Omit<FeedEntry, 'published' | 'updated' | 'link'> & { published: string; updated: string; link?: string };
  // Entries kept before items had a link of their own linked to their page.
  return { ...stored, link: stored.link ?? stored.url, published: new Date(stored.published), updated: new Date(stored.updated) };
}

interface Connection {
  db: Database.Database;
  q: ReturnType<typeof statements>;
  /** The file's inode when opened: it is set aside only if no other process has replaced it since. */
  inode: number | undefined;
  /** Set up for writing (done on the first write: a build where nothing changed only reads). */
  tuned: boolean;
}

/** A usable connection: the file as it is, or, when it cannot be used, a fresh one in its place. */
function connect(file: string, log: (message: string) => void, damaged?: number): Connection {
  if (damaged !== undefined) setAside(file, damaged);
  const inode = inodeOf(file);
  try {
    return open(file, inode);
  } catch (err) {
    if (!isUnusable(err)) throw err;
    log(`build cache ${file} ${damageOf(err)}: rebuilding it`);
    setAside(file, inode);
    return open(file, inodeOf(file));
  }
}

function open(file: string, inode: number | undefined): Connection {
  // Two processes (a build beside `start`) may share the file: a write waits for the other's to end. Up to
  // 30 s: a cold build of a large archive saves for seconds, longer on a loaded machine.
  const db = new Database(file, { timeout: 30_000 });
  try {
    // One statement, so one snapshot: read apart, another process's first migration could commit in
    // between (version 0 and no id, then its tables), and a new cache looked like someone else's file.
    const { version, application, tables } = db
      .prepare(
        'SELECT v.user_version AS version, a.application_id AS application, (SELECT count(*) FROM sqlite_schema) AS tables FROM pragma_user_version AS v, pragma_application_id AS a',
      )
      .get() as { version: number; application: number; tables: number };
    if (version > MIGRATIONS.length) throw new UnusableCache(`is from a newer Broadsheet (schema ${version}, this one knows ${MIGRATIONS.length})`);
    if ((version > 0 || tables > 0) && application !== APPLICATION_ID) throw new UnusableCache('is not a build cache');
    if (version < MIGRATIONS.length) {
      // Readers never wait on the writer, and never see half a build (the mode stays with the file).
      useWal(db);
      migrate(db, path.dirname(file));
    }
    return { db, q: statements(db), inode: inode ?? inodeOf(file), tuned: false };
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database.Database, cacheDir: string): void {
  for (;;) {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= MIGRATIONS.length) return;
    db.transaction(() => {
      // Another process may have migrated since the version was read: only one runs each step.
      if ((db.pragma('user_version', { simple: true }) as number) !== version) return;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
    if (version === 0) removeJsonCaches(cacheDir);
  }
}

/**
 * The separate JSON files earlier versions kept in the cache folder (post cache and its journal, build
 * state, build index, rendered entries), removed once, when this file is first made.
 */
function removeJsonCaches(cacheDir: string): void {
  for (const name of readdirSync(cacheDir)) {
    // With the temporary files a crash could leave beside them (`posts-….json.<pid>.<hex>.tmp`, write-file-atomic's `build-….json.<n>`).
    if (/^(posts|build|index|entries)-[0-9a-f]{12}\.(json|journal)(\.[0-9a-z.]+)?$/.test(name)) rmSync(path.join(cacheDir, name), { force: true });
  }
}

/** Set the file (and its WAL and shared-memory files) aside, unless another process has replaced it since it was found damaged. */
function setAside(file: string, inode: number | undefined): void {
  if (inode !== undefined && inodeOf(file) !== inode) return;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

function inodeOf(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}

/** What this Broadsheet cannot use as its build cache, though it opened. */
class UnusableCache extends Error {}

const DAMAGE_CODES = new Set([
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_ERROR',
  'SQLITE_FORMAT',
  'SQLITE_MISMATCH',
  'SQLITE_SCHEMA',
  'SQLITE_CONSTRAINT_CHECK',
]);

/**
 * A damaged or foreign file: not a database, corrupt pages, another schema (SQLITE_ERROR: no such table
 * or column, from statements that are fixed here), rows that do not parse. Not a locked file, a full
 * disk or a folder without permission: those are the system's, reported as they are.
 */
function isUnusable(err: unknown): boolean {
  if (err instanceof UnusableCache || err instanceof SyntaxError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Database.SqliteError && typeof code === 'string' && (DAMAGE_CODES.has(code) || code.startsWith('SQLITE_CORRUPT'));
}

function damageOf(err: unknown): string {
  if (err instanceof UnusableCache) return err.message;
  return `is damaged (${(err as Error).message})`;
}
