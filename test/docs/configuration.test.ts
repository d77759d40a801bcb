// docs/configuration.md is generated from the config schema (scripts/config-docs.ts): these tests fail
// when the committed page, a description, or the page's example drifts from src/config.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { Config, ENV_OVERRIDES, FLAG_OVERRIDES, parseConfig } from '../../src/config.js';
import { CONFIGURATION_PAGE, renderConfigDocs, settingRows } from '../../scripts/config-docs.js';

const root = path.resolve(import.meta.dirname, '../..');
const committed = () => readFileSync(path.join(root, CONFIGURATION_PAGE), 'utf8');

describe('docs/configuration.md', () => {
  it('is what `npm run docs` generates from src/config.ts', () => {
    expect(committed(), `${CONFIGURATION_PAGE} is out of date: run \`npm run docs\` and commit the result`).toBe(renderConfigDocs());
  });

  it('refuses to render a schema with a setting left undescribed, naming every one', () => {
    const site = z.strictObject({ title: z.string() });
    z.globalRegistry.add(site, { description: 'The site.' });
    const schema = z.strictObject({ site, feeds: z.strictObject({ limit: z.number() }) });
    expect(() => settingRows(schema)).toThrow('no description in src/config.ts: site.title, feeds, feeds.limit.');
  });

  it('has a row for every setting, with its type and default', () => {
    const rows = settingRows();
    const byPath = new Map(rows.map((row) => [row.path, row]));
    expect(byPath.get('server.port')).toMatchObject({ type: 'integer, 0 to 65535', default: '`8080`', overrides: '`BROADSHEET_PORT`, `--port`' });
    expect(byPath.get('site.timezone')).toMatchObject({ type: 'IANA timezone', default: '`"UTC"`' });
    expect(byPath.get('delivery.dkim.privateKeyFile')).toMatchObject({ type: 'string', default: 'required' });
    expect(byPath.get('feeds.hub')).toMatchObject({ type: 'http(s) URL', default: 'unset' });
    // Every leaf the defaults produce is documented (the sections are headings, not rows).
    const leaves = (value: unknown, prefix: string): string[] =>
      value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k)) : [prefix];
    for (const leaf of leaves(parseConfig({}), '')) expect(byPath.has(leaf), leaf).toBe(true);
  });

  it('names only settings that exist for each environment variable and flag', () => {
    const paths = new Set(settingRows().map((row) => row.path));
    for (const [name, keyPath] of [...ENV_OVERRIDES, ...FLAG_OVERRIDES]) expect(paths.has(keyPath.join('.')), `${name} → ${keyPath.join('.')}`).toBe(true);
  });

  it('keeps descriptions out of parsing: no schema carries a describe or meta check', () => {
    const kinds: string[] = [];
    const visit = (schema: z.ZodMiniType) => {
      const def = schema._zod.def as {
        checks?: Array<{ _zod: { def: { check: string } } }>;
        innerType?: z.ZodMiniType;
        in?: z.ZodMiniType;
        shape?: Record<string, z.ZodMiniType>;
        options?: z.ZodMiniType[];
      };
      for (const check of def.checks ?? []) kinds.push(check._zod.def.check);
      for (const child of [def.innerType, def.in, ...Object.values(def.shape ?? {}), ...(def.options ?? [])]) if (child) visit(child);
    };
    visit(Config);
    expect(kinds.length).toBeGreaterThan(10);
    expect(kinds.filter((kind) => kind === 'describe' || kind === 'meta')).toEqual([]);
  });

  it('has an example config that the schema accepts', () => {
    const example = /## An example\n\n```json\n([\s\S]*?)\n```/.exec(committed())?.[1];
    expect(example).toBeDefined();
    const config = parseConfig(JSON.parse(example!));
    expect(config.site.url).toBe('https://news.example.com/');
  });

  it('names every BROADSHEET_ environment variable the code and scripts read', () => {
    // Read as env.NAME, as a 'NAME' string (the override lists, readSecrets), or as $NAME in a shell script.
    const read = /(?:env\.|['"`]|\$\{?)(BROADSHEET_[A-Z_]*[A-Z])\b/g;
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const file = path.join(dir, entry);
        if (statSync(file).isDirectory()) walk(file);
        else if (file.endsWith('.ts') || file.endsWith('.sh')) for (const [, name] of readFileSync(file, 'utf8').matchAll(read)) names.add(name!);
      }
    };
    walk(path.join(root, 'src'));
    walk(path.join(root, 'scripts'));
    expect(names.size).toBeGreaterThan(8);
    const page = committed();
    expect([...names].filter((name) => !page.includes(`\`${name}\``))).toEqual([]);
  });
});
