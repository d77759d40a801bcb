// `broadsheet build`: load the posts, write every feed and page. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Explanation } from '../core/explain.js';
import type { BuildReport, SiteBuilder } from '../core/types.js';
import { COMMON_OPTIONS, jsonDocument, JSON_OPTION, type CliIo } from './cli-args.js';

const BUILD_OPTIONS = {
  ...COMMON_OPTIONS,
  out: { type: 'string' },
  strict: { type: 'boolean' },
  drafts: { type: 'boolean' },
  future: { type: 'boolean' },
  explain: { type: 'string' },
  ...JSON_OPTION,
} as const satisfies ParseArgsConfig['options'];

export type BuildArgs = ReturnType<typeof parseBuildArgs>;

export function parseBuildArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: BUILD_OPTIONS, strict: true, allowPositionals: false }).values;
}

export async function runBuild(values: BuildArgs, io: CliIo, site: SiteBuilder): Promise<number> {
  if (values.explain !== undefined) {
    const explanation = await site.explain(values.explain);
    io.stdout.write(values.json ? jsonDocument(explanationDocument(explanation)) : formatExplanation(explanation));
    return 0;
  }
  const started = performance.now();
  const report = await site.build(values);
  const ms = performance.now() - started;
  if (values.json) io.stdout.write(jsonDocument(buildDocument(report, ms)));
  else {
    io.stderr.write(formatProblems(report));
    io.stdout.write(formatBuild(report, ms, io.cwd));
  }
  return report.aborted ? 1 : 0;
}

/** A problem as data. */
const problem = (e: BuildReport['errors'][number]) => ({ file: e.file ?? null, field: e.field ?? null, message: e.message, hint: e.hint ?? null });

/** `build --json`: the report as data (see the README's "JSON output"). */
function buildDocument(report: BuildReport, ms: number) {
  return {
    mode: report.mode,
    reason: report.reason ?? null,
    aborted: report.aborted,
    contentDir: report.contentDir,
    outDir: report.outDir,
    files: report.files,
    published: report.published,
    skipped: report.skipped,
    channels: report.channels,
    written: report.written,
    unchanged: report.unchanged.length,
    removed: report.removed ?? [],
    errors: report.errors.map(problem),
    warnings: report.warnings.map(problem),
    digest: { id: report.digest.id, postCount: report.digest.postCount },
    durationMs: Math.round(ms),
  };
}

function formatProblems(report: BuildReport): string {
  const lines = [...report.errors.map((e) => `error: ${e.describe()} (post skipped)`), ...report.warnings.map((w) => `warning: ${w.describe()}`)];
  if (report.aborted) lines.push(`--strict: ${report.errors.length + report.warnings.length} problem(s) reported, nothing was written.`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const MODE_NOTE: Record<BuildReport['mode'], string> = {
  'up-to-date': ' (nothing changed since the last build)',
  incremental: ' (incremental: posts neither changed nor shown were not read)',
  full: '',
};

function formatBuild(report: BuildReport, ms: number, cwd: string): string {
  if (report.aborted) return '';
  const rel = (p: string) => (p.startsWith(cwd) ? p.slice(cwd.length + 1) || '.' : p);
  const skipped = [
    report.errors.length ? `${report.errors.length} invalid` : '',
    report.skipped.drafts ? `${report.skipped.drafts} draft(s)` : '',
    report.skipped.future ? `${report.skipped.future} future` : '',
  ].filter(Boolean);
  return [
    `Built ${report.published} post(s) from ${report.files} file(s) in ${rel(report.contentDir)}${skipped.length ? ` (skipped: ${skipped.join(', ')})` : ''}.`,
    `${report.channels} feed channel(s) × RSS, Atom, JSON Feed → ${rel(report.outDir)}/ (${report.written.length} written, ${report.unchanged.length} unchanged${report.removed?.length ? `, ${report.removed.length} stale removed` : ''})`,
    `  site feeds: ${rel(report.outDir)}/feed.xml, atom.xml, feed.json; all feeds: ${rel(report.outDir)}/feeds.opml`,
    `  digest ${report.digest.id}: ${report.digest.postCount} post(s) → ${rel(report.outDir)}/digest.json`,
    `Done in ${Math.round(ms)} ms${report.mode === 'full' && report.reason ? ` (full build: ${report.reason})` : MODE_NOTE[report.mode]}${report.errors.length + report.warnings.length ? `, with ${report.errors.length} error(s) and ${report.warnings.length} warning(s)` : ''}.`,
    '',
  ].join('\n');
}

/** `build --explain FILE`: each line the cleanup removes, by rule; what it keeps; the facts it found; what the post gets. */
function formatExplanation({ file, title, clean, cut, head, warnings }: Explanation): string {
  const facts = cut.facts;
  const time = (p: typeof facts.posted) =>
    p === undefined
      ? undefined
      : p.time === undefined
        ? `${p.text} (no exact time read)`
        : `${p.text} → ${p.time.instant.toISOString()} (${p.time.zone}; ${p.time.dayAgreement})`;
  const lines = (pairs: Array<[string, string | undefined]>) => pairs.flatMap(([name, value]) => (value === undefined ? [] : [`  ${name.padEnd(14)}${value}`]));
  const factLines = lines([
    ['writer', facts.byline],
    ['posted', time(facts.posted)],
    ['updated', time(facts.updated)],
    ['image credit', facts.imageCredit],
    ['topics', facts.topics?.join(', ')],
  ]);
  const postLines = lines([
    ['date', `${head.date.toISOString()}${head.dateZone ? ` (shown in ${head.dateZone.label ?? head.dateZone.zone})` : ''}`],
    ['writer', head.writer],
    ['curator', head.writer !== undefined && head.author !== undefined && head.author !== head.writer ? head.author : undefined],
    ['image credit', head.imageCredit],
    ['excerpt', head.excerpt.length > 100 ? `${head.excerpt.slice(0, 99)}…` : head.excerpt],
  ]);
  const width = Math.max(4, ...cut.removed.map((r) => r.rule.length));
  const kept = cut.article.split('\n').filter((l) => l.trim() !== '').length;
  const verdict = !clean
    ? 'Published as it is: the front matter says `clean: false`. What the rules would do:'
    : cut.kind === 'kept'
      ? `Kept as it is (${cut.reason.code}): ${cut.reason.message.replace(/^kept as it is:\s*/i, '')}`
      : `Article: ${kept} line(s) kept; ${cut.removed.length} line(s) of page furniture removed (numbered as lines of the body once tabs and blank runs are cleaned):`;
  return [
    `${file}: "${title}"`,
    verdict,
    ...cut.removed.map((r) => `  ${String(r.line).padStart(4)}  ${r.rule.padEnd(width)}  ${r.text.trim().slice(0, 100)}`),
    ...(factLines.length > 0 ? ['What the furniture said:', ...factLines] : []),
    'What the post gets:',
    ...postLines,
    ...warnings.map((w) => `warning: ${w.describe()}`),
    '',
  ].join('\n');
}

/** `build --explain FILE --json`. */
function explanationDocument({ file, title, clean, cut, head, warnings }: Explanation) {
  return {
    file,
    title,
    clean,
    kind: cut.kind,
    reason: cut.kind === 'kept' ? cut.reason : null,
    article: cut.article,
    removed: cut.removed,
    facts: cut.facts,
    post: {
      date: head.date.toISOString(),
      dateZone: head.dateZone ?? null,
      writer: head.writer ?? null,
      author: head.author ?? null,
      imageCredit: head.imageCredit ?? null,
      excerpt: head.excerpt,
    },
    warnings: warnings.map(problem),
  };
}
