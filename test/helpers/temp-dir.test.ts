// Temporary folders and sites go when their test finishes; a shared one stays until it is removed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { contentFixture, tempSite } from './site.js';
import { removeTempDir, sharedTempDir, tempDir } from './temp-dir.js';

describe('tempDir and tempSite', () => {
  it('are removed when the test finishes (checked by a hook that runs after the removal)', async () => {
    const made: string[] = [];
    // onTestFinished hooks run last-registered first: this one, registered before the folders, runs after their removal.
    onTestFinished(() => {
      for (const dir of made) expect(existsSync(dir), dir).toBe(false);
    });
    made.push(await tempDir('helpers'));
    const site = await tempSite('helpers', {
      copy: contentFixture('load-basic'),
      posts: [{ file: 'extra.md', title: 'Extra', date: '2026-11-20', category: 'News' }],
    });
    made.push(site.root);
    expect(made.every((dir) => existsSync(dir))).toBe(true);
    expect(existsSync(path.join(site.content, 'extra.md'))).toBe(true);
  });

  it('a site writes its config file, and parses a config whose folders are its own', async () => {
    const site = await tempSite('helpers', { config: { site: { url: 'https://news.example.com/' } } });
    expect(JSON.parse(readFileSync(site.configFile, 'utf8'))).toEqual({ site: { url: 'https://news.example.com/' } });
    expect(site.parseConfig({ paths: { out: 'elsewhere' } }).paths).toMatchObject({ content: site.content, data: site.data, out: 'elsewhere' });
  });
});

describe('sharedTempDir', () => {
  it('outlives the test that made it, until removed', async () => {
    const dir = await sharedTempDir('helpers');
    onTestFinished(async () => {
      expect(existsSync(dir)).toBe(true);
      await removeTempDir(dir);
      expect(existsSync(dir)).toBe(false);
    });
  });
});
