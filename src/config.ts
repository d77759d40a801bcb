// Configuration: one zod schema, validated once, frozen. The only module that reads process.env.
//
// Precedence, lowest first: schema defaults < config file (broadsheet.config.json) < environment
// (BROADSHEET_*) < command-line flags. Secrets (later: SMTP URL, HMAC key) come only from the environment.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IANAZone } from 'luxon';
import * as z from 'zod';
import { AggregateAppError, ConfigError } from './errors.js';
import { cronProblem } from './schedule/due.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' })
  .transform((u) => new URL(u).toString());

const timezone = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), { error: 'expected an IANA timezone such as "Europe/Paris" or "UTC"' });

export const SiteConfig = z.object({
  /** Site name: feed titles and the email header. */
  title: z.string().min(1).default('Broadsheet'),
  /** Public base URL; every link in feeds and email is absolute against it. */
  url: httpUrl.default('http://127.0.0.1:8080/'),
  description: z.string().default('Posts and weekly digests'),
  /** BCP 47 language tag for feeds. */
  language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag like "en" or "en-GB"').default('en'),
  author: z
    .object({ name: z.string().min(1), email: z.email().optional(), url: httpUrl.optional() })
    .default({ name: 'Broadsheet' }),
  /** Logo for feeds (absolute URL). */
  image: httpUrl.optional(),
  copyright: z.string().optional(),
  /** Timezone for date-only and offset-less dates, and for digest windows. */
  timezone: timezone.default('UTC'),
});
export type SiteConfig = z.infer<typeof SiteConfig>;

export const FeedsConfig = z.object({
  /** Items per feed, newest first. */
  limit: z.number().int().min(1).max(10_000).default(50),
  /** Also write a feed per tag under tags/<tag-slug>/. */
  perTag: z.boolean().default(false),
  /** Path of a post's page under site.url; `:slug` and `:category` are replaced. */
  postPath: z
    .string()
    .refine((p) => p.startsWith('/') && p.includes(':slug'), { error: 'expected a path starting with "/" that contains ":slug"' })
    .default('/posts/:slug/'),
  /** WebSub hub URL, advertised in every feed when set. */
  hub: httpUrl.optional(),
});
export type FeedsConfig = z.infer<typeof FeedsConfig>;

export const PathsConfig = z.object({
  content: z.string().min(1).default('content'),
  out: z.string().min(1).default('public'),
  /** Database, outbox, previews and the generated signing secret. */
  data: z.string().min(1).default('data'),
  /** Email and page templates; default: the templates/ folder shipped with Broadsheet. */
  templates: z.string().min(1).optional(),
});

const mailbox = z.object({ name: z.string().optional(), address: z.email({ error: 'expected an email address' }) });

export const EmailConfig = z.object({
  /** Sender of the digest; its domain is used for Message-IDs and List-Id. */
  from: mailbox.default({ name: 'Broadsheet', address: 'digest@localhost' }),
  replyTo: mailbox.optional(),
  /** Subject template (Liquid): digest.postCount, digest.dateRange, digest.topCategories, site.title. */
  subject: z.string().min(1).default('{{ site.title }}: {{ digest.postCount }} new {% if digest.postCount == 1 %}post{% else %}posts{% endif %} in {{ digest.topCategories }} ({{ digest.dateRange }})'),
  /** The sender's postal address, shown in every footer (required by law for bulk mail in many places). */
  postalAddress: z.string().optional(),
  /** Address for mailto: unsubscribes; defaults to reply-to, then from. */
  unsubscribeMailbox: z.email().optional(),
  /** Size the cover images are shown at, in CSS pixels. */
  cover: z.object({ width: z.number().int().min(100).max(600).default(552), height: z.number().int().min(50).max(600).default(276) }).default({ width: 552, height: 276 }),
});
export type EmailConfig = z.infer<typeof EmailConfig>;

