// Configuration: one zod schema, validated once, frozen. The only module that reads process.env.
//
// Precedence, lowest first: schema defaults < config file (--config, else BROADSHEET_CONFIG, else
// broadsheet.config.json if present) < environment (BROADSHEET_*) < command-line flags. Secrets (SMTP URL,
// signing key, preview token) come only from the environment. Every problem names where the value came
// from (the file, the variable or the flag); unknown keys are errors, with the closest known key.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IANAZone } from 'luxon';
import { closestMatch } from 'leven';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { AggregateAppError, ConfigError } from './errors.js';
import { cronProblem } from './schedule/due.js';

// zod's functional "mini" build: the same validation as the chained API in a fraction of the code to
// load (every command reads the config first, so its cost is every command's). Unlike the chained API it
// loads no messages of its own: the English ones are set here ("Invalid input" says nothing).
z.config(en());
const text = (min = 0) => (min > 0 ? z.string().check(z.minLength(min)) : z.string());
const int = (min: number, max?: number) => (max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max)));

/**
 * A setting's description, the source of docs/configuration.md (`npm run docs`). It is kept in zod's
 * global registry, which costs one WeakMap entry and no check at parse time (`z.describe` would add one).
 */
const about = <S extends z.ZodMiniType>(schema: S, description: string): S => {
  z.globalRegistry.add(schema, { description });
  return schema;
};
/** The name docs/configuration.md gives a value's type where "string" would say too little. */
const named = <S extends z.ZodMiniType>(schema: S, title: string): S => {
  z.globalRegistry.add(schema, { title });
  return schema;
};

const httpUrl = named(
  z.pipe(
    z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }),
    z.transform((u: string) => new URL(u).toString()),
  ),
  'http(s) URL',
);

const timezone = named(
  z.string().check(z.refine((tz) => IANAZone.isValidZone(tz), { error: 'expected an IANA timezone such as "Europe/Paris" or "UTC"' })),
  'IANA timezone',
);

