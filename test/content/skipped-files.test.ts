// What a content folder may hold besides posts (issue #13, section 4): links to folders (never followed,
// so never a loop), broken links, FIFOs and devices named like posts, files over the size limit. Each is
// skipped and named in the build report with the reason, and the other posts still build. Real files,
// links and FIFOs in a temp folder; builds run through main(argv, io) in this process.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { loadPosts } from '../../src/content/load.js';
import { readBodies } from '../../src/content/read-bodies.js';
import { readEntries } from '../../src/content/read-entries.js';
import { MAX_POST_BYTES, refusalOf, scanPostFiles } from '../../src/content/scan.js';
import { ContentError } from '../../src/errors.js';
import { openBuildCache } from '../../src/output/build-cache.js';
import { writePostFile } from '../helpers/posts.js';
import { TEMPLATES, tempSite } from '../helpers/site.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The post cache of the workspace's content folder, in a build cache under `root` (open until the process ends). */
const postCache = (root: string) => openBuildCache(path.join(root, 'cache')).postCache('content', 'UTC');
const NOW = new Date('2026-11-29T12:00:00Z');
const FOLDER_LINK = 'skipped: a symlink to a folder (folders are not followed through links)';

let helpers: ChildProcess[] = [];
afterEach(() => {
  for (const helper of helpers) helper.kill('SIGKILL');
  helpers = [];
});

interface BuildRun {
  code: number;
  stderr: string;
  /** The `build --json` document. */
  report: {
    mode: string;
    reason: string | null;
    aborted: boolean;
    files: number;
    published: number;
    errors: Array<{ file: string | null; message: string }>;
    warnings: Array<{ file: string | null; message: string }>;
  };
}

interface Workspace {
  root: string;
  content: string;
  build(...args: string[]): Promise<BuildRun>;
  /** Titles of the site feed's items, as a reader gets them. */
  feedTitles(): Promise<string[]>;
}

/** A folder with a config and three posts in content/; builds write to public/ and data/ inside it. */
async function workspace(): Promise<Workspace> {
  const { root, content, configFile } = await tempSite('skipped', {
    posts: [1, 2, 3].map((i) => ({ file: `post-${i}.md`, title: `Post ${i}`, date: `2026-11-2${i}`, category: 'News' })),
    config: {
      site: { title: 'The Sample Times', url: 'https://news.example.com/', timezone: 'UTC' },
      paths: { templates: TEMPLATES },
    },
  });
  return {
    root,
    content,
    async build(...args) {
      const { code, stdout, stderr } = await runMain(['build', '--config', configFile, '--json', ...args], { cwd: root, now: NOW });
      return { code, stderr, report: stdout ? JSON.parse(stdout) : undefined };
    },
    async feedTitles() {
      const feed = JSON.parse(await readFile(path.join(root, 'public', 'feed.json'), 'utf8')) as { items: Array<{ title: string }> };
      return feed.items.map((item) => item.title).sort();
    },
  };
}

/** The report's warnings as the CLI prints them: `file: message`. */
const warningsOf = (run: BuildRun) => run.report.warnings.map((w) => `${w.file}: ${w.message}`);

/**
 * A FIFO at `file`, and a helper process that opens it for writing after `afterMs` and closes it again.
 * Code that opened the FIFO with a plain (blocking) open would wait for that, then read nothing: it
 * fails a timing check instead of hanging the test run (a blocking open cannot be interrupted).
 */
async function fifoThatUnblocksLater(file: string, afterMs = 3000): Promise<void> {
  execFileSync('mkfifo', [file]);
  // O_RDWR on a FIFO never blocks the helper itself; its exit closes the FIFO, so a blocked reader gets EOF.
  const helper = spawn('sh', ['-c', `sleep ${afterMs / 1000}; exec 3<>"$0"`, file], { stdio: 'ignore' });
  helpers.push(helper);
}