export const DeliveryConfig = z.object({
  /** SMTP connections kept open at once; also the most messages ever in flight. */
  maxConnections: z.number().int().min(1).max(50).default(5),
  /** Messages per second across all connections; unset = as fast as the server accepts. */
  rateLimit: z.number().positive().optional(),
  /** Temporary failures (4xx, dropped connection, timeout) are retried with exponential backoff. */
  retry: z
    .object({ attempts: z.number().int().min(1).max(10).default(4), delayMs: z.number().int().min(0).default(2000) })
    .default({ attempts: 4, delayMs: 2000 }),
  /** DKIM signing: the private key is read from a file (never put key material in the config). */
  dkim: z.object({ domainName: z.string().min(1), keySelector: z.string().min(1), privateKeyFile: z.string().min(1) }).optional(),
  /** New subscribers' first digest covers this many days. */
  firstDigestDays: z.number().int().min(1).max(60).default(7),
  /** Days a double opt-in confirmation link stays valid. */
  confirmDays: z.number().int().min(1).max(60).default(7),
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;

export const ServerConfig = z.object({
  /** Loopback by default: put a reverse proxy in front to publish it. */
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /**
   * Behind a reverse proxy, trust its X-Forwarded-For so rate limits and the preview guard see the
   * visitor's address (true, or the proxy's address/CIDR). Off by default: anyone could forge it.
   */
  trustProxy: z.union([z.boolean(), z.string()]).default(false),
  /** Subscribe requests allowed per client IP per minute. */
  subscribeRateLimit: z.number().int().min(1).default(5),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const cronExpression = z.string().superRefine((expr, ctx) => {
  const problem = cronProblem(expr, 'UTC');
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression ("${expr}"): ${problem}` });
});

export const ScheduleConfig = z.object({
  /** When the digest goes out, read in each subscriber's own timezone (default: Mondays 08:00). */
  digest: cronExpression.default('0 8 * * 1'),
  /** How often the feeds are rebuilt (they are also rebuilt soon after a content file changes). */
  rebuild: cronExpression.default('*/15 * * * *'),
  /** How often the scheduler checks who is due a digest: fine enough for every timezone's local hour. */
  digestCheck: cronExpression.default('*/5 * * * *'),
  /** Lease on sending, renewed while a send runs; a crashed holder's lease expires after this. */
  leaseSeconds: z.number().int().min(10).max(3600).default(120),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const Config = z.object({
  site: SiteConfig.default(SiteConfig.parse({})),
  feeds: FeedsConfig.default(FeedsConfig.parse({})),
  paths: PathsConfig.default(PathsConfig.parse({})),
  email: EmailConfig.default(EmailConfig.parse({})),
  delivery: DeliveryConfig.default(DeliveryConfig.parse({})),
  server: ServerConfig.default(ServerConfig.parse({})),
  schedule: ScheduleConfig.default(ScheduleConfig.parse({})),
});
export type Config = z.infer<typeof Config>;

export interface ConfigSources {
  /** Explicit --config path; when absent, broadsheet.config.json in cwd is used if it exists. */
  configFile?: string | undefined;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Values from command-line flags, highest precedence. */
  flags?: { content?: string | undefined; out?: string | undefined; data?: string | undefined; host?: string | undefined; port?: string | undefined };
}

const DEFAULT_CONFIG_FILE = 'broadsheet.config.json';

/** Environment variables that override the config file: per-deployment values only. */
const ENV_OVERRIDES: ReadonlyArray<[string, string[]]> = [
  ['BROADSHEET_SITE_URL', ['site', 'url']],
  ['BROADSHEET_SITE_TITLE', ['site', 'title']],
  ['BROADSHEET_TIMEZONE', ['site', 'timezone']],
  ['BROADSHEET_CONTENT_DIR', ['paths', 'content']],
  ['BROADSHEET_OUT_DIR', ['paths', 'out']],
  ['BROADSHEET_DATA_DIR', ['paths', 'data']],
  ['BROADSHEET_HOST', ['server', 'host']],
];

/** Secrets: only ever from the environment, never from a file that might be committed. */
export interface Secrets {
  /** Key for signing unsubscribe and preference links; generated and stored under data/ when unset. */
  signingKey: string | undefined;
  /** smtp:// or smtps:// URL, credentials included; unset = write mail to the outbox folder. */
  smtpUrl: string | undefined;
  /** Lets /preview be opened from other hosts with ?token=…; unset = loopback clients only. */
  previewToken: string | undefined;
}

export function readSecrets(env: Record<string, string | undefined>): Secrets {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const smtpUrl = value('BROADSHEET_SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    throw new ConfigError({ field: 'BROADSHEET_SMTP_URL', message: 'expected smtp://user:pass@host:port or smtps://…' });
  }
  return { signingKey: value('BROADSHEET_SECRET'), smtpUrl, previewToken: value('BROADSHEET_PREVIEW_TOKEN') };
}

export async function loadConfig(sources: ConfigSources): Promise<Readonly<Config>> {
  const { file, raw } = await readConfigFile(sources);
  const merged = structuredClone(raw);
  for (const [name, keyPath] of ENV_OVERRIDES) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') setPath(merged, keyPath, value);
  }
  if (sources.flags?.content) setPath(merged, ['paths', 'content'], sources.flags.content);
  if (sources.flags?.out) setPath(merged, ['paths', 'out'], sources.flags.out);
  if (sources.flags?.data) setPath(merged, ['paths', 'data'], sources.flags.data);
  if (sources.flags?.host) setPath(merged, ['server', 'host'], sources.flags.host);
  if (sources.flags?.port) setPath(merged, ['server', 'port'], Number(sources.flags.port));
  return parseConfig(merged, file ?? 'defaults and environment');
}

/** Validate a raw config object; every issue is listed as `path: message`. */
export function parseConfig(raw: unknown, source = 'config'): Readonly<Config> {
  const result = Config.safeParse(raw);
  if (!result.success) {
    const errors = result.error.issues.map(
      (issue) => new ConfigError({ file: source, field: issue.path.join('.') || '(root)', message: issue.message }),
    );
    throw new AggregateAppError('CONFIG_INVALID', `The configuration in ${source} is invalid.`, errors);
  }
  return deepFreeze(result.data);
}

async function readConfigFile(sources: ConfigSources): Promise<{ file?: string; raw: Record<string, unknown> }> {
  const explicit = sources.configFile !== undefined;
  const file = path.resolve(sources.cwd, sources.configFile ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (!explicit && (cause as NodeJS.ErrnoException).code === 'ENOENT') return { raw: {} };
    throw new ConfigError({ file, message: 'cannot read the config file', cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new ConfigError({ file, message: `is not valid JSON: ${(cause as Error).message}`, cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError({ file, message: 'expected a JSON object at the top level' });
  }
  return { file, raw: raw as Record<string, unknown> };
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
