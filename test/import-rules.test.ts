// The import rules of .dependency-cruiser.cjs (run over src/ by `npm run lint:deps`), applied by the real
// depcruise to a small src/ tree in a temporary folder: each rule reports what it is there for, and
// lets through what it must (a type-only import of the config, a driver naming the Core type).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/site.js';
import { removeTempDir, sharedTempDir } from './helpers/temp-dir.js';

const DEPCRUISE = path.join(REPO, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

/** A module per file: its path under the temporary folder, and its text. */
const TREE: Record<string, string> = {
  'src/config.ts': "import { readFile } from 'node:fs/promises';\nexport type Config = { url: string };\nexport const loadConfig = () => readFile('x');\n",
  'src/errors.ts': 'export class AppError extends Error {}\n',
  'src/adapters.ts': "import { readFileSync } from 'node:fs';\nexport const openStore = () => readFileSync('db');\n",
  'src/core.ts': 'export type Core = { build(): void };\n',
  // Pure, and clean: a type-only import of an I/O module is erased.
  'src/feeds/clean.ts':
    "import type { Config } from '../config.js';\nimport { AppError } from '../errors.js';\nexport const f = (c: Config) => new AppError(c.url);\n",
  // Pure, reading a file.
  'src/feeds/reads.ts': "import { readFileSync } from 'node:fs';\nexport const g = () => readFileSync('x');\n",
  // Pure, loading the config loader (at run time, even lazily).
  'src/digest/lazy.ts': "export const h = () => import('../config.js');\n",
  // Pure, importing a module of ours that is on neither list.
  'src/email/render.ts': "import { helper } from '../misc/helper.js';\nexport const r = helper;\n",
  'src/misc/helper.ts': 'export const helper = 1;\n',
  // A cycle, one side of it type-only.
  'src/core/a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\nexport const a = 1;\n",
  'src/core/b.ts': "import { a } from './a.js';\nexport type B = { a: typeof a };\n",
  // A driver making an adapter; another only naming the core's type.
  'src/drivers/makes.ts': "import { openStore } from '../adapters.js';\nexport const m = openStore;\n",
  'src/drivers/names.ts': "import type { Core } from '../core.js';\nexport const n = (core: Core) => core.build();\n",
};

let root: string;
let violations: Array<{ rule: string; from: string; to: string }>;

beforeAll(async () => {
  root = await sharedTempDir('import-rules');
  for (const [file, text] of Object.entries(TREE)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  await writeFile(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
  );
  // depcruise exits with the number of errors: the report is read either way.
  const result = await run(DEPCRUISE, ['src', '--config', path.join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd: root,
    maxBuffer: 1 << 24,
  }).catch((err: { stdout: string }) => err);
  const report = JSON.parse(result.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  violations = report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}, 60_000);
afterAll(() => removeTempDir(root));

const reported = (from: string) => violations.filter((v) => v.from === from).map((v) => `${v.rule}: ${v.to}`);

describe('import rules', () => {
  it('a pure stage may not import what does I/O, directly or through import()', () => {
    expect(reported('src/feeds/reads.ts')).toEqual(['pure-imports-no-io: fs']);
    expect(reported('src/digest/lazy.ts')).toEqual(['pure-imports-no-io: src/config.ts']);
  });

  it('a pure stage imports only modules on the pure list', () => {
    expect(reported('src/email/render.ts')).toEqual(['pure-imports-only-pure: src/misc/helper.ts']);
  });

  it('type-only imports are free, and errors.ts is pure', () => {
    expect(reported('src/feeds/clean.ts')).toEqual([]);
  });

  it('an import cycle is reported, type-only imports included', () => {
    // Reported once, from whichever side depcruise reaches first.
    const cycles = violations.filter((v) => v.rule === 'no-circular').map((v) => [v.from, v.to].sort().join(' ⇄ '));
    expect(cycles).toEqual(['src/core/a.ts ⇄ src/core/b.ts']);
  });

  it('a driver may name the core type but not make an adapter', () => {
    expect(reported('src/drivers/makes.ts')).toEqual(['drivers-construct-nothing: src/adapters.ts']);
    expect(reported('src/drivers/names.ts')).toEqual([]);
  });
});