describe('links to folders are never followed', () => {
  it('publishes each post once with a link to the folder itself (mirror -> .), and names the link as skipped', async () => {
    const ws = await workspace();
    await symlink('.', path.join(ws.content, 'mirror'));
    for (const run of ['first', 'up-to-date']) {
      const { code, stderr, report } = await ws.build();
      expect([code, stderr], run).toEqual([0, '']);
      expect([report.files, report.published], run).toEqual([3, 3]);
      expect(warningsOf({ code, stderr, report }), run).toEqual([`${path.join('content', 'mirror')}: ${FOLDER_LINK}`]);
    }
    expect(await ws.feedTitles()).toEqual(['Post 1', 'Post 2', 'Post 3']);
  });

  it('finishes quickly with links to the parent and to the folder (up -> .., self -> .), each post once, both links named', async () => {
    const ws = await workspace();
    await symlink('..', path.join(ws.content, 'up'));
    await symlink('.', path.join(ws.content, 'self'));
    // And one level down, a link back up: still no loop.
    await mkdir(path.join(ws.content, 'nested'));
    await writePostFile(path.join(ws.content, 'nested'), { file: 'post-4.md', title: 'Post 4', date: '2026-11-24', category: 'News' });
    await symlink('..', path.join(ws.content, 'nested', 'back'));
    const started = performance.now();
    const run = await ws.build();
    // Following these links listed the posts again at every level: minutes and gigabytes.
    expect(performance.now() - started).toBeLessThan(5000);
    expect([run.code, run.stderr, run.report.published]).toEqual([0, '', 4]);
    expect(warningsOf(run)).toEqual([
      `${path.join('content', 'nested', 'back')}: ${FOLDER_LINK}`,
      `${path.join('content', 'self')}: ${FOLDER_LINK}`,
      `${path.join('content', 'up')}: ${FOLDER_LINK}`,
    ]);
    expect(await ws.feedTitles()).toEqual(['Post 1', 'Post 2', 'Post 3', 'Post 4']);
  }, 20_000);
});

describe('links to files', () => {
  it('publishes a .md link to a regular file outside the folder and one inside it, and picks up edits to the target', async () => {
    const ws = await workspace();
    const elsewhere = path.join(ws.root, 'elsewhere');
    await mkdir(elsewhere);
    await writePostFile(elsewhere, { file: 'outside.md', title: 'From outside', date: '2026-11-25', category: 'News' });
    await symlink(path.join(elsewhere, 'outside.md'), path.join(ws.content, 'outside.md'));
    // A file inside the folder not named like a post, published through a link that is.
    await writePostFile(ws.content, { file: 'source.txt', title: 'Through a link', date: '2026-11-26', category: 'News' });
    await symlink('source.txt', path.join(ws.content, 'linked.md'));

    const first = await ws.build();
    expect([first.code, first.report.published, first.report.warnings, first.report.errors]).toEqual([0, 5, [], []]);
    expect(await ws.feedTitles()).toEqual(['From outside', 'Post 1', 'Post 2', 'Post 3', 'Through a link']);

    // The scan stats what the link points to: an edit of the target is a change like any other.
    await writePostFile(elsewhere, { file: 'outside.md', title: 'From outside, edited', date: '2026-11-25', category: 'News' });
    const second = await ws.build();
    expect(second.report.mode).not.toBe('up-to-date');
    expect(await ws.feedTitles()).toContain('From outside, edited');
  });
});

describe('broken links named like posts', () => {
  it('names a dangling and a looping .md link as skipped, and builds the other posts, on a first and on cached builds', async () => {
    const ws = await workspace();
    await symlink(path.join(ws.root, 'nowhere.md'), path.join(ws.content, 'gone.md'));
    await symlink('loop.md', path.join(ws.content, 'loop.md'));
    const expected = [`${path.join('content', 'gone.md')}: skipped: a dangling link`, `${path.join('content', 'loop.md')}: skipped: a link that loops`];

    const first = await ws.build();
    expect([first.code, first.stderr, first.report.mode, first.report.published, first.report.errors]).toEqual([0, '', 'full', 3, []]);
    expect(warningsOf(first)).toEqual(expected);

    // A cached build with work to do (a post added): this one failed with a raw "ENOENT … stat".
    await writePostFile(ws.content, { file: 'post-4.md', title: 'Post 4', date: '2026-11-24', category: 'News' });
    const second = await ws.build();
    expect([second.code, second.stderr, second.report.published, second.report.errors]).toEqual([0, '', 4, []]);
    expect(second.report.mode).not.toBe('up-to-date');
    expect(warningsOf(second)).toEqual(expected);

    // Nothing changed: the last build's report, warnings included.
    const third = await ws.build();
    expect([third.code, third.report.mode, warningsOf(third)]).toEqual([0, 'up-to-date', expected]);
    expect(await ws.feedTitles()).toEqual(['Post 1', 'Post 2', 'Post 3', 'Post 4']);
  });

  it('reports a link broken after a build on the next one, and publishes it once mended', async () => {
    const ws = await workspace();
    expect((await ws.build()).report.warnings).toEqual([]);
    const target = path.join(ws.root, 'later', 'late.md');
    await symlink(target, path.join(ws.content, 'late.md'));
    const broken = await ws.build();
    expect(warningsOf(broken)).toEqual([`${path.join('content', 'late.md')}: skipped: a dangling link`]);
    expect(broken.report.published).toBe(3);

    await mkdir(path.dirname(target));
    await writePostFile(path.dirname(target), { file: 'late.md', title: 'Late', date: '2026-11-27', category: 'News' });
    const mended = await ws.build();
    expect([mended.report.published, mended.report.warnings]).toEqual([4, []]);
    expect(await ws.feedTitles()).toContain('Late');
  });

  it('keeps naming a skipped file on an incremental build (a shown post edited)', async () => {
    const ws = await workspace();
    await symlink('nowhere.md', path.join(ws.content, 'gone.md'));
    await ws.build();
    await writePostFile(ws.content, { file: 'post-3.md', title: 'Post 3, edited', date: '2026-11-23', category: 'News' });
    const run = await ws.build();
    expect([run.code, run.report.mode]).toEqual([0, 'incremental']);
    expect(warningsOf(run)).toEqual([`${path.join('content', 'gone.md')}: skipped: a dangling link`]);
    expect(await ws.feedTitles()).toContain('Post 3, edited');
  });

  it('fails a --strict build: a skipped file is a reported problem', async () => {
    const ws = await workspace();
    await symlink('nowhere.md', path.join(ws.content, 'gone.md'));
    const run = await ws.build('--strict');
    expect([run.code, run.report.aborted, warningsOf(run)]).toEqual([1, true, [`${path.join('content', 'gone.md')}: skipped: a dangling link`]]);
    expect(existsSync(path.join(ws.root, 'public'))).toBe(false);
  });
});

