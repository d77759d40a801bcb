// docs/configuration.md, rendered from the config schema: each setting's description, type and default
// come from src/config.ts (`about()` and `named()` there), the environment variables and flags from its
// override lists. Pure: `npm run docs` (scripts/docs.ts) writes the result, and
// test/docs/configuration.test.ts fails when the committed page differs from it.
import * as z from 'zod/mini';
import { Config, ENV_OVERRIDES, FLAG_OVERRIDES } from '../src/config.js';

export const CONFIGURATION_PAGE = 'docs/configuration.md';

/** One row of the settings table. */
export interface SettingRow {
  path: string;
  type: string;
  /** Markdown: the default as JSON in a code span, "required", or "unset". */
  default: string;
  /** Markdown: the environment variable and flag that set it, if any. */
  overrides: string;
  description: string;
}

type Def = {
  type: string;
  innerType?: z.ZodMiniType;
  in?: z.ZodMiniType;
  shape?: Record<string, z.ZodMiniType>;
  options?: z.ZodMiniType[];
  defaultValue?: unknown;
  format?: string;
  checks?: Array<{ _zod: { def: { check: string; value?: number | bigint; inclusive?: boolean } } }>;
};
const defOf = (schema: z.ZodMiniType) => schema._zod.def as unknown as Def;
const metaOf = (schema: z.ZodMiniType) => z.globalRegistry.get(schema);

