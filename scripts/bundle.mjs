// Bundles the CLI into dist/bin/: broadsheet.js plus one chunk per lazily loaded part (esbuild, code
// splitting). Why: Node pays per module file it loads, and zod alone is 95 files; a bundle of the same
// code starts several times faster. Each command still loads only its own chunks (the dynamic
// import()s stay dynamic). `tsc` (npm run build) type-checks and emits dist/ module by module first:
// that output is the library surface the benchmarks import; this bundle is what `broadsheet` runs.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// Luxon ships an ESM build (our imports) and a CommonJS one (cron-parser's require): one copy, the ESM one.
const LUXON_ESM = path.join(path.dirname(require.resolve('luxon/package.json')), 'build', 'es6', 'luxon.mjs');
// gray-matter loads its own js-yaml 3 (which loads esprima, 280 KB) for a default YAML engine that
// Broadsheet never uses: front matter is parsed by the engine it passes (js-yaml 4, core schema). Its
// require resolves to that js-yaml 4 instead; were the default engine ever called, js-yaml 4's
// safeLoad would throw at once ("removed in js-yaml 4"), not parse differently.
const JS_YAML = require.resolve('js-yaml');

// Left as ordinary imports from node_modules: packages that load files or worker threads by path at run
// time, and the big ones only `start`/`send` use, loaded once by a long process.
const EXTERNAL = new Set(['mjml', 'pino', 'pino-pretty', 'fastify', 'nodemailer', 'node-cron']);
// better-sqlite3's JavaScript is bundled (its 14 module files were a tenth of a build where nothing
// changed, which opens the build cache); its native addon is still loaded from its package, found by
// the package's own lookup (build/Release, else the prebuilt binary) run from the package's folder.
const SQLITE_BINDING = /[\\/]better-sqlite3[\\/]lib[\\/]binding\.js$/;
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

// Chunk names carry a content hash: old chunks would pile up.
rmSync('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { broadsheet: 'src/main.ts' },
  outdir: 'dist/bin',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS packages call require() for Node's own modules, and write-file-atomic hashes
  // __filename into its temporary names: give the ESM output both (no bundled package reads files
  // next to itself; the spawned-CLI tests run every command through this bundle).
  banner: {
    js: [
      "import { createRequire as __bsCreateRequire } from 'node:module';",
      'const require = __bsCreateRequire(import.meta.url);',
      'const __filename = import.meta.filename;',
      'const __dirname = import.meta.dirname;',
    ].join(' '),
  },
  plugins: [
    {
      name: 'broadsheet-externals',
      setup(b) {
        b.onResolve({ filter: /^luxon$/ }, () => ({ path: LUXON_ESM }));
        b.onResolve({ filter: /^js-yaml$/ }, (args) => (args.importer.includes(`${path.sep}gray-matter${path.sep}`) ? { path: JS_YAML } : undefined));
        b.onLoad({ filter: SQLITE_BINDING }, (args) => ({
          contents: `const __sqliteLib = require('node:path').dirname(require.resolve('better-sqlite3'));\n${readFileSync(args.path, 'utf8').replaceAll('__dirname', '__sqliteLib')}`,
          loader: 'js',
        }));
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:')) return { external: true };
          if (args.path.startsWith('@fastify/') || EXTERNAL.has(packageOf(args.path))) return { external: true };
          return undefined;
        });
      },
    },
  ],
});
