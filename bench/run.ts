// `npm run bench`: generate the corpora, run every measurement in its own process, print a table of
// medians (each beside its reference from the same run) and write bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.js';
import { hasHugo } from './hugo-site.js';
import { hasPostgres, measurePgScale, measureSenders } from './pg-scale.js';
import { measureWholeProcess } from './whole-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusRoot = path.join(here, '.corpus');
const work = path.join(os.tmpdir(), 'broadsheet-bench');
// BENCH_ONLY=process runs the whole-process rows alone (a minute or two); BENCH_ONLY=pg the PostgreSQL rows
// alone (about four minutes; BENCH_PG_SIZES, default 100000,1000000, the list sizes); BENCH_ONLY=senders
// only the several-senders rows (a minute; BENCH_SEND_SUBSCRIBERS, default 3000).
const only = process.env.BENCH_ONLY;
const sizes = only === 'process' || only === 'pg' || only === 'senders' ? [] : (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const pgSizes = (process.env.BENCH_PG_SIZES ?? '100000,1000000').split(',').map(Number);
const repeats = (n: number) => (n >= 50_000 ? 1 : 3);

type Result = Record<string, number | string>;
function run(script: string, args: string[]): Result {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function measure(task: string, corpus: string, n: number): { ms: number; maxRssMb: number } {
  const runs = Array.from({ length: repeats(n) }, () => run('tasks.ts', [task, corpus, path.join(work, String(n))]));
  return { ms: median(runs.map((r) => Number(r.ms))), maxRssMb: median(runs.map((r) => Number(r.maxRssMb))) };
}

const results: Record<string, unknown> = {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString(),
};
const rows: string[][] = [];
const hugo = hasHugo();
for (const n of sizes) {
  const corpus = ensureCorpus(corpusRoot, n);
  const readFloor = measure('read-floor', corpus, n);
  const statFloor = measure('stat-floor', corpus, n);
  const plain =
    n <= 10_000
      ? measure('straightforward', corpus, n)
      : (run('tasks.ts', ['straightforward', corpus, path.join(work, String(n))]) as unknown as { ms: number; maxRssMb: number });
  // Cold: every run starts from an empty cache (the task deletes it).
  const cold = measure('ours-cold', corpus, n);
  const warm = measure('ours-warm', corpus, n);
  const changed = measure('ours-one-changed', corpus, n);
  const newest = measure('ours-newest-changed', corpus, n);
  // With a page per post (feeds.postPages, the default): every body is rendered and sanitized on a cold build.
  const pagesCold = measure('pages-cold', corpus, n);
  const pagesWarm = measure('pages-warm', corpus, n);
  const pagesChanged = measure('pages-one-changed', corpus, n);
  const hugoCold = hugo && n <= 10_000 ? measure('hugo-cold', corpus, n) : undefined;
  results[`posts-${n}`] = {
    readFloor,
    statFloor,
    straightforward: plain,
    cold,
    warm,
    oneChanged: changed,
    newestChanged: newest,
    pages: { cold: pagesCold, warm: pagesWarm, oneChanged: pagesChanged, hugoCold },
  };
  const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  rows.push([
    `${n}`,
    'cold build, all feeds',
    `${cold.ms.toFixed(0)} ms`,
    `${plain.ms.toFixed(0)} ms straightforward (${x(plain.ms, cold.ms)} faster); read floor ${readFloor.ms.toFixed(0)} ms (${x(cold.ms, readFloor.ms)})`,
    `${cold.maxRssMb} MB (straightforward ${plain.maxRssMb} MB)`,
  ]);
  rows.push([
    `${n}`,
    'warm rebuild, nothing changed',
    `${warm.ms.toFixed(0)} ms`,
    `stat floor ${statFloor.ms.toFixed(0)} ms (${x(warm.ms, statFloor.ms)})`,
    `${warm.maxRssMb} MB`,
  ]);
  rows.push([
    `${n}`,
    'rebuild, one old post changed (incremental)',
    `${changed.ms.toFixed(0)} ms`,
    `warm ${warm.ms.toFixed(0)} ms (+${(changed.ms - warm.ms).toFixed(0)} ms); stat floor ${statFloor.ms.toFixed(0)} ms, read floor ${readFloor.ms.toFixed(0)} ms`,
    `${changed.maxRssMb} MB`,
  ]);
  rows.push([
    `${n}`,
    'rebuild, newest post changed (partial build)',
    `${newest.ms.toFixed(0)} ms`,
    `warm ${warm.ms.toFixed(0)} ms, cold ${cold.ms.toFixed(0)} ms`,
    `${newest.maxRssMb} MB`,
  ]);
  rows.push([
    `${n}`,
    'cold build with post pages',
    `${pagesCold.ms.toFixed(0)} ms`,
    hugoCold
      ? `hugo ${hugoCold.ms.toFixed(0)} ms (pages, paginated list, RSS; target: no slower: ${pagesCold.ms <= hugoCold.ms ? 'met' : 'NOT met'}); without pages ${cold.ms.toFixed(0)} ms`
      : `without pages ${cold.ms.toFixed(0)} ms${hugo ? '' : ' (hugo not installed: apt-get install hugo)'}`,
    `${pagesCold.maxRssMb} MB`,
  ]);
  rows.push([
    `${n}`,
    'warm rebuild with post pages, nothing changed',
    `${pagesWarm.ms.toFixed(0)} ms`,
    `stat floor ${statFloor.ms.toFixed(0)} ms (${x(pagesWarm.ms, statFloor.ms)}; target ≤ 1.5×)`,
    `${pagesWarm.maxRssMb} MB`,
  ]);
  rows.push([
    `${n}`,
    'rebuild with post pages, one old post changed',
    `${pagesChanged.ms.toFixed(0)} ms`,
    `warm ${pagesWarm.ms.toFixed(0)} ms (+${(pagesChanged.ms - pagesWarm.ms).toFixed(0)} ms); stat floor ${statFloor.ms.toFixed(0)} ms`,
    `${pagesChanged.maxRssMb} MB`,
  ]);
}

const mailRows = only !== 'process' && only !== 'pg' && only !== 'senders';
const personalise = mailRows ? run('mail-tasks.ts', ['personalise', path.join(work, 'mail')]) : {};
const sendOurs = mailRows ? run('mail-tasks.ts', ['send-ours', path.join(work, 'send-ours')]) : {};
const sendPlain = mailRows ? run('mail-tasks.ts', ['send-plain', path.join(work, 'send-plain')]) : {};
const importRun = mailRows ? run('mail-tasks.ts', ['import', path.join(work, 'import')]) : {};
if (mailRows) results.mail = { personalise, sendOurs, sendPlain, import: importRun };
if (mailRows)
  rows.push([
    '-',
    'personalise a 30-post digest (sign links, fill the MIME)',
    `${personalise.perSecond} msg/s`,
    `MJML renders: 1 per variant`,
    `${personalise.maxRssMb} MB`,
  ]);
if (mailRows)
  rows.push([
    '-',
    'send 10,000 messages to a local SMTP sink',
    `${sendOurs.perSecond} msg/s (${sendOurs.renders} MJML render)`,
    `plain nodemailer pool, one sendMail at a time: ${sendPlain.perSecond} msg/s (${(Number(sendOurs.perSecond) / Number(sendPlain.perSecond)).toFixed(1)}×)`,
    `${sendOurs.maxRssMb} MB`,
  ]);
if (mailRows) rows.push(['-', 'import a 100,000-row CSV', `${importRun.ms} ms`, 'target < 5,000 ms', `${importRun.maxRssMb} MB`]);

// PostgreSQL (issue 18): a long list imported and dry-run through the CLI, each a process of its own.
if (only === undefined || only === 'pg') {
  if (!hasPostgres) rows.push(['-', 'PostgreSQL rows', 'not run', 'PostgreSQL is not installed (apt-get install postgresql)', '-']);
  else {
    const pg = await measurePgScale({ work: path.join(work, 'pg'), csvDir: path.join(corpusRoot, 'subscribers'), sizes: pgSizes });
    results.postgres = pg;
    const n = (k: number) => k.toLocaleString('en');
    for (const size of pgSizes) {
      const imported = pg.import[size]!;
      rows.push([
        '-',
        `PostgreSQL: \`subscribers import\` of ${n(size)} rows (process)`,
        `${imported.ms} ms`,
        `${n(imported.perSecond)} rows/s`,
        `${imported.maxRssMb} MB`,
      ]);
    }
    for (const size of pgSizes) {
      const dry = pg.dryRun[size]!;
      rows.push([
        '-',
        `PostgreSQL: \`send --dry-run\` over ${n(size)} subscribers (process)`,
        `${dry.ms} ms`,
        `${n(dry.submitted)} would get a digest, ${n(dry.skipped)} skipped; old space capped at ${dry.cappedHeap.maxOldSpaceMb} MB: ${dry.cappedHeap.ms} ms, ${dry.cappedHeap.maxRssMb} MB`,
        `${dry.maxRssMb} MB`,
      ]);
    }
  }
}

// Several senders (issue 18 §2): one campaign sent by 1, 2 and 4 processes together on one database.
if (hasPostgres && (only === undefined || only === 'pg' || only === 'senders')) {
  const senders = await measureSenders({
    work: path.join(work, 'senders'),
    csvDir: path.join(corpusRoot, 'subscribers'),
    subscribers: Number(process.env.BENCH_SEND_SUBSCRIBERS ?? 3000),
    processes: [1, 2, 4],
  });
  results.senders = senders;
  const targets: Record<string, string> = { '1': 'the reference', '2': 'target ≥ 1.8×', '4': 'target ≥ 3.2×' };
  for (const [k, r] of Object.entries(senders.byProcesses))
    rows.push([
      '-',
      `PostgreSQL: one campaign sent by ${k} process(es) × ${senders.connectionsPerProcess} connections, relay ${senders.sinkDelayMs} ms/message`,
      `${r.perSecond} msg/s`,
      `${r.speedup}× one process (${targets[k] ?? ''}); ${r.messages} messages in ${r.seconds} s`,
      '-',
    ]);
}

// Whole processes: what a person waits for, start-up included (see whole-process.ts).
const whole = only === 'pg' || only === 'senders' ? undefined : measureWholeProcess(corpusRoot, path.join(work, 'process'));
if (whole) results.wholeProcess = whole;
for (const t of whole?.targets ?? []) {
  const ratio = t.ms / t.refMs;
  rows.push([
    '-',
    `whole process: ${t.what}`,
    `${t.ms.toFixed(0)} ms`,
    `${t.reference} ${t.refMs.toFixed(0)} ms (${ratio.toFixed(2)}×; target ≤ ${t.max}×: ${ratio <= t.max ? 'met' : 'NOT met'})`,
    '-',
  ]);
}
if (whole)
  rows.push([
    '-',
    'whole process: stat floor listing folder by folder',
    `${whole.ms['stat-floor-10000-walk']!.toFixed(0)} ms`,
    `the no-change build of 10,000 posts is ${(whole.ms['build-10000-unchanged']! / whole.ms['stat-floor-10000-walk']!).toFixed(2)}× it`,
    '-',
  ]);

const header = ['posts', 'what', 'Broadsheet', 'reference (same run)', 'peak memory'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(`${results.machine}\n\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nJSON: bench/results/latest.json\n`);
