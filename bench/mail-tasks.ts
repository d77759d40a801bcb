// Mail benchmarks, one per process: personalisation rate, sending 10,000 messages, a 100,000-row import.
// Usage: tsx bench/mail-tasks.ts <task> <workDir>; prints one JSON line.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { parseConfig } from '../dist/config.js';
import { bundledTemplates, createCore } from '../dist/core.js';
import { createSignups } from '../dist/core/subscriptions.js';
import type { Post } from '../dist/content/schema.js';
import { buildDigest } from '../dist/digest/build.js';
import { createOutboxMailer, createSmtpMailer } from '../dist/delivery/mailer.js';
import { fillMessage, prepareMessage, subscriberLinks } from '../dist/email/message.js';
import { personalize, renderDigestEmail } from '../dist/email/render.js';
import { loadTemplates } from '../dist/email/templates.js';
import { openSqliteStore } from '../dist/subscribers/sqlite-store.js';
import { silentLogger } from '../dist/log.js';
import { postText } from './corpus.js';
import { parsePost } from '../dist/content/parse.js';
import { startSink } from './sink.js';

const [task, work] = process.argv.slice(2) as [string, string];
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const KEY = 'bench-signing-key-0123456789abcdef0123456789';
const config = parseConfig({
  site: { url: 'https://bench.example.com/', title: 'Bench' },
  email: { from: { name: 'Bench', address: 'digest@bench.example.com' } },
  paths: { data: path.join(work, 'data') },
});

/** A real 30-post digest of corpus posts. */
async function digestEmail() {
  const posts: Post[] = [];
  for (let i = 0; posts.length < 30; i++) {
    const r = parsePost(`post-${i}.md`, postText(i), { timezone: 'UTC' });
    if (r.ok) posts.push(r.post);
  }
  const dates = posts.map((p) => p.date.getTime());
  const window = { since: new Date(Math.min(...dates)), until: new Date(Math.max(...dates) + 1) };
  const templates = await loadTemplates(bundledTemplates(), config.email.subject);
  return renderDigestEmail(buildDigest(posts, window, config), templates, config, 'bench-signing-key');
}

const report = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ task, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...o })}\n`);

switch (task) {
  case 'personalise': {
    // What the sender does per subscriber: sign their links, fill the prepared MIME, get the bytes.
    const email = await digestEmail();
    const template = await prepareMessage(email, { list: true, date: new Date(0), config });
    const n = 100_000;
    let bytes = 0;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const to = `reader${i}@example.org`;
      const links = subscriberLinks(to, KEY, config);
      const message = fillMessage(template, {
        to: { email: to, name: `Reader ${i}` },
        messageId: `<m${i}@bench.example.com>`,
        links,
        values: { name: `Reader ${i}`, email: to, unsubscribeUrl: links.unsubscribeUrl, preferencesUrl: links.preferencesUrl },
      });
      for (const chunk of message.chunks) bytes += chunk.length;
    }
    const s = (performance.now() - started) / 1000;
    report({ messages: n, perSecond: Math.round(n / s), avgKb: Math.round(bytes / n / 1024) });
    break;
  }
  case 'send-ours':
  case 'send-plain': {
    const n = 10_000;
    const sink = await startSink();
    const email = await digestEmail();
    const started = performance.now();
    if (task === 'send-plain') {
      // A plain nodemailer pool, one sendMail at a time, as a new user would write it.
      const transport = nodemailer.createTransport({ url: sink.url, pool: true } as never);
      for (let i = 0; i < n; i++) {
        const to = `reader${i}@example.org`;
        const links = subscriberLinks(to, KEY, config);
        const personal = personalize(email, { email: to, name: undefined, ...links });
        await transport.sendMail({ from: 'digest@bench.example.com', to, subject: personal.subject, html: personal.html, text: personal.text });
      }
      transport.close();
    } else {
      const store = openSqliteStore(path.join(work, 'bench.db'));
      const rows = Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example.org`, status: 'active' as const }));
      await store.importMany(rows, new Date('2026-01-01T00:00:00Z'));
      const contentDir = path.join(work, 'content');
      mkdirSync(contentDir, { recursive: true });
      for (let i = 0; i < 30; i++)
        writeFileSync(path.join(contentDir, `post-${i}.md`), postText(i).replace(/date: '[^']+'/, `date: '2026-06-${String(1 + (i % 28)).padStart(2, '0')}'`));
      const cfg = parseConfig({ ...config, paths: { ...config.paths, content: contentDir } });
      const mailer = createSmtpMailer(sink.url, { maxConnections: cfg.delivery.maxConnections });
      const core = createCore(cfg, {
        now: () => new Date('2026-06-30T00:00:00Z'),
        cwd: work,
        store,
        mailer,
        env: { BROADSHEET_SECRET: KEY },
        log: silentLogger,
      });
      const sendStarted = performance.now();
      const r = await core.sendDigest({ since: new Date('2026-06-01T00:00:00Z') });
      const s = (performance.now() - sendStarted) / 1000;
      await mailer.close();
      await sink.close();
      report({ messages: r.submitted, renders: r.renders, perSecond: Math.round(r.submitted / s), received: sink.count() });
      break;
    }
    const s = (performance.now() - started) / 1000;
    await sink.close();
    report({ messages: n, perSecond: Math.round(n / s), received: sink.count() });
    break;
  }
  case 'import': {
    const file = path.join(work, 'subscribers.csv');
    const lines = ['email,name,categories'];
    for (let i = 0; i < 100_000; i++) lines.push(`reader${i}@example.org,Reader ${i},${i % 3 === 0 ? '"ai; finance"' : ''}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    // The categories rows name must be those of published posts: one post in each.
    mkdirSync(path.join(work, 'content'), { recursive: true });
    for (const category of ['AI', 'Finance']) {
      writeFileSync(
        path.join(work, 'content', `${category}.md`),
        `---\ntitle: A post about ${category}\ndate: '2026-06-01'\ncategory: ${category}\n---\nBody.\n`,
      );
    }
    const store = openSqliteStore(path.join(work, 'import.db'));
    // No row is pending: no confirmation request is written to the outbox.
    const core = createSignups(config, {
      now: () => new Date(),
      cwd: work,
      env: {},
      store,
      mailer: createOutboxMailer(path.join(work, 'outbox')),
      log: silentLogger,
    });
    const started = performance.now();
    const r = await core.importSubscribers(file);
    report({ ms: Math.round(performance.now() - started), added: r.added });
    await store.close();
    break;
  }
  default:
    throw new Error(`unknown task ${task}`);
}
