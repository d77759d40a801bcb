// PostgreSQL rows (issue 18): importing a long subscriber list through the CLI, and `send --dry-run` over
// it, each a real process on a throwaway cluster (test/helpers/postgres.ts), with its wall time and peak
// memory (the dry run at two list sizes: its memory must not grow with the list); and one campaign sent
// by 1, 2 and 4 processes together against a sink as slow as a relay.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { hasPostgres, startPostgres } from '../test/helpers/postgres.js';
import { median } from './process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(path.dirname(here), 'dist', 'bin', 'broadsheet.js');
const MAX_RSS_HOOK = path.join(here, 'max-rss.mjs');
const DAY = 86_400_000;
/** The old-space cap of the extra dry run: what the CLI needs to start, with room for a page or two. */
const CAPPED_HEAP_MB = 64;

export { hasPostgres };

export interface ProcessRun {
  ms: number;
  maxRssMb: number;
  /** What the process printed on stdout. */
  stdout: string;
}

export interface PgScaleResult {
  /** Importing the CSV of n subscribers into an empty database, by n. */
  import: Record<string, { ms: number; maxRssMb: number; perSecond: number }>;
  /** `send --dry-run` over n active subscribers, by n (median of the runs). */
  dryRun: Record<
    string,
    {
      ms: number;
      maxRssMb: number;
      submitted: number;
      skipped: number;
      runs: number;
      /** One more run with V8's old space capped: it completes, so what the pass keeps does not grow with the list. */
      cappedHeap: { maxOldSpaceMb: number; ms: number; maxRssMb: number };
    }
  >;
}

/**
 * A subscriber CSV of n rows, written as a stream and kept under `dir` for the next run: email, name, and
 * categories (a third follow two categories, a seventh one whose posts are all old: nothing new for them).
 */