/** Every setting below `schema` (an object), depth first in schema order; throws naming any left undescribed. */
export function settingRows(schema: z.ZodMiniType = Config, overrides = overridesByPath()): SettingRow[] {
  const rows: SettingRow[] = [];
  const undescribed: string[] = [];
  const visit = (object: z.ZodMiniType, prefix: string) => {
    for (const [key, child] of Object.entries(objectShape(object) ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const description = metaOf(child)?.description;
      if (!description) undescribed.push(path);
      const inner = objectShape(child) ? child : undefined;
      // A top-level section is a heading of its own, not a row.
      if (prefix) rows.push({ path, type: typeName(child), default: defaultOf(child), overrides: overrides.get(path) ?? '', description: description ?? '' });
      if (inner) visit(inner, path);
    }
  };
  visit(schema, '');
  if (undescribed.length > 0) {
    throw new Error(`These settings have no description in src/config.ts: ${undescribed.join(', ')}. Wrap each in about(schema, '…').`);
  }
  return rows;
}

/** The Markdown page. */
export function renderConfigDocs(schema: z.ZodMiniType = Config): string {
  const rows = settingRows(schema);
  const sections = Object.entries(objectShape(schema) ?? {}).map(([key, section]) => {
    const own = rows.filter((row) => row.path.startsWith(`${key}.`));
    return [
      `### ${key}`,
      '',
      metaOf(section)?.description ?? '',
      '',
      '| setting | type | default | env / flag | description |',
      '| --- | --- | --- | --- | --- |',
      ...own.map((row) => `| ${[`\`${row.path}\``, row.type, row.default, row.overrides, row.description].map(cell).join(' | ')} |`),
      '',
    ].join('\n');
  });
  return [...HEAD, ...sections, ...TAIL].join('\n');
}

/** "BROADSHEET_PORT, `--port`" by setting path. */
export function overridesByPath(): Map<string, string> {
  const byPath = new Map<string, string[]>();
  const add = (keyPath: readonly string[], name: string) => byPath.set(keyPath.join('.'), [...(byPath.get(keyPath.join('.')) ?? []), name]);
  for (const [name, keyPath] of ENV_OVERRIDES) add(keyPath, `\`${name}\``);
  for (const [flag, keyPath] of FLAG_OVERRIDES) add(keyPath, `\`--${flag}\``);
  return new Map([...byPath].map(([path, names]) => [path, names.join(', ')]));
}

/** The object shape under any wrappers (default, optional), if the setting is an object. */
function objectShape(schema: z.ZodMiniType): Record<string, z.ZodMiniType> | undefined {
  const def = defOf(schema);
  if (def.type === 'object') return def.shape;
  return def.innerType ? objectShape(def.innerType) : undefined;
}

/** The first `named()` type under the wrappers, else the type zod knows (with its bounds). */
function typeName(schema: z.ZodMiniType): string {
  const title = metaOf(schema)?.title;
  if (title) return title;
  const def = defOf(schema);
  if (def.innerType) return typeName(def.innerType);
  if (def.type === 'pipe' && def.in) return typeName(def.in);
  if (def.type === 'union') return (def.options ?? []).map(typeName).join(' or ');
  if (def.type === 'string') return def.format === 'email' ? 'email address' : def.format === 'url' ? 'URL' : 'string';
  if (def.type === 'number') {
    let min: string | undefined;
    let max: string | undefined;
    for (const check of def.checks ?? []) {
      const { check: kind, value, inclusive } = check._zod.def;
      if (kind === 'greater_than') min = `${value}${inclusive ? '' : ' (excluded)'}`;
      if (kind === 'less_than') max = `${value}${inclusive ? '' : ' (excluded)'}`;
    }
    const base = def.format === 'safeint' ? 'integer' : 'number';
    if (min !== undefined && max !== undefined) return `${base}, ${min} to ${max}`;
    if (min !== undefined) return min === '0 (excluded)' ? `${base} > 0` : `${base} ≥ ${min}`;
    return base;
  }
  return def.type;
}

function defaultOf(schema: z.ZodMiniType): string {
  const def = defOf(schema);
  if (def.type === 'default') return `\`${JSON.stringify(def.defaultValue)}\``;
  if (def.type === 'optional') return 'unset';
  return 'required';
}

/** A table cell: pipes escaped (also inside code spans, as GitHub's tables require). */
const cell = (text: string) => text.replaceAll('|', '\\|');

const HEAD = [
  '<!-- Generated by `npm run docs` from the descriptions in src/config.ts (about(…)): edit those, then run `npm run docs`. -->',
  '',
  '# Configuration',
  '',
  'Broadsheet runs on built-in defaults. To change them, write a JSON file, `broadsheet.config.json` in the',
  'working directory (or name another with `--config FILE` or `BROADSHEET_CONFIG`), set environment variables, or',
  "pass flags. Every key is optional; a missing section is its settings' defaults.",
  '',
  '## Precedence',
  '',
  'Lowest first: **built-in defaults < config file < environment variables < command-line flags**. A value',
  'given at a later level replaces the one before it. Relative paths are resolved against the working directory.',
  '',
  'Secrets are read **only from the environment**, never from the config file (which may be committed): see',
  '[Secrets](#secrets).',
  '',
  '## When the configuration is wrong',
  '',
  'Every problem is listed, each naming where its value came from (the file, the variable or the flag), and',
  'the command stops before doing anything, with exit code 1:',
  '',
  '```',
  'The configuration in /srv/news/broadsheet.config.json is invalid.',
  '  - BROADSHEET_SITE_URL=ftp://example.com/: site.url: expected an absolute http(s) URL',
  '  - BROADSHEET_PORT=abc: server.port: Invalid input: expected number, received string',
  '  - /srv/news/broadsheet.config.json: sit: unknown key; did you mean "site"? (known here: site, feeds, paths, email, delivery, server, schedule)',
  '```',
  '',
  'Unknown keys are errors, with the closest known key: a misspelt key is never silently ignored. A file that',
  'is not JSON is reported with the line and column. A folder that cannot be used names the setting as it was',
  'given (`--out /dev/null/x: not a directory`, `--data …: is a file, not a folder`). Folders are made one level',
  "at a time, so where one cannot be made the command stops at once with the system's answer",
  "(`--out /proc/nope: cannot be created there`); Node's own recursive `mkdir` would spin forever there.",
  '',
  '`site.author` may be written `"Ada Lovelace <ada@example.com> (https://ada.example)"`, and `email.from` and',
  '`email.replyTo` as `"The Gazette <news@example.com>"` or a bare address, as package.json and nodemailer take',
  'them.',
  '',
  '## An example',
  '',
  '```json',
  '{',
  '  "site": {',
  '    "title": "Broadsheet",',
  '    "url": "https://news.example.com/",',
  '    "description": "Posts and weekly digests",',
  '    "language": "en",',
  '    "author": { "name": "The Desk", "email": "desk@example.com", "url": "https://news.example.com/about" },',
  '    "image": "https://news.example.com/logo.png",',
  '    "copyright": "© 2026 The Desk",',
  '    "timezone": "Europe/Paris"',
  '  },',
  '  "feeds": { "limit": 50, "perTag": false, "postPath": "/posts/:slug/", "hub": "https://pubsubhubbub.appspot.com/" },',
  '  "paths": { "content": "content", "out": "public", "data": "data", "templates": "templates" },',
  '  "email": {',
  '    "from": { "name": "The Desk", "address": "digest@news.example.com" },',
  '    "replyTo": { "name": "The Desk", "address": "desk@news.example.com" },',
  '    "subject": "{{ site.title }}: {{ digest.postCount }} new posts in {{ digest.topCategories }} ({{ digest.dateRange }})",',
  '    "postalAddress": "The Desk, 1 Example Street, 75001 Paris, France",',
  '    "unsubscribeMailbox": "unsubscribe@news.example.com",',
  '    "cover": { "width": 552, "height": 276 }',
  '  },',
  '  "delivery": { "maxConnections": 5, "rateLimit": 20, "dkim": { "domainName": "news.example.com", "keySelector": "mail", "privateKeyFile": "/etc/broadsheet/dkim.pem" } },',
  '  "server": { "host": "127.0.0.1", "port": 8080, "trustProxy": "127.0.0.1" },',
  '  "schedule": { "digest": "0 8 * * 1" }',
  '}',
  '```',
  '',
  '## Settings',
  '',
  'The flags: `--content` and `--data` are options of every command that reads the configuration; `--out` of',
  '`build`, `start`, `serve` and `status` (`digest --out` is only where its preview files go); `--host` and',
  '`--port` of `start` and `serve`.',
  '',
];

const TAIL = [
  '## Other environment variables',
  '',
  '| variable | what |',
  '| --- | --- |',
  '| `BROADSHEET_CONFIG` | the config file, when `--config` is not given |',
  '| `BROADSHEET_LOG_LEVEL` | `trace`, `debug`, `info` (default), `warn`, `error`, `fatal` or `silent`; `--verbose` (debug) and `--quiet` (warn) on any command win over it |',
  '| `NO_COLOR` | set and not empty: no colour in logs, and progress as a line every five seconds instead of a redrawn bar |',
  '| `NODE_COMPILE_CACHE` | where Node keeps its module compile cache (default: a folder in the OS temp folder) |',
  '| `BROADSHEET_NODE_HOME` | where `scripts/use-node.sh` installs Node 24 (default: `~/.cache/broadsheet/node-v<version>-<arch>`) |',
  '',
  '## Secrets',
  '',
  'Only ever from the environment:',
  '',
  '| variable | what | when unset |',
  '| --- | --- | --- |',
  '| `BROADSHEET_SMTP_URL` | the SMTP server, credentials included: `smtps://user:password@smtp.example.com:465`, or `smtp://…:587` with STARTTLS | mail is written as `.eml` files to the outbox, `<paths.data>/outbox/` |',
  '| `BROADSHEET_SECRET` | the key that signs confirmation, unsubscribe and preference links and keys the suppression list; at least 32 characters | a random key is generated once into `<paths.data>/secret.key` (mode 0600): keep that file with the database, or links in mail already sent stop working |',
  '| `BROADSHEET_PREVIEW_TOKEN` | lets `/preview` be opened from anywhere with `?token=…` | `/preview` answers loopback clients only ([who may open it](http.md#who-may-open-preview-without-the-token)) |',
  '| `BROADSHEET_DATABASE_URL` | the PostgreSQL database subscribers and campaigns are kept in: `postgres://user:password@db.example.com:5432/broadsheet` ([PostgreSQL](postgresql.md)) | `database.url`, else the SQLite file `<paths.data>/broadsheet.db` |',
  '| `BROADSHEET_BOUNCE_IMAP_URL` | the bounce mailbox: `imaps://user:password@imap.example.com/INBOX`; bounces, complaints and mailto unsubscribes found there are acted on ([bounces](bounces.md)) | no mailbox is read, and `List-Unsubscribe` carries only the https link |',
  "| `BROADSHEET_POSTMARK_WEBHOOK_PASSWORD` | the password of the Postmark webhook's basic auth (with `bounces.postmarkUsername`) | `/webhooks/postmark` is off |",
  "| `BROADSHEET_MAILGUN_SIGNING_KEY` | Mailgun's HTTP webhook signing key | `/webhooks/mailgun` is off |",
  "| `BROADSHEET_SENDGRID_WEBHOOK_KEY` | the verification key of SendGrid's signed event webhook | `/webhooks/sendgrid` is off |",
  '',
];