describe('files that are not regular files', () => {
  it('names a FIFO called x.md, a .md link to a FIFO and a .md link to /dev/zero as skipped, without waiting on them', async () => {
    const ws = await workspace();
    await fifoThatUnblocksLater(path.join(ws.content, 'x.md'));
    await fifoThatUnblocksLater(path.join(ws.root, 'pipe'));
    await symlink(path.join(ws.root, 'pipe'), path.join(ws.content, 'pipe.md'));
    await symlink('/dev/zero', path.join(ws.content, 'zero.md'));
    const expected = [
      `${path.join('content', 'pipe.md')}: skipped: not a regular file (a link to a FIFO)`,
      `${path.join('content', 'x.md')}: skipped: not a regular file (a FIFO)`,
      `${path.join('content', 'zero.md')}: skipped: not a regular file (a link to a character device)`,
    ];
    const started = performance.now();
    const first = await ws.build();
    expect([first.code, first.stderr, first.report.published, first.report.errors]).toEqual([0, '', 3, []]);
    expect(warningsOf(first)).toEqual(expected);
    // A cached build with work to do.
    await writePostFile(ws.content, { file: 'post-4.md', title: 'Post 4', date: '2026-11-24', category: 'News' });
    const second = await ws.build();
    expect([second.code, second.report.published, warningsOf(second)]).toEqual([0, 4, expected]);
    expect(performance.now() - started).toBeLessThan(2500);
  }, 15_000);

  it('refuses a FIFO handed to the reader as a post file, without blocking on its open', async () => {
    const root = await tempDir('fifo');
    await fifoThatUnblocksLater(path.join(root, 'x.md'));
    const started = performance.now();
    // As if the scan had listed it as a file (it was replaced by a FIFO since).
    const outcomes = await readEntries(root, [{ file: 'x.md', size: 10, mtimeMs: 1 }], { timezone: 'UTC' });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(outcomes).toEqual([{ skipped: 'not a regular file (a FIFO)' }]);
  }, 15_000);
});