export async function ensureSubscriberCsv(dir: string, n: number): Promise<string> {
  const file = path.join(dir, `subscribers-${n}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  out.write('email,name,categories\n');
  const CHUNK = 10_000;
  for (let start = 0; start < n; start += CHUNK) {
    let lines = '';
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const categories = i % 7 === 0 ? 'sports' : i % 3 === 0 ? '"ai; finance"' : '';
      lines += `reader${i}@example.org,Reader ${i},${categories}\n`;
    }
    if (!out.write(lines)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, file); // a run stopped half-way leaves no truncated file to be reused
  return file;
}

/** A site folder: config, and three posts (AI and Finance this week, Sports a month ago). */
function site(dir: string, now: Date, config: Record<string, unknown> = {}): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'content'), { recursive: true });
  writeFileSync(
    path.join(dir, 'broadsheet.config.json'),
    JSON.stringify({
      site: { url: 'https://bench.example.com/', title: 'Bench' },
      email: { from: { name: 'Bench', address: 'digest@bench.example.com' } },
      paths: { content: 'content', out: 'out', data: 'data' },
      ...config,
    }),
  );
  const posts = [
    ['AI', 2],
    ['Finance', 1],
    ['Sports', 30],
  ] as const;
  for (const [category, daysAgo] of posts) {
    const date = new Date(now.getTime() - daysAgo * DAY).toISOString();
    writeFileSync(path.join(dir, 'content', `${category}.md`), `---\ntitle: A post about ${category}\ndate: '${date}'\ncategory: ${category}\n---\nBody.\n`);
  }
}

/** Run the CLI as its own process on the database; its wall time, peak memory and stdout. Throws when it fails. */
export function runCli(cwd: string, databaseUrl: string, args: readonly string[], nodeArgs: readonly string[] = []): ProcessRun {
  const rssFile = path.join(cwd, `max-rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...nodeArgs, '--import', MAX_RSS_HOOK, CLI, ...args], {
    cwd,
    env: {
      ...process.env,
      BROADSHEET_DATABASE_URL: databaseUrl,
      BROADSHEET_SECRET: 'bench-signing-key-0123456789abcdef0123456789',
      BENCH_MAX_RSS_FILE: rssFile,
    },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`broadsheet ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, maxRssMb: Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024), stdout: result.stdout };
}

/**
 * For each size: a fresh database, the CSV imported through `broadsheet subscribers import`, then
 * `broadsheet send --dry-run --json` run `dryRuns` times. The cluster is stopped and removed at the end.
 */
export async function measurePgScale(options: { work: string; csvDir: string; sizes: readonly number[]; dryRuns?: number }): Promise<PgScaleResult> {
  const cluster = await startPostgres();
  const result: PgScaleResult = { import: {}, dryRun: {} };
  try {
    for (const n of options.sizes) {
      const csv = await ensureSubscriberCsv(options.csvDir, n);
      const dir = path.join(options.work, `pg-${n}`);
      site(dir, new Date());
      const url = await cluster.createDatabase(`bench_${n}`);
      const imported = runCli(dir, url, ['subscribers', 'import', csv, '--json']);
      result.import[n] = { ms: Math.round(imported.ms), maxRssMb: imported.maxRssMb, perSecond: Math.round(n / (imported.ms / 1000)) };
      const added = (JSON.parse(imported.stdout) as { added: number }).added;
      if (added !== n) throw new Error(`the import of ${n} rows added ${added}`);
      const runs = Array.from({ length: options.dryRuns ?? 3 }, () => runCli(dir, url, ['send', '--dry-run', '--json']));
      const capped = runCli(dir, url, ['send', '--dry-run', '--json'], [`--max-old-space-size=${CAPPED_HEAP_MB}`]);
      const report = JSON.parse(runs[0]!.stdout) as { submitted: number; skipped: number };
      if (report.submitted + report.skipped !== n) throw new Error(`the dry run over ${n} subscribers counted ${report.submitted + report.skipped}`);
      result.dryRun[n] = {
        ms: Math.round(median(runs.map((r) => r.ms))),
        maxRssMb: median(runs.map((r) => r.maxRssMb)),
        submitted: report.submitted,
        skipped: report.skipped,
        runs: runs.length,
        cappedHeap: { maxOldSpaceMb: CAPPED_HEAP_MB, ms: Math.round(capped.ms), maxRssMb: capped.maxRssMb },
      };
    }
  } finally {
    await cluster.stop();
  }
  return result;
}

export interface SenderScaleResult {
  subscribers: number;
  /** Messages the sink took, and how fast, by the number of sender processes. */
  byProcesses: Record<string, { messages: number; seconds: number; perSecond: number; speedup: number }>;
  sinkDelayMs: number;
  connectionsPerProcess: number;
}

/**
 * A sink that answers each message after `delayMs`, like a relay doing real work: a connection carries at
 * most one message per delay. It records when the first and the last message arrived.
 */
async function startSlowSink(delayMs: number) {
  const { SMTPServer } = await import('smtp-server');
  const seen = new Map<string, number>();
  let first = 0;
  let last = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        setTimeout(() => {
          const now = performance.now();
          if (seen.size === 0) first = now;
          last = now;
          const rcpt = session.envelope.rcptTo[0]?.address ?? '';
          seen.set(rcpt, (seen.get(rcpt) ?? 0) + 1);
          callback(null);
        }, delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => [...seen.values()].reduce((a, b) => a + b, 0),
    recipients: () => seen.size,
    seconds: () => (last - first) / 1000,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function runSend(cwd: string, databaseUrl: string, smtpUrl: string): Promise<{ submitted: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'send', '--yes', '--json'], {
      cwd,
      env: {
        ...process.env,
        BROADSHEET_DATABASE_URL: databaseUrl,
        BROADSHEET_SMTP_URL: smtpUrl,
        BROADSHEET_SECRET: 'bench-signing-key-0123456789abcdef0123456789',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { submitted: number }) : reject(new Error(`send exited ${code}: ${stderr}`))));
  });
}

/**
 * One campaign sent by 1, 2 and 4 `broadsheet send` processes at once on one database, each with
 * `connections` SMTP connections, against a sink taking `delayMs` per message: throughput from the sink's
 * first message to its last (process start-up left out), and that every subscriber got one message.
 */
export async function measureSenders(options: {
  work: string;
  csvDir: string;
  subscribers: number;
  processes: readonly number[];
  delayMs?: number;
  connections?: number;
}): Promise<SenderScaleResult> {
  const delayMs = options.delayMs ?? 20;
  const connections = options.connections ?? 2;
  const cluster = await startPostgres();
  const result: SenderScaleResult = { subscribers: options.subscribers, byProcesses: {}, sinkDelayMs: delayMs, connectionsPerProcess: connections };
  try {
    const csv = await ensureSubscriberCsv(options.csvDir, options.subscribers);
    for (const k of options.processes) {
      const dir = path.join(options.work, `senders-${k}`);
      site(dir, new Date(), { delivery: { maxConnections: connections } });
      const url = await cluster.createDatabase(`bench_send_${k}`);
      runCli(dir, url, ['subscribers', 'import', csv, '--json']);
      const sink = await startSlowSink(delayMs);
      try {
        const reports = await Promise.all(Array.from({ length: k }, () => runSend(dir, url, sink.url)));
        const submitted = reports.reduce((n, r) => n + r.submitted, 0);
        if (submitted !== sink.messages() || sink.recipients() !== sink.messages())
          throw new Error(`${k} senders: ${submitted} submitted, the sink took ${sink.messages()} for ${sink.recipients()} recipients`);
        const perSecond = sink.messages() / sink.seconds();
        const one = result.byProcesses['1']?.perSecond ?? perSecond;
        result.byProcesses[k] = {
          messages: sink.messages(),
          seconds: Number(sink.seconds().toFixed(2)),
          perSecond: Math.round(perSecond),
          speedup: Number((perSecond / one).toFixed(2)),
        };
      } finally {
        await sink.close();
      }
    }
  } finally {
    await cluster.stop();
  }
  return result;
}
