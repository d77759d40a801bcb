// One measurement per process, so peak memory (max RSS) belongs to that task alone.
// Usage: tsx bench/tasks.ts <task> <corpusDir> <workDir>; prints one JSON line {ms, maxRssMb, ...}.
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../dist/config.js';
import { createSiteBuilder } from '../dist/core/build.js';
import { buildWithHugo, makeHugoSite } from './hugo-site.js';
import { LIMIT, postFiles as files, straightforward as straightforwardBuild } from './straightforward.mjs';

const [task, corpus, work] = process.argv.slice(2) as [string, string, string];

async function ours(out: string, data: string, postPages = false): Promise<Record<string, unknown>> {
  const config = parseConfig({
    site: { url: 'https://bench.example.com/', title: 'Bench' },
    // The feeds' rows build without post pages, as they did before pages existed; the pages-* rows with them.
    feeds: { limit: LIMIT, postPages },
    paths: { content: corpus, out, data },
  });
  const report = await createSiteBuilder(config, { now: () => new Date('2027-01-01T00:00:00Z'), cwd: process.cwd() }).build();
  return { posts: report.published, written: report.written.length, unchanged: report.unchanged.length, mode: report.mode };
}

const pagesTask = task.startsWith('pages-');
// The pages rows keep a site of their own beside the feeds' one.
const site = pagesTask ? path.join(work, 'pages') : work;
const out = path.join(site, 'out');
const data = path.join(site, 'data');
if (task === 'ours-cold' || task === 'straightforward') rmSync(work, { recursive: true, force: true });
if (task === 'pages-cold') rmSync(site, { recursive: true, force: true });
mkdirSync(site, { recursive: true });
if (task === 'ours-one-changed' || task === 'pages-one-changed') {
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
if (task.startsWith('ours-') || pagesTask) await import('../dist/core/build-site.js');
const hugoDir = task === 'hugo-cold' ? makeHugoSite(path.join(work, 'hugo'), corpus) : undefined;

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
  case 'hugo-cold':
    // The whole hugo process (Go starts in milliseconds); the site folder is made before the clock starts.
    buildWithHugo(hugoDir!, path.join(site, 'hugo-out'));
    break;
  case 'pages-cold':
  case 'pages-warm':
  case 'pages-one-changed':
    extra = await ours(out, data, true);
    break;
  default:
    throw new Error(`unknown task ${task}`);
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ task, ms: Math.round(ms * 10) / 10, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`);
