// One measurement per process, so peak memory (max RSS) belongs to that task alone.
// Usage: tsx bench/tasks.ts <task> <corpusDir> <workDir>; prints one JSON line {ms, maxRssMb, ...}.
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../dist/config.js';
import { createSiteBuilder } from '../dist/core/build.js';
import { LIMIT, postFiles as files, straightforward as straightforwardBuild } from './straightforward.mjs';

const [task, corpus, work] = process.argv.slice(2) as [string, string, string];

async function ours(out: string, data: string): Promise<Record<string, unknown>> {
  const config = parseConfig({
    site: { url: 'https://bench.example.com/', title: 'Bench' },
    feeds: { limit: LIMIT },
    paths: { content: corpus, out, data },
  });
  const report = await createSiteBuilder(config, { now: () => new Date('2027-01-01T00:00:00Z'), cwd: process.cwd() }).build();
  return { posts: report.published, written: report.written.length, unchanged: report.unchanged.length, mode: report.mode };
}

const out = path.join(work, 'out');
const data = path.join(work, 'data');
if (task === 'ours-cold' || task === 'straightforward') rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
if (task === 'ours-one-changed') {
  // An old post (the archive's first file): no feed or digest shows it, before or after the edit.
  const first = files(corpus)[0]!;
  appendFileSync(first, `\nEdited at ${Date.now()}.\n`);
}
if (task === 'ours-newest-changed') {
  // The newest post, which every feed it belongs to shows: its feeds must be rendered again.
  const dated = files(corpus).map((f) => ({ f, date: /^date: '?([^'\n]+)/m.exec(readFileSync(f, 'utf8'))?.[1] ?? '' }));
  const newest = dated.reduce((a, b) => (b.date > a.date || (b.date === a.date && b.f > a.f) ? b : a));
  appendFileSync(newest.f, `\nEdited at ${Date.now()}.\n`);
}

// These rows time the build, not module loading (the whole-process rows in run.ts include that): the
// modules a build loads on first use are loaded before the clock starts, as the straightforward
// build's are by its imports.
if (task.startsWith('ours-')) await import('../dist/core/build-site.js');

const started = performance.now();
let extra: Record<string, unknown> = {};
switch (task) {
  case 'read-floor':
    for (const f of files(corpus)) readFileSync(f);
    break;
  case 'stat-floor':
    for (const f of files(corpus)) statSync(f);
    break;
  case 'straightforward':
    straightforwardBuild(corpus, out);
    break;
  case 'ours-cold':
  case 'ours-warm':
  case 'ours-one-changed':
  case 'ours-newest-changed':
    extra = await ours(out, data);
    break;
  default:
    throw new Error(`unknown task ${task}`);
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ task, ms: Math.round(ms * 10) / 10, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`);
