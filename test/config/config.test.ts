import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';
import { AggregateAppError, ConfigError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('loadConfig', () => {
  it('runs on embedded defaults when there is no config file', async () => {
    const config = await loadConfig({ cwd: await tempDir('config'), env: {} });
    expect(config.site.url).toBe('http://127.0.0.1:8080/');
    expect(config.feeds.limit).toBe(50);
    expect(config.feeds.postPath).toBe('/posts/:slug/');
    expect(config.paths).toEqual({ content: 'content', out: 'public', data: 'data' });
    expect(Object.isFrozen(config.site)).toBe(true);
  });

  it('applies defaults < file < environment < flags', async () => {
    const cwd = await tempDir('config');
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
    const cwd = await tempDir('config');
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
    const cwd = await tempDir('config');
    await writeFile(path.join(cwd, 'broadsheet.config.json'), '{ "site": ');
    const error = await loadConfig({ cwd, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).describe()).toMatch(/broadsheet\.config\.json: is not valid JSON/);
  });

  it('fails when an explicit --config file does not exist', async () => {
    const cwd = await tempDir('config');
    await expect(loadConfig({ cwd, env: {}, configFile: 'missing.json' })).rejects.toThrow(/cannot read the config file/);
  });

  it('rejects an environment override that is invalid, naming the field', () => {
    expect(() => parseConfig({ site: { url: 'ftp://example.com/' } })).toThrow(AggregateAppError);
  });
});

/** What a failed parse says, every problem included. */
function problems(parse: () => unknown): string {
  try {
    parse();
  } catch (e) {
    return (e as AggregateAppError).describe();
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration that says exactly what is wrong', () => {
  it('names an unknown key with the closest known one, at any depth, instead of ignoring it', () => {
    const error = (() => {
      try {
        parseConfig({ sit: { url: 'https://example.com/' }, feeds: { limt: 10 }, email: { cover: { widht: 500 } } }, 'broadsheet.config.json');
      } catch (e) {
        return e as AggregateAppError;
      }
      throw new Error('expected the configuration to be refused');
    })();
    const lines = error.errors.map((e) => e.describe());
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^broadsheet\.config\.json: sit: unknown key; did you mean "site"\? \(known here: site, feeds, /),
        expect.stringMatching(/^broadsheet\.config\.json: feeds\.limt: unknown key; did you mean "limit"\?/),
        expect.stringMatching(/^broadsheet\.config\.json: email\.cover\.widht: unknown key; did you mean "width"\?/),
      ]),
    );
    // Nothing close: no guess, still an error listing the known keys.
    expect(problems(() => parseConfig({ site: { zzzzzzzz: 1 } }))).toMatch(/site\.zzzzzzzz: unknown key \(known here: title, url/);
  });

  it('names the environment variable or flag a bad value came from', async () => {
    const error = await loadConfig({
      cwd: await tempDir('config'),
      env: { BROADSHEET_SITE_URL: 'ftp://example.com/', BROADSHEET_PORT: '70000' },
      flags: { data: '' },
    }).catch((e: unknown) => e);
    const lines = (error as AggregateAppError).errors.map((e) => e.describe());
    expect(lines).toContain('BROADSHEET_SITE_URL=ftp://example.com/: site.url: expected an absolute http(s) URL');
    expect(lines).toContain('BROADSHEET_PORT=70000: server.port: Too small: expected number to be <=65535'.replace('Too small', 'Too big'));
    const flagged = await loadConfig({ cwd: await tempDir('config'), env: {}, flags: { port: 'abc' } }).catch((e: unknown) => e);
    expect((flagged as AggregateAppError).errors.map((e) => e.describe())).toEqual([
      '--port abc: server.port: Invalid input: expected number, received string',
    ]);
  });

  it('gives JSON syntax errors a line and column, the end of the file included', async () => {
    const cwd = await tempDir('config');
    await writeFile(path.join(cwd, 'broadsheet.config.json'), '{\n  "site": {\n    "url": "https://example.com/",\n  }\n}\n');
    const trailing = await loadConfig({ cwd, env: {} }).catch((e: unknown) => e);
    expect((trailing as ConfigError).describe()).toMatch(/broadsheet\.config\.json: is not valid JSON: .*\(line 4 column 3\)$/);
    await writeFile(path.join(cwd, 'broadsheet.config.json'), '{\n  "site": ');
    const cut = await loadConfig({ cwd, env: {} }).catch((e: unknown) => e);
    expect((cut as ConfigError).describe()).toMatch(/Unexpected end of JSON input \(line 2 column 11\)$/);
  });

  it('accepts an author and mailboxes as strings, as package.json and nodemailer write them', () => {
    const config = parseConfig({
      site: { author: 'Ada Lovelace <ada@example.com> (https://ada.example)' },
      email: { from: 'The Gazette <news@example.com>', replyTo: 'desk@example.com' },
    });
    expect(config.site.author).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', url: 'https://ada.example/' });
    expect(config.email.from).toEqual({ name: 'The Gazette', address: 'news@example.com' });
    expect(config.email.replyTo).toEqual({ address: 'desk@example.com' });
    expect(parseConfig({ site: { author: 'Grace Hopper' } }).site.author).toEqual({ name: 'Grace Hopper' });
    // A string that is no address is still refused, at the same field.
    expect(problems(() => parseConfig({ email: { from: 'The Gazette' } }))).toMatch(/email\.from\.address: expected an email address/);
  });

  it('reads BROADSHEET_CONFIG and BROADSHEET_PORT', async () => {
    const cwd = await tempDir('config');
    await writeFile(path.join(cwd, 'elsewhere.json'), JSON.stringify({ site: { title: 'From BROADSHEET_CONFIG' } }));
    const config = await loadConfig({ cwd, env: { BROADSHEET_CONFIG: 'elsewhere.json', BROADSHEET_PORT: '9090' } });
    expect(config.site.title).toBe('From BROADSHEET_CONFIG');
    expect(config.server.port).toBe(9090);
    const missing = await loadConfig({ cwd, env: { BROADSHEET_CONFIG: 'missing.json' } }).catch((e: unknown) => e);
    expect((missing as ConfigError).describe()).toMatch(/missing\.json: cannot read the config file \(named by BROADSHEET_CONFIG\)/);
  });

  it('points links at the address it listens on when site.url is not set', async () => {
    const cwd = await tempDir('config');
    expect((await loadConfig({ cwd, env: {}, flags: { port: '18312' } })).site.url).toBe('http://127.0.0.1:18312/');
    expect((await loadConfig({ cwd, env: {}, flags: { host: '0.0.0.0', port: '3000' } })).site.url).toBe('http://127.0.0.1:3000/');
    expect((await loadConfig({ cwd, env: { BROADSHEET_HOST: 'news.local' } })).site.url).toBe('http://news.local:8080/');
    // Port 0 is chosen at listen time: links keep the default.
    expect((await loadConfig({ cwd, env: {}, flags: { port: '0' } })).site.url).toBe('http://127.0.0.1:8080/');
    // A site.url that is set always wins.
    expect((await loadConfig({ cwd, env: { BROADSHEET_SITE_URL: 'https://news.example.com/' }, flags: { port: '3000' } })).site.url).toBe(
      'https://news.example.com/',
    );
  });
});