export const SiteConfig = z.strictObject({
  title: about(z._default(text(1), 'Broadsheet'), 'Site name: feed titles, pages and the email header.'),
  url: about(
    z._default(httpUrl, 'http://127.0.0.1:8080/'),
    'Public base URL; every link in feeds, pages and email (`List-Unsubscribe` included) is absolute against it. Unset, it follows `server.host` and `server.port`, so `start --port 3000` links to port 3000. In production, the https address readers use.',
  ),
  description: about(
    z._default(z.string(), 'Posts and weekly digests'),
    "The site's description: in feeds (a category's adds its name) and on the index page.",
  ),
  language: about(
    z._default(named(z.string().check(z.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag like "en" or "en-GB"')), 'language tag'), 'en'),
    'BCP 47 language tag of the feeds and pages, such as `en` or `en-GB`.',
  ),
  author: about(
    z._default(
      named(
        z.strictObject({
          name: about(text(1), "The author's name."),
          email: about(z.optional(z.email()), "The author's email address."),
          url: about(z.optional(httpUrl), "The author's web page."),
        }),
        'person',
      ),
      { name: 'Broadsheet' },
    ),
    'Author of the feeds, owner of `feeds.opml`, and the author of posts that name none. Also written `"Ada Lovelace <ada@example.com> (https://ada.example)"`, as package.json takes it.',
  ),
  image: about(z.optional(httpUrl), 'Logo for feeds (absolute URL).'),
  copyright: about(z.optional(z.string()), 'Copyright notice in the feeds.'),
  postsPerPage: about(
    z._default(int(1, 1000), 10),
    'Posts per list page: the front page and each category page list this many, newest first, and go on at `page/2/`, `page/3/`, ….',
  ),
  timezone: about(
    z._default(timezone, 'UTC'),
    'Timezone for dates without an offset, for digest windows, for the scheduler, and for subscribers who gave none at signup.',
  ),
});
export type SiteConfig = z.infer<typeof SiteConfig>;

export const FeedsConfig = z.strictObject({
  limit: about(z._default(int(1, 10_000), 50), 'Items per feed, newest first.'),
  perTag: about(z._default(z.boolean(), false), 'Also write a channel (RSS, Atom, JSON Feed) per tag, under `tags/<tag-slug>/`.'),
  postPath: about(
    z._default(
      named(
        z.string().check(z.refine((p) => p.startsWith('/') && p.includes(':slug'), { error: 'expected a path starting with "/" that contains ":slug"' })),
        'path with `:slug`',
      ),
      '/posts/:slug/',
    ),
    "Path of a post's page under `site.url`; `:slug` and `:category` are replaced.",
  ),
  postPages: about(
    z._default(z.boolean(), true),
    "Write a page for every published post at `feeds.postPath` (`OUT/posts/<slug>/index.html` by default). Set it to `false` when `feeds.postPath` points at your own site's pages (Hugo, Jekyll, Astro): Broadsheet then writes none, and removes the ones it wrote before.",
  ),
  links: about(
    z._default(z.enum(['page', 'source']), 'page'),
    'Where feed items and digest cards link: `"page"`, the post\'s page; `"source"`, the original article for posts that have a `source` (the others still link to their page). The item\'s id (RSS guid, Atom id, JSON Feed id) is always the post\'s page.',
  ),
  hub: about(z.optional(httpUrl), 'WebSub hub, advertised in every feed when set; a rebuild that changed a feed pings it.'),
});
export type FeedsConfig = z.infer<typeof FeedsConfig>;

export const PathsConfig = z.strictObject({
  content: about(
    z._default(text(1), 'content'),
    'Folder of posts: every `*.md` and `*.markdown` file below it. Relative paths in settings are resolved against the working directory.',
  ),
  out: about(z._default(text(1), 'public'), 'Where the site (feeds, pages, OPML, `digest.json`) is written, and served from.'),
  data: about(z._default(text(1), 'data'), 'Database, build cache, outbox, previews and the generated signing key (`secret.key`).'),
  templates: about(z.optional(text(1)), 'Email and page templates; unset: the `templates/` folder shipped with Broadsheet.'),
});

const mailbox = named(
  z.strictObject({
    name: about(z.optional(z.string()), 'Display name.'),
    address: about(z.email({ error: 'expected an email address' }), 'Email address.'),
  }),
  'mailbox',
);

export const EmailConfig = z.strictObject({
  from: about(
    z._default(mailbox, { name: 'Broadsheet', address: 'digest@localhost' }),
    'Sender of every message; its domain is used for Message-IDs and `List-Id`. Also written `"The Gazette <news@example.com>"` or as a bare address. Use a domain you control.',
  ),
  replyTo: about(z.optional(mailbox), 'Reply-To of every message; written like `email.from`.'),
  subject: about(
    z._default(
      text(1),
      '{{ site.title }}: {{ digest.postCount }} new {% if digest.postCount == 1 %}post{% else %}posts{% endif %} in {{ digest.topCategories }} ({{ digest.dateRange }})',
    ),
    "The digest's subject, a Liquid template: `digest.postCount`, `digest.dateRange`, `digest.topCategories`, `site.title`.",
  ),
  postalAddress: about(
    z.optional(z.string()),
    "The sender's postal address, shown in every footer: bulk-mail law in many places requires it (the `digest` preview warns when it is unset).",
  ),
  unsubscribeMailbox: about(z.optional(z.email()), 'Address of the `mailto:` in `List-Unsubscribe`; unset: `email.replyTo`, else `email.from`.'),
  cover: about(
    z._default(
      z.strictObject({
        width: about(z._default(int(100, 600), 552), 'Width in CSS pixels.'),
        height: about(z._default(int(50, 600), 276), 'Height in CSS pixels.'),
      }),
      { width: 552, height: 276 },
    ),
    'Size the cover images are shown at in the digest email.',
  ),
});
export type EmailConfig = z.infer<typeof EmailConfig>;

export const DeliveryConfig = z.strictObject({
  maxConnections: about(z._default(int(1, 50), 5), 'SMTP connections kept open at once; also the most messages ever in flight.'),
  rateLimit: about(z.optional(z.number().check(z.positive())), 'Messages per second across all connections; unset: as fast as the server accepts.'),
  retry: about(
    z._default(
      z.strictObject({
        attempts: about(z._default(int(1, 10), 4), 'Tries per message, the first included.'),
        delayMs: about(z._default(int(0), 2000), 'Wait before the first retry, in milliseconds; it doubles at each retry.'),
      }),
      { attempts: 4, delayMs: 2000 },
    ),
    'Temporary failures (4xx, dropped connection, timeout) are retried with exponential backoff; what still fails is marked failed, for `send --retry-failed`.',
  ),
  dkim: about(
    z.optional(
      z.strictObject({
        domainName: about(text(1), 'Signing domain (`d=`).'),
        keySelector: about(text(1), 'Selector of the DNS record holding the public key (`s=`).'),
        privateKeyFile: about(text(1), 'File holding the private key (PEM), resolved against the working directory.'),
      }),
    ),
    'DKIM-sign every message. The private key is read from a file: never put key material in the config.',
  ),
  firstDigestDays: about(z._default(int(1, 60), 7), "Days a new subscriber's first digest covers."),
  confirmDays: about(z._default(int(1, 60), 7), 'Days a double opt-in confirmation link stays valid.'),
  timeoutSeconds: about(
    z._default(int(5, 600), 60),
    'The longest a mail server may keep one message waiting (a stalled or silent server): connecting and the greeting get at most 30 s of it, and any pause in the conversation fails the attempt.',
  ),
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;

export const DatabaseConfig = z.strictObject({
  url: about(
    z.optional(
      z.string().check(
        z.refine((url) => /^postgres(ql)?:\/\/[^/]/.test(url), { error: 'expected a postgres:// URL' }),
        z.refine((url) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url), {
          error:
            'holds a password: put the whole URL in BROADSHEET_DATABASE_URL instead (or the password in PGPASSWORD), never in a file that may be committed',
        }),
      ),
    ),
    'A PostgreSQL database to keep subscribers and campaigns in, instead of the SQLite file under `paths.data` (`postgres://user@host:5432/broadsheet`, without a password: `BROADSHEET_DATABASE_URL` with one wins; see docs/postgresql.md).',
  ),
});
export type DatabaseConfig = z.infer<typeof DatabaseConfig>;

export const BouncesConfig = z.strictObject({
  address: about(
    z.optional(z.email()),
    'Envelope sender (Return-Path) of every message, tagged per delivery and signed (`bounces+b-12-345-…@example.com`), so a bounce names who it is about without its body being read. Point it at the mailbox `BROADSHEET_BOUNCE_IMAP_URL` reads. Unset: the envelope sender is `email.from`, untagged.',
  ),
  softLimit: about(z._default(int(1, 100), 3), 'Soft bounces (a full mailbox, 4.x.x) within `softWindowDays` that make an address `bounced`.'),
  softWindowDays: about(z._default(int(1, 365), 30), 'Days over which soft bounces are counted.'),
  sesTopicArns: about(
    z._default(z.array(text(1)), []),
    'SNS topics whose notifications `POST /webhooks/ses` accepts (your SES bounce and complaint topics). Empty: the route is off.',
  ),
  postmarkUsername: about(
    z.optional(text(1)),
    'User name of the basic auth in the Postmark webhook URL (`https://user:password@…/webhooks/postmark`); the password is `BROADSHEET_POSTMARK_WEBHOOK_PASSWORD`. Both set: the route is on.',
  ),
});
export type BouncesConfig = z.infer<typeof BouncesConfig>;

export const ServerConfig = z.strictObject({
  host: about(z._default(text(1), '127.0.0.1'), 'Address `start` and `serve` listen on. Loopback by default: put a reverse proxy in front to publish it.'),
  port: about(z._default(int(0, 65535), 8080), 'Port `start` and `serve` listen on (0: any free port).'),
  trustProxy: about(
    z._default(z.union([z.boolean(), z.string()]), false),
    'Behind a reverse proxy: `true`, or better the proxy\'s address or CIDR (`"127.0.0.1"`), so rate limits and the `/preview` guard see the visitor\'s address in `X-Forwarded-For`. Off by default: anyone could forge that header.',
  ),
  subscribeRateLimit: about(z._default(int(1), 5), 'Subscribe requests allowed per client address per minute.'),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const cronExpression = named(
  z.string().check(
    z.superRefine((expr, ctx) => {
      const problem = cronProblem(expr, 'UTC');
      if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression ("${expr}"): ${problem}` });
    }),
  ),
  'cron expression',
);

export const ScheduleConfig = z.strictObject({
  digest: about(z._default(cronExpression, '0 8 * * 1'), "When the digest goes out, read in each subscriber's own timezone (default: Mondays 08:00)."),
  rebuild: about(
    z._default(cronExpression, '*/15 * * * *'),
    'How often `start` rebuilds the feeds (they are also rebuilt two seconds after a content file changes).',
  ),
  digestCheck: about(
    z._default(cronExpression, '*/5 * * * *'),
    "How often `start` looks for subscribers due a digest: fine enough for every timezone's local hour.",
  ),
  bounceCheck: about(
    z._default(cronExpression, '*/5 * * * *'),
    'How often `start` reads the bounce mailbox (`BROADSHEET_BOUNCE_IMAP_URL`); without one, never.',
  ),
  leaseSeconds: about(
    z._default(int(10, 3600), 120),
    "Lifetime of a sending run's lease (and of the digest check's), renewed every third of it: a crashed process's deliveries go to the other senders after this.",
  ),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

/** A regular expression's source, checked to compile (matched against a trimmed line, case-insensitive). */
const linePattern = named(
  z.string().check(
    z.minLength(1),
    z.refine(
      (source) => {
        try {
          new RegExp(source, 'iu');
          return true;
        } catch {
          return false;
        }
      },
      { error: (issue) => `expected a regular expression, got ${JSON.stringify(issue.input)}, which does not compile` },
    ),
  ),
  'regular expression',
);

export const CleanConfig = z.strictObject({
  dropLines: about(
    z._default(z.array(linePattern), []),
    'Lines a site\'s scraped bodies carry that the built-in rules do not know, dropped wherever they are (outside code blocks): regular expressions matched case-insensitively against each trimmed line, e.g. `"^Sign up for our newsletter"`.',
  ),
  endMarkers: about(
    z._default(z.array(linePattern), []),
    'Lines that end the article, e.g. `"^More from"`: the line and everything after it are dropped. Regular expressions as in `clean.dropLines`.',
  ),
  zones: about(
    z._default(z.record(z.string().check(z.regex(/^[A-Z]{2,5}$/, 'expected a zone abbreviation such as "IST"')), z.union([int(-720, 840), timezone])), {}),
    'Time-zone abbreviations in "Posted:" lines, added to or overriding the built-in ones: minutes east of UTC or an IANA zone, e.g. `{ "IST": 60 }` for Irish Summer Time (built in, IST is India).',
  ),
});
export type CleanConfig = z.infer<typeof CleanConfig>;

// A missing section is its own defaults: worked out when a config is parsed, not at import.
const section = <S extends z.ZodMiniObject>(schema: S) => z._default(schema, () => schema.parse({}) as never);

export const Config = z.strictObject({
  site: about(section(SiteConfig), 'The site: its name, address, author and timezone.'),
  feeds: about(section(FeedsConfig), 'The feeds: how many items, per-tag channels, post URLs, WebSub.'),
  paths: about(section(PathsConfig), 'Where posts are read from and everything is written to.'),
  clean: about(section(CleanConfig), "Cleaning scraped bodies: the site's own furniture lines and end markers (see docs/posts.md)."),
  email: about(section(EmailConfig), 'The digest email and the other messages: sender, subject, footer.'),
  delivery: about(section(DeliveryConfig), 'Sending: connections, rate, retries, DKIM, confirmation links.'),
  database: about(section(DatabaseConfig), 'Where subscribers and campaigns are kept: the SQLite file under `paths.data` by default, or PostgreSQL.'),
  bounces: about(section(BouncesConfig), 'What comes back: the bounce address, soft-bounce limits, webhooks of sending services (see docs/bounces.md).'),
  server: about(section(ServerConfig), 'The HTTP server of `start` and `serve`.'),
  schedule: about(section(ScheduleConfig), "The jobs `start` runs: cron expressions, read in `site.timezone` (the digest's in each subscriber's own)."),
});
export type Config = z.infer<typeof Config>;

export interface ConfigSources {
  /** Explicit --config path; when absent, BROADSHEET_CONFIG, then broadsheet.config.json in cwd if it exists. */
  configFile?: string | undefined;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Values from command-line flags, highest precedence. */
  flags?: { content?: string | undefined; out?: string | undefined; data?: string | undefined; host?: string | undefined; port?: string | undefined };
}

const DEFAULT_CONFIG_FILE = 'broadsheet.config.json';

/** Environment variables that override the config file: per-deployment values only. */
export const ENV_OVERRIDES: ReadonlyArray<[string, string[], 'number'?]> = [
  ['BROADSHEET_SITE_URL', ['site', 'url']],
  ['BROADSHEET_SITE_TITLE', ['site', 'title']],
  ['BROADSHEET_TIMEZONE', ['site', 'timezone']],
  ['BROADSHEET_CONTENT_DIR', ['paths', 'content']],
  ['BROADSHEET_OUT_DIR', ['paths', 'out']],
  ['BROADSHEET_DATA_DIR', ['paths', 'data']],
  ['BROADSHEET_HOST', ['server', 'host']],
  ['BROADSHEET_PORT', ['server', 'port'], 'number'],
];

/** Command-line flags that override everything else (docs/configuration.md lists them beside each setting). */
export const FLAG_OVERRIDES: ReadonlyArray<[keyof NonNullable<ConfigSources['flags']>, string[], 'number'?]> = [
  ['content', ['paths', 'content']],
  ['out', ['paths', 'out']],
  ['data', ['paths', 'data']],
  ['host', ['server', 'host']],
  ['port', ['server', 'port'], 'number'],
];

/** Where each value given outside the file came from, by config path ("server.port" → "--port abc"). */
type Origins = Map<string, string>;
const originsOf = new WeakMap<object, { file: string; origins: Origins }>();

/**
 * Where a config value came from, for messages: "--out", "BROADSHEET_OUT_DIR", "paths.out in
 * broadsheet.config.json", or "paths.out (default)".
 */
export function originOf(config: Readonly<Config>, keyPath: string): string {
  const known = originsOf.get(config);
  const given = known?.origins.get(keyPath);
  if (given) return given.split(/[ =]/)[0]!;
  return known && known.file !== 'defaults and environment' ? `${keyPath} in ${known.file}` : `${keyPath} (default)`;
}

/** Secrets: only ever from the environment, never from a file that might be committed. */
export interface Secrets {
  /** Key for signing unsubscribe and preference links; generated and stored under data/ when unset. */
  signingKey: string | undefined;
  /** smtp:// or smtps:// URL, credentials included; unset = write mail to the outbox folder. */
  smtpUrl: string | undefined;
  /** Lets /preview be opened from other hosts with ?token=…; unset = loopback clients only. */
  previewToken: string | undefined;
  /** imap:// or imaps:// URL of the bounce mailbox, credentials and folder included; unset = no mailbox is read. */
  bounceImapUrl: string | undefined;
  /** Password of the Postmark webhook's basic auth. */
  postmarkWebhookPassword: string | undefined;
  /** Mailgun's HTTP webhook signing key. */
  mailgunSigningKey: string | undefined;
  /** SendGrid's signed event webhook verification key (the public key it shows, base64). */
  sendgridWebhookKey: string | undefined;
  /** postgres:// URL, credentials included; wins over `database.url`. Unset (and no database.url): SQLite. */
  databaseUrl: string | undefined;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How much is logged and whether in colour: --verbose (debug) or --quiet (warnings and errors only),
 * else BROADSHEET_LOG_LEVEL, else info; colour only where NO_COLOR is unset (https://no-color.org).
 */
export function readOutputSettings(
  env: Record<string, string | undefined>,
  flags: { verbose?: boolean | undefined; quiet?: boolean | undefined } = {},
): { level: LogLevel; color: boolean } {
  const color = env.NO_COLOR === undefined || env.NO_COLOR === '';
  if (flags.verbose) return { level: 'debug', color };
  if (flags.quiet) return { level: 'warn', color };
  const given = env.BROADSHEET_LOG_LEVEL?.trim().toLowerCase();
  if (!given) return { level: 'info', color };
  if (!(LOG_LEVELS as readonly string[]).includes(given)) {
    throw new ConfigError({ field: 'BROADSHEET_LOG_LEVEL', message: `expected one of ${LOG_LEVELS.join(', ')}, got "${env.BROADSHEET_LOG_LEVEL}"` });
  }
  return { level: given as LogLevel, color };
}

/** The database PostgreSQL is kept in, when one is configured (BROADSHEET_DATABASE_URL, else database.url). */
export function databaseUrlOf(config: Readonly<Config>, env: Record<string, string | undefined>): string | undefined {
  return readSecrets(env).databaseUrl ?? config.database.url;
}

export function readSecrets(env: Record<string, string | undefined>): Secrets {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const smtpUrl = value('BROADSHEET_SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    throw new ConfigError({ field: 'BROADSHEET_SMTP_URL', message: 'expected smtp://user:pass@host:port or smtps://…' });
  }
  const databaseUrl = value('BROADSHEET_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^/]/.test(databaseUrl)) {
    throw new ConfigError({ field: 'BROADSHEET_DATABASE_URL', message: 'expected postgres://user:password@host:5432/database' });
  }
  const bounceImapUrl = value('BROADSHEET_BOUNCE_IMAP_URL');
  if (bounceImapUrl !== undefined && !/^imaps?:\/\/[^/]/.test(bounceImapUrl)) {
    throw new ConfigError({ field: 'BROADSHEET_BOUNCE_IMAP_URL', message: 'expected imaps://user:password@host/INBOX (or imap:// on a trusted network)' });
  }
  return {
    signingKey: value('BROADSHEET_SECRET'),
    smtpUrl,
    previewToken: value('BROADSHEET_PREVIEW_TOKEN'),
    bounceImapUrl,
    postmarkWebhookPassword: value('BROADSHEET_POSTMARK_WEBHOOK_PASSWORD'),
    mailgunSigningKey: value('BROADSHEET_MAILGUN_SIGNING_KEY'),
    sendgridWebhookKey: value('BROADSHEET_SENDGRID_WEBHOOK_KEY'),
    databaseUrl,
  };
}

export async function loadConfig(sources: ConfigSources): Promise<Readonly<Config>> {
  const { file, raw } = await readConfigFile(sources);
  const merged = structuredClone(raw);
  const origins: Origins = new Map();
  const give = (keyPath: string[], value: string, origin: string, kind?: 'number') => {
    setPath(merged, keyPath, kind === 'number' && /^\d+$/.test(value.trim()) ? Number(value) : value);
    origins.set(keyPath.join('.'), origin);
  };
  for (const [name, keyPath, kind] of ENV_OVERRIDES) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') give(keyPath, value, `${name}=${value}`, kind);
  }
  for (const [flag, keyPath, kind] of FLAG_OVERRIDES) {
    const value = sources.flags?.[flag];
    if (value) give(keyPath, value, `--${flag} ${value}`, kind);
  }
  followServerAddress(merged);
  return parseConfig(merged, file ?? 'defaults and environment', origins);
}

/**
 * Without a site.url, links point where this server listens: `start --port 3000` puts :3000 in every
 * link and form, not the default's :8080. (A wildcard address links to loopback; port 0, chosen by the
 * system at listen time, keeps the default.)
 */
function followServerAddress(merged: Record<string, unknown>): void {
  const site = merged.site as Record<string, unknown> | undefined;
  if (site?.url !== undefined) return;
  const server = (merged.server ?? {}) as Record<string, unknown>;
  if (server.host === undefined && server.port === undefined) return;
  const port = typeof server.port === 'number' && Number.isInteger(server.port) && server.port > 0 ? server.port : undefined;
  const given = typeof server.host === 'string' ? server.host : '127.0.0.1';
  const host =
    given === '0.0.0.0' || given === '' ? '127.0.0.1' : given === '::' ? '[::1]' : given.includes(':') && !given.startsWith('[') ? `[${given}]` : given;
  if (port === undefined && host === '127.0.0.1') return;
  setPath(merged, ['site', 'url'], `http://${host}:${port ?? 8080}/`);
}

/**
 * Validate a raw config object; every issue is listed as `where: path: message`, where is the file, the
 * environment variable or the flag the value came from.
 */
export function parseConfig(raw: unknown, source = 'config', origins: Origins = new Map()): Readonly<Config> {
  const result = Config.safeParse(expandShorthands(raw));
  if (!result.success) {
    const errors = result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const at = [...issue.path, key].map(String);
          const known = knownKeys(issue.path.map(String));
          const guess = closestMatch(key, known, { maxDistance: Math.max(2, Math.floor(key.length / 3)) });
          const message = `unknown key${guess ? `; did you mean "${guess}"?` : ''} (known here: ${known.join(', ')})`;
          return new ConfigError({ file: source, field: at.join('.'), message });
        });
      }
      const field = issue.path.join('.') || '(root)';
      const origin = originFor(origins, issue.path.map(String));
      return [new ConfigError({ file: origin ?? source, field, message: issue.message })];
    });
    throw new AggregateAppError('CONFIG_INVALID', `The configuration in ${source} is invalid.`, errors);
  }
  const config = deepFreeze(result.data);
  originsOf.set(config, { file: source, origins });
  return config;
}

/** The flag or variable that set this path or one above it, if any. */
function originFor(origins: Origins, keyPath: string[]): string | undefined {
  for (let i = keyPath.length; i > 0; i--) {
    const origin = origins.get(keyPath.slice(0, i).join('.'));
    if (origin) return origin;
  }
  return undefined;
}

/** The keys the schema knows at a path ([] for the top level). */
function knownKeys(keyPath: readonly string[]): string[] {
  let schema = unwrap(Config);
  for (const key of keyPath) schema = unwrap(shapeOf(schema)?.[key]);
  return Object.keys(shapeOf(schema) ?? {});
}

type AnySchema = { _zod: { def: { type: string; innerType?: AnySchema; in?: AnySchema; shape?: Record<string, AnySchema> } } } | undefined;
function unwrap(schema: unknown): AnySchema {
  let s = schema as AnySchema;
  while (s && (s._zod.def.innerType || s._zod.def.type === 'pipe')) s = s._zod.def.innerType ?? s._zod.def.in;
  return s;
}
function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  return schema?._zod.def.type === 'object' ? schema._zod.def.shape : undefined;
}

/**
 * The forms people write by habit, as package.json and nodemailer take them: an author as
 * "Name <email> (url)", a mailbox as "Name <address>" or a bare address. Anything else is left for the
 * schema to report.
 */
function expandShorthands(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const copy = structuredClone(raw) as Record<string, Record<string, unknown> | undefined>;
  const site = copy.site;
  if (site && typeof site === 'object' && typeof site.author === 'string') site.author = parsePerson(site.author);
  const email = copy.email;
  if (email && typeof email === 'object') {
    for (const key of ['from', 'replyTo'] as const) {
      if (typeof email[key] === 'string') email[key] = parseMailbox(email[key] as string);
    }
  }
  return copy;
}

/** "Ada Lovelace <ada@example.com> (https://ada.example)": any part but the name may be left out. */
export function parsePerson(text: string): { name: string; email?: string; url?: string } {
  const match = /^\s*([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?\s*$/.exec(text);
  if (!match) return { name: text.trim() };
  return { name: match[1]!, ...(match[2] ? { email: match[2].trim() } : {}), ...(match[3] ? { url: match[3].trim() } : {}) };
}

/** "The Gazette <news@example.com>", "<news@example.com>" or "news@example.com". */
export function parseMailbox(text: string): { name?: string; address: string } {
  const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(text);
  if (!match) return { address: text.trim() };
  return { ...(match[1] ? { name: match[1] } : {}), address: match[2]!.trim() };
}

async function readConfigFile(sources: ConfigSources): Promise<{ file?: string; raw: Record<string, unknown> }> {
  const given = sources.configFile ?? (sources.env.BROADSHEET_CONFIG || undefined);
  const explicit = given !== undefined;
  const file = path.resolve(sources.cwd, given ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (!explicit && (cause as NodeJS.ErrnoException).code === 'ENOENT') return { raw: {} };
    throw new ConfigError({
      file,
      message: 'cannot read the config file',
      ...(sources.configFile === undefined ? { hint: 'named by BROADSHEET_CONFIG' } : {}),
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new ConfigError({ file, message: `is not valid JSON: ${withLineAndColumn((cause as Error).message, text)}`, cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError({ file, message: 'expected a JSON object at the top level' });
  }
  return { file, raw: raw as Record<string, unknown> };
}

/** V8 gives the line and column of most JSON errors, but not of "Unexpected end of JSON input". */
function withLineAndColumn(message: string, text: string): string {
  if (/\(line \d+ column \d+\)/.test(message)) return message;
  const at = /at position (\d+)/.exec(message);
  const position = at ? Number(at[1]) : text.length;
  const before = text.slice(0, position).split('\n');
  return `${message} (line ${before.length} column ${before[before.length - 1]!.length + 1})`;
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
