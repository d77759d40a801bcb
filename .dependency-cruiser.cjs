// Import rules, checked by `npm run lint:deps` (part of `npm test`): no cycles, and the pure stages of the
// pipeline (parsing, feeds, digest, email rendering, shared helpers) import nothing that does I/O.
// Pure: take data, return data; no disk, network, database, clock or env (see STYLE.md). Type-only
// imports are free (they are erased), so a pure module may name the Config type.
const PURE = [
  '^src/content/(parse|front-matter|schema|markdown|excerpt|clean|publish|slug|compare|cache-entry|furniture|furniture-version|posted-time)\\.ts$',
  '^src/(feeds|digest|shared)/',
  '^src/email/(render|message|tokens|hmac|bounce-tag|archive-link|dark-scheme|mjml|template-names|nodemailer-internals)\\.ts$',
  '^src/schedule/due\\.ts$',
  '^src/delivery/failures\\.ts$',
  '^src/subscribers/(address|import-csv|import-formats|json|suppression|store)\\.ts$',
  '^src/errors\\.ts$',
  '^src/bounces/(returned|classify|mime-parts)\\.ts$',
  '^src/bounces/webhooks/',
];

// What does I/O: Node's file, process, network and terminal modules; packages that write, serve, log or
// transport mail; and our own modules that read or write.
const IO = [
  '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|readline|readline/promises|worker_threads|cluster)$',
  '^node_modules/(better-sqlite3|pg|pg-[^/]+|write-file-atomic|pino|pino-pretty|fastify|@fastify/[^/]+|node-cron)/',
  // nodemailer's transports (its MIME composer, which builds a message in memory, is not one).
  '^node_modules/nodemailer/(lib|dist/[^/]+)/(nodemailer\\.js|smtp-[^/]+/|sendmail-transport/|ses-transport/|stream-transport/|json-transport/|fetch/)',
  '^src/(adapters|compose|main|config|log|package-root|core)\\.ts$',
  '^src/(compose|core|drivers|output|web)/',
  '^src/subscribers/(sqlite|pg)-store\\.ts$',
  '^src/content/(scan|read-entries|read-bodies|load)\\.ts$',
  '^src/delivery/(mailer|lease|send-digest)\\.ts$',
  '^src/email/(templates|signing-key)\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: move what both sides need into a module both import (as core/types.ts does for the core).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-imports-no-io',
      comment: 'A pure stage imports a module that does I/O: pass the data (or the effect) in instead.',
      severity: 'error',
      from: { path: PURE },
      to: { path: IO, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-imports-only-pure',
      comment: 'A pure stage imports one of our modules that is not on the pure list: keep the chain pure (or add the module to PURE if it is).',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/', pathNot: [...PURE, ...IO], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'feed-only-through-its-patches',
      comment: 'Every work-around for feed@6 lives in feeds/feed-patches.ts: import feed there and nowhere else.',
      severity: 'error',
      from: { pathNot: '^src/feeds/feed-patches\\.ts$' },
      to: { path: '^node_modules/feed/' },
    },
    {
      name: 'nodemailer-internals-in-one-place',
      comment: "nodemailer's lib/ modules are not its public API: only email/nodemailer-internals.ts may reach into them.",
      severity: 'error',
      from: { pathNot: '^src/email/nodemailer-internals\\.ts$' },
      to: { path: '^node_modules/(@types/)?nodemailer/lib/(?!nodemailer\\.js)' },
    },
    {
      name: 'shared-stands-alone',
      comment: 'shared/ holds helpers every stage may use; it depends on no stage (only on errors.ts).',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: ['^src/shared/', '^src/errors\\.ts$'] },
    },
    {
      name: 'drivers-construct-nothing',
      comment: 'Drivers receive their adapters and capabilities from the composition root (compose.ts); they do not make them.',
      severity: 'error',
      from: { path: '^src/drivers/' },
      to: {
        path: ['^src/(adapters|compose|core)\\.ts$', '^src/compose/', '^src/core/(build|context|digests|subscriptions)\\.ts$', '^src/subscribers/sqlite-store\\.ts$', '^src/delivery/mailer\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
  ],
  options: {
    // Type-only imports count for cycles (a cycle of types still ties two modules together).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