describe('post files over the size limit', () => {
  it('are named as skipped and not read, on a first build and on a cached one', async () => {
    const ws = await workspace();
    const huge = path.join(ws.content, 'huge.md');
    // Sparse: one byte over the limit without writing 10 MB. Read, it would be an invalid post (all zeros).
    await writeFile(huge, '');
    await truncate(huge, MAX_POST_BYTES + 1);
    const expected = [`${path.join('content', 'huge.md')}: skipped: 10.1 MB, over the 10 MB limit for a post file`];

    const first = await ws.build();
    expect([first.code, first.report.published, first.report.errors, warningsOf(first)]).toEqual([0, 3, [], expected]);
    await writePostFile(ws.content, { file: 'post-4.md', title: 'Post 4', date: '2026-11-24', category: 'News' });
    const second = await ws.build();
    expect([second.code, second.report.published, second.report.errors, warningsOf(second)]).toEqual([0, 4, [], expected]);
  });

  it('is refused by the reader too (a file that grew past the limit after the scan), and one at the limit is read', async () => {
    const root = await tempDir('huge');
    await writeFile(path.join(root, 'over.md'), '');
    await truncate(path.join(root, 'over.md'), MAX_POST_BYTES + 1);
    await writeFile(path.join(root, 'at.md'), '');
    await truncate(path.join(root, 'at.md'), MAX_POST_BYTES);
    const [over, at] = await readEntries(root, [{ file: 'over.md', size: 1, mtimeMs: 1 }, { file: 'at.md' }], { timezone: 'UTC' });
    expect(over).toEqual({ skipped: '10.1 MB, over the 10 MB limit for a post file' });
    expect(at).toEqual({ entry: expect.objectContaining({ size: MAX_POST_BYTES }) });
  });

  it('is refused from its stat alone, before a byte is read', async () => {
    const root = await tempDir('huge');
    await writeFile(path.join(root, 'over.md'), '');
    await truncate(path.join(root, 'over.md'), 5 * MAX_POST_BYTES);
    expect(refusalOf(statSync(path.join(root, 'over.md')))).toBe('50 MB, over the 10 MB limit for a post file');
    await truncate(path.join(root, 'over.md'), MAX_POST_BYTES);
    expect(refusalOf(statSync(path.join(root, 'over.md')))).toBeUndefined();
  });
});

describe('scan and load agree on what is skipped', () => {
  it('gives a first build the fingerprint the next scan finds, skipped files included', async () => {
    const ws = await workspace();
    await symlink('nowhere.md', path.join(ws.content, 'gone.md'));
    await symlink('.', path.join(ws.content, 'mirror'));
    await writeFile(path.join(ws.content, 'huge.md'), '');
    await truncate(path.join(ws.content, 'huge.md'), MAX_POST_BYTES + 1);
    const loaded = await loadPosts(ws.content, undefined, { timezone: 'UTC', displayDir: 'content', cache: postCache(ws.root) });
    const scan = await scanPostFiles(ws.content);
    expect(scan.skipped.map((s) => s.file)).toEqual(['gone.md', 'huge.md', 'mirror']);
    expect(loaded.scan.skipped).toEqual(scan.skipped);
    // Equal fingerprints: the next build finds nothing changed and stops there.
    expect(loaded.scan.fingerprint).toBe(scan.fingerprint);
  });

  // Root reads any folder whatever its mode: only another user can see this.
  it.skipIf(process.getuid?.() === 0)('names a subfolder that cannot be read, and lists the rest', async () => {
    const ws = await workspace();
    await mkdir(path.join(ws.content, 'private'));
    await writePostFile(path.join(ws.content, 'private'), { file: 'secret.md', title: 'Secret', date: '2026-11-24', category: 'News' });
    await chmod(path.join(ws.content, 'private'), 0o000);
    try {
      const scan = await scanPostFiles(ws.content);
      expect(scan.files.map((f) => f.file)).toEqual(['post-1.md', 'post-2.md', 'post-3.md']);
      expect(scan.skipped).toEqual([{ file: 'private', reason: 'the folder cannot be read (permission denied)' }]);
    } finally {
      await chmod(path.join(ws.content, 'private'), 0o755);
    }
  });
});

describe("a post's body, read after the scan", () => {
  it('is refused, not waited on, when its file has become a FIFO since', async () => {
    const ws = await workspace();
    const loaded = await loadPosts(ws.content, undefined, { timezone: 'UTC', displayDir: 'content', cache: postCache(ws.root) });
    // From the cache: the body is read from the file when the post is shown.
    const cached = await loadPosts(ws.content, loaded.scan, { timezone: 'UTC', displayDir: 'content', cache: postCache(ws.root) });
    expect(cached.parsed).toBe(0);
    const head = cached.posts.find((p) => p.file === 'post-1.md')!;
    await rm(path.join(ws.content, 'post-1.md'));
    await fifoThatUnblocksLater(path.join(ws.content, 'post-1.md'));
    const started = performance.now();
    const error = await readBodies(ws.content, [head], { timezone: 'UTC', displayDir: 'content' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).describe()).toBe(`${path.join('content', 'post-1.md')}: cannot be read any more: not a regular file (a FIFO) (build again)`);
    expect(performance.now() - started).toBeLessThan(1500);
  }, 15_000);
});
