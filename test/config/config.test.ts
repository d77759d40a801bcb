import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';
import { AggregateAppError, ConfigError } from '../../src/errors.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'broadsheet-config-'));
}

describe('loadConfig', () => {
  it('runs on embedded defaults when there is no config file', async () => {
    const config = await loadConfig({ cwd: await tempDir(), env: {} });
    expect(config.site.url).toBe('http://127.0.0.1:8080/');
    expect(config.feeds.limit).toBe(50);
    expect(config.feeds.postPath).toBe('/posts/:slug/');
    expect(config.paths).toEqual({ content: 'content', out: 'public', data: 'data' });
    expect(Object.isFrozen(config.site)).toBe(true);
  });

  it('applies defaults < file < environment < flags', async () => {
    const cwd = await tempDir();
    await writeFile(
      path.join(cwd, 'broadsheet.config.json'),
      JSON.stringify({ site: { title: 'From file', url: 'https://file.example/' }, paths: { out: 'file-out', content: 'file-content' } }),
    );
    const config = await loadConfig({
      cwd,
      env: { BROADSHEET_SITE_URL: 'https://env.example/', BROADSHEET_OUT_DIR: 'env-out' },
      flags: { out: 'flag-out' },
    });
    expect(config.site.title).toBe('From file');
    expect(config.site.url).toBe('https://env.example/');
    expect(config.paths.content).toBe('file-content');
    expect(config.paths.out).toBe('flag-out');
  });

  it('lists every invalid field as path: message, naming the file', async () => {
    const cwd = await tempDir();
    await writeFile(
      path.join(cwd, 'broadsheet.config.json'),
      JSON.stringify({ site: { url: 'not a url', timezone: 'Mars/Olympus' }, feeds: { limit: 0, postPath: 'posts' } }),
    );
    const error = await loadConfig({ cwd, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateAppError);
    const text = (error as AggregateAppError).describe();
    expect(text).toContain('broadsheet.config.json');
    for (const field of ['site.url', 'site.timezone', 'feeds.limit', 'feeds.postPath']) expect(text).toContain(`${field}:`);
  });

  it('says a config file is not JSON and names it', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'broadsheet.config.json'), '{ "site": ');
    const error = await loadConfig({ cwd, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).describe()).toMatch(/broadsheet\.config\.json: is not valid JSON/);
  });

  it('fails when an explicit --config file does not exist', async () => {
    const cwd = await tempDir();
    await expect(loadConfig({ cwd, env: {}, configFile: 'missing.json' })).rejects.toThrow(/cannot read the config file/);
  });

  it('rejects an environment override that is invalid, naming the field', () => {
    expect(() => parseConfig({ site: { url: 'ftp://example.com/' } })).toThrow(AggregateAppError);
  });
});
