// Whole-process rows: each command run as a fresh `node` process (the built CLI, dist/bin/broadsheet.js),
// as a person or a cron job runs it, beside references measured in the same rounds: a bare
// `node -e ''`, a process that only stats every post, and the straightforward build as a script of its own.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.js';
import { runProcess, timeProcesses, type ProcessCommand } from './process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const CLI = path.join(repo, 'dist', 'bin', 'broadsheet.js');

export interface Target {
  what: string;
  ms: number;
  reference: string;
  refMs: number;
  /** The most `ms / refMs` may be. */
  max: number;
}

export interface WholeProcessResult {
  ms: Record<string, number>;
  targets: Target[];
}

const cli = (...args: string[]): string[] => [CLI, ...args];

/** A site folder: the config file and what each measurement needs, under `work`. */
function site(work: string, name: string, content: string): string {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'broadsheet.config.json'),
    // Post pages off: these rows and targets are the feeds' (the pages have rows of their own, in tasks.ts).
    JSON.stringify({
      site: { url: 'https://bench.example.com/', title: 'Bench' },
      feeds: { limit: 20, postPages: false },
      paths: { content, out: 'out', data: 'data' },
    }),
  );
  return dir;
}

export function measureWholeProcess(corpusRoot: string, work: string, rounds = 15): WholeProcessResult {
  const samples = site(work, 'sample', path.join(repo, 'content'));
  const small = site(work, 'posts-1000', ensureCorpus(corpusRoot, 1000));
  const large = site(work, 'posts-10000', ensureCorpus(corpusRoot, 10_000));
  const listed = site(work, 'subscribers-1000', path.join(repo, 'content'));
  // 1,000 subscribers, imported through the CLI itself; then a first build of each site.
  const csv = path.join(listed, 'subscribers.csv');
  writeFileSync(csv, `email,name\n${Array.from({ length: 1000 }, (_, i) => `reader${i}@example.org,Reader ${i}`).join('\n')}\n`);
  runProcess({ name: 'import', cwd: listed, args: cli('subscribers', 'import', csv) });
  for (const dir of [samples, large]) runProcess({ name: 'first build', cwd: dir, args: cli('build') });

  const bare: ProcessCommand = { name: 'bare', args: ['-e', ''], cwd: work };
  const quick = timeProcesses(
    [
      bare,
      { name: 'help', args: cli('--help'), cwd: work },
      { name: 'version', args: cli('--version'), cwd: work },
      { name: 'build-sample-unchanged', args: cli('build'), cwd: samples },
      { name: 'status-1000', args: cli('status'), cwd: listed },
      { name: 'list-1000', args: cli('subscribers', 'list'), cwd: listed },
    ],
    rounds,
  );
  const largeCorpus = path.join(corpusRoot, '10000');
  const warm = timeProcesses(
    [
      bare,
      { name: 'stat-floor-10000', args: [path.join(here, 'stat-floor.mjs'), largeCorpus], cwd: large },
      { name: 'stat-floor-10000-walk', args: [path.join(here, 'stat-floor.mjs'), largeCorpus, '--walk'], cwd: large },
      { name: 'build-10000-unchanged', args: cli('build'), cwd: large },
    ],
    rounds,
  );
  const smallCorpus = path.join(corpusRoot, '1000');
  const plainOut = path.join(small, 'plain');
  const cold = timeProcesses(
    [
      {
        name: 'straightforward-1000',
        args: [path.join(here, 'straightforward.mjs'), smallCorpus, plainOut],
        cwd: small,
        before: () => rmSync(plainOut, { recursive: true, force: true }),
      },
      // Cold: no post cache, no build state, no earlier output.
      { name: 'build-1000-cold', args: cli('build'), cwd: small, before: () => rmSync(path.join(small, 'data'), { recursive: true, force: true }) },
    ],
    Math.max(5, Math.ceil(rounds / 2)),
  );
  const ms = { ...quick, ...warm, ...cold };
  const b = (quick.bare! + warm.bare!) / 2;
  ms.bare = b;
  const targets: Target[] = [
    { what: '`broadsheet --help`', ms: ms.help!, reference: "bare `node -e ''`", refMs: b, max: 2.5 },
    { what: '`broadsheet --version`', ms: ms.version!, reference: "bare `node -e ''`", refMs: b, max: 2.5 },
    { what: '`build`, sample site, nothing changed', ms: ms['build-sample-unchanged']!, reference: "bare `node -e ''`", refMs: b, max: 4 },
    { what: '`status`, 1,000 subscribers', ms: ms['status-1000']!, reference: "bare `node -e ''`", refMs: b, max: 5 },
    { what: '`subscribers list`, 1,000 subscribers', ms: ms['list-1000']!, reference: "bare `node -e ''`", refMs: b, max: 5 },
    {
      what: '`build`, 10,000 posts, nothing changed',
      ms: ms['build-10000-unchanged']!,
      reference: 'stat floor process',
      refMs: ms['stat-floor-10000']!,
      max: 1.5,
    },
    { what: '`build`, 1,000 posts, cold', ms: ms['build-1000-cold']!, reference: 'straightforward build process', refMs: ms['straightforward-1000']!, max: 1 },
  ];
  return { ms, targets };
}
