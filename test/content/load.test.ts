import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ContentError } from '../../src/errors.js';
import { listPostFiles, loadPosts } from '../../src/content/load.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/content/', import.meta.url));
const BASIC = path.join(FIXTURES, 'load-basic');
const UTC = { timezone: 'UTC' };

describe('listPostFiles', () => {
  it('lists .md and .markdown files recursively as sorted /-separated paths, skipping other files and dot-folders', async () => {
    expect(await listPostFiles(BASIC)).toEqual(['2026-01-29-first-post.md', 'broken.md', 'nested/deeper/second-post.markdown']);
  });

  it('names the folder when the content folder cannot be read', async () => {
    const missing = path.join(FIXTURES, 'does-not-exist');
    const error = await listPostFiles(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).describe()).toContain(missing);
  });
});

describe('loadPosts', () => {
  it('loads every valid post, nested ones included, with paths relative to the content folder', async () => {
    const loaded = await loadPosts(BASIC, undefined, UTC);
    expect(loaded.posts.map((p) => [p.file, p.slug, p.title])).toEqual([
      ['2026-01-29-first-post.md', 'first-post', 'The first post'],
      ['nested/deeper/second-post.markdown', 'second-post', 'A nested post'],
    ]);
    expect(loaded.files).toBe(3);
  });

  it('ignores .txt files and files inside dot-folders', async () => {
    const { posts } = await loadPosts(BASIC, undefined, UTC);
    expect(posts.map((p) => p.title)).not.toContain('Not a post');
    expect(posts.map((p) => p.title)).not.toContain('Hidden');
  });

  it('reports every problem of an invalid post with its path inside the content folder, and still loads the others', async () => {
    const { posts, errors } = await loadPosts(BASIC, undefined, UTC);
    const broken = path.join(BASIC, 'broken.md');
    expect(errors.map((e) => [e.file, e.field])).toEqual([
      [broken, 'title'],
      [broken, 'date'],
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ContentError);
      expect(error.describe()).toContain(path.join('load-basic', 'broken.md'));
    }
    expect(errors[1]?.describe()).toContain('"someday"');
    expect(posts).toHaveLength(2);
  });

  it('reads dates without an offset in the timezone it is given', async () => {
    const { posts } = await loadPosts(BASIC, undefined, { timezone: 'Europe/Paris' });
    expect(posts.find((p) => p.slug === 'first-post')?.date.toISOString()).toBe('2026-01-28T23:00:00.000Z');
  });
});

describe('a post file that cannot be read', () => {
  it('is skipped and named while the others load, on a first build and on one with a cache', async () => {
    const { mkdir, writeFile, symlink } = await import('node:fs/promises');
    const { openBuildCache } = await import('../../src/output/build-cache.js');
    const root = await tempDir('unreadable');
    const content = path.join(root, 'content');
    // A dangling link named like a post: it cannot be stat-ed or read, even as root.
    await mkdir(content, { recursive: true });
    await symlink(path.join(root, 'gone.md'), path.join(content, 'odd.md'));
    // A folder named like a post is a folder, not a post; the posts inside it are posts.
    await mkdir(path.join(content, 'odd-dir.md'), { recursive: true });
    await writeFile(path.join(content, 'odd-dir.md', 'inside.md'), '---\ntitle: Inside\ndate: 2026-01-02\n---\nBody.\n');
    await writeFile(path.join(content, 'fine.md'), '---\ntitle: Fine\ndate: 2026-01-01\n---\nBody.\n');
    const cache = openBuildCache(path.join(root, 'cache'));
    for (const run of ['first', 'cached']) {
      const loaded = await loadPosts(content, undefined, { timezone: 'UTC', displayDir: 'content', cache: cache.postCache('content', 'UTC') });
      expect(loaded.posts.map((p) => p.title).sort(), run).toEqual(['Fine', 'Inside']);
      expect(loaded.errors, run).toEqual([]);
      expect(
        loaded.warnings.map((e) => e.describe()),
        run,
      ).toEqual([`${path.join('content', 'odd.md')}: skipped: a dangling link`]);
      expect(
        loaded.scan.files.map((f) => f.file),
        run,
      ).toEqual(['fine.md', 'odd-dir.md/inside.md']);
    }
    cache.close();
  });
});

describe('a post bigger than the read buffer', () => {
  it('is read whole (the buffer grows), hashed and parsed like any other', async () => {
    const { writeFile } = await import('node:fs/promises');
    const root = await tempDir('big');
    // 1 MB of body, well past the 256 KB buffer the reader starts with, ending in a marker.
    const body = `${'A long paragraph of scraped text. '.repeat(30_000)}\n\nThe very end.\n`;
    await writeFile(path.join(root, 'big.md'), `---\ntitle: Big\ndate: 2026-01-01\n---\n${body}`);
    await writeFile(path.join(root, 'small.md'), '---\ntitle: Small\ndate: 2026-01-02\n---\nShort.\n');
    const { readBodies } = await import('../../src/content/read-bodies.js');
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const loaded = await loadPosts(root, undefined, { timezone: 'UTC', displayDir: 'content' });
    expect(loaded.errors).toEqual([]);
    const head = loaded.posts.find((p) => p.title === 'Big')!;
    // The hash covers every byte: the reader did not stop at its first buffer's end.
    expect(head.hash).toBe(
      createHash('sha1')
        .update(readFileSync(path.join(root, 'big.md')))
        .digest('hex'),
    );
    const big = (await readBodies(root, [head], { timezone: 'UTC', displayDir: 'content' }))[0]!.post;
    expect(big.body.endsWith('The very end.')).toBe(true);
    expect(big.body.length).toBeGreaterThan(1_000_000);
    expect(loaded.posts.map((p) => p.title).sort()).toEqual(['Big', 'Small']);
  });
});
