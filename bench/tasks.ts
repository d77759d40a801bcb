// One measurement per process, so peak memory (max RSS) belongs to that task alone.
// Usage: tsx bench/tasks.ts <task> <corpusDir> <workDir>; prints one JSON line {ms, maxRssMb, ...}.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import matter from 'gray-matter';
import MarkdownIt from 'markdown-it';
import { Feed } from 'feed';
import { parseConfig } from '../dist/config.js';
import { createCore } from '../dist/core.js';

const [task, corpus, work] = process.argv.slice(2) as [string, string, string];
const LIMIT = 20;

function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).map((f) => path.join(dir, f));
}

/** The straightforward build, written as a new user would: everything, every time. */
function straightforward(out: string): void {
  const md = new MarkdownIt();
  const posts = files(corpus).map((file) => {
    const { data, content } = matter(readFileSync(file, 'utf8'));
    return { data, html: md.render(content), slug: path.basename(file, '.md') };
  });
  posts.sort((a, b) => String(b.data.date).localeCompare(String(a.data.date)));
  const groups = new Map<string, typeof posts>([['', posts]]);
  for (const p of posts) {
    const key = `categories/${String(p.data.category).toLowerCase().replace(/\s+/g, '-')}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const [dir, group] of groups) {
    const feed = new Feed({ title: 'Bench', id: 'https://bench.example.com/', link: 'https://bench.example.com/', copyright: 'none', updated: new Date(String(group[0]!.data.date)) });
    for (const p of group.slice(0, LIMIT)) {
      feed.addItem({ title: String(p.data.title), link: `https://bench.example.com/posts/${p.slug}/`, date: new Date(String(p.data.date)), description: String(p.data.excerpt ?? ''), content: p.html });
    }
    const target = path.join(out, dir);
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'feed.xml'), feed.rss2());
    writeFileSync(path.join(target, 'atom.xml'), feed.atom1());
    writeFileSync(path.join(target, 'feed.json'), feed.json1());
  }
}

async function ours(out: string, data: string): Promise<Record<string, unknown>> {
  const config = parseConfig({
    site: { url: 'https://bench.example.com/', title: 'Bench' },
    feeds: { limit: LIMIT },
    paths: { content: corpus, out, data },
  });
  const report = await createCore(config, { now: () => new Date('2027-01-01T00:00:00Z'), cwd: process.cwd() }).build();
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
    straightforward(out);
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
