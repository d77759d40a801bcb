// A whole site behind the real HTTP server, on loopback: a small content folder, a build into a temp
// out folder, a real SQLite file, mail to an in-process SMTP sink, and createServer() on 127.0.0.1:0.
// Every call makes fresh temp folders: nothing is shared between the sites two tests start.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import type { Config } from '../../src/config.js';
import { bundledTemplates, createCore, type Core } from '../../src/core.js';
import { createSmtpMailer, type Mailer } from '../../src/delivery/mailer.js';
import { createServer } from '../../src/drivers/server.js';
import type { WebhookSettings } from '../../src/drivers/webhooks.js';
import { loadSigningKey } from '../../src/email/signing-key.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { loadPages } from '../../src/web/pages.js';
import type { PostFile } from './posts.js';
import { sharedTempSite } from './site.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

export const SITE_URL = 'https://news.example.com/';
/** The frozen clock: a Sunday, so the default window is 2026-11-23..2026-11-30. */
export const NOW = new Date('2026-11-29T12:00:00Z');
export const PREVIEW_TOKEN = 'preview-token-for-tests-0123456789';

export type { PostFile } from './posts.js';

/** Three posts in the default window (three categories) and one older post. */
export const POSTS: readonly PostFile[] = [
  { file: '2026-11-24-tide-gauges.md', title: 'Tide gauges open fifteen years of readings', date: '2026-11-24T09:00:00Z', category: 'Science' },
  { file: '2026-11-25-payroll.md', title: 'Credit unions & banks test same-day payroll', date: '2026-11-25T10:00:00Z', category: 'Finance' },
  { file: '2026-11-27-borrowscope.md', title: 'Borrowscope draws Rust lifetimes as timelines', date: '2026-11-27T08:30:00Z', category: 'Open Source' },
  { file: '2026-10-01-older.md', title: 'An older post about harbour cranes', date: '2026-10-01T08:00:00Z', category: 'Science' },
];

export interface ServedSite {
  /** http://127.0.0.1:PORT (no trailing slash) */
  base: string;
  app: FastifyInstance;
  core: Core;
  store: SubscriberStore;
  sink: SmtpSink;
  mailer: Mailer;
  config: Readonly<Config>;
  root: string;
  outDir: string;
  dataDir: string;
  /** The key the site signs its links with (<data>/secret.key). */
  signingKey(): Promise<string>;
  /** A site URL (https://news.example.com/…) as the same path on this server. */
  local(siteUrl: string): string;
  close(): Promise<void>;
}

export interface ServedSiteOptions {
  /** Merged over the defaults (site.url, paths, email.from) before parseConfig. */
  config?: { site?: Record<string, unknown>; server?: Record<string, unknown> };
  posts?: readonly PostFile[];
  now?: Date;
  /** Use this mailer instead of SMTP to the sink (the sink still starts, and stays empty). */
  mailer?: Mailer;
  /** The sending services' webhooks to turn on. */
  webhooks?: WebhookSettings;
}

export async function startServedSite(options: ServedSiteOptions = {}): Promise<ServedSite> {
  const posts = (options.posts ?? POSTS).map((p) => ({ tags: ['sample'], body: `The body of "${p.title}", with a few plain words.`, ...p }));
  const site = await sharedTempSite('server', { posts });
  const { root, out: outDir, data: dataDir } = site;
  const config = site.parseConfig({
    site: { title: 'The Sample Times', url: SITE_URL, timezone: 'UTC', ...options.config?.site },
    email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: '1 Example Street, Sampletown' },
    server: { subscribeRateLimit: 1000, ...options.config?.server },
  });
  const now = options.now ?? NOW;
  const sink = await startSmtpSink();
  const mailer = options.mailer ?? createSmtpMailer(sink.url, { maxConnections: 1 });
  const store = openSqliteStore(path.join(dataDir, 'broadsheet.db'));
  const core = createCore(config, { now: () => now, cwd: root, store, mailer, env: {} });
  const report = await core.build();
  if (report.errors.length > 0 || report.aborted) throw new Error(`the test site did not build: ${report.errors.map((e) => e.message).join('; ')}`);
  const pages = await loadPages(bundledTemplates());
  const app = await createServer(core, pages, config, { outDir, previewToken: PREVIEW_TOKEN, ...(options.webhooks ? { webhooks: options.webhooks } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    app,
    core,
    store,
    sink,
    mailer,
    config,
    root,
    outDir,
    dataDir,
    signingKey: () => loadSigningKey(dataDir, undefined),
    local: (url) => {
      if (!url.startsWith(SITE_URL)) throw new Error(`not a URL of the site: ${url}`);
      return `${base}/${url.slice(SITE_URL.length)}`;
    },
    async close() {
      // Tests often read only a response's status: its connection then stays busy, and a graceful
      // close would wait for it. The test is over; drop every connection.
      app.server.closeAllConnections();
      await app.close();
      await mailer.close();
      await sink.close();
      await store.close();
      await site.remove();
    },
  };
}

/** A served site for the running test only, closed when the test finishes. */
export async function freshServedSite(options: ServedSiteOptions = {}): Promise<ServedSite> {
  const site = await startServedSite(options);
  onTestFinished(() => site.close());
  return site;
}
