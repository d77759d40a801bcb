// `broadsheet build`: load the posts, write every feed and page. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BuildReport, SiteBuilder } from '../core/types.js';
import { COMMON_OPTIONS, jsonDocument, JSON_OPTION, type CliIo } from './cli-args.js';

const BUILD_OPTIONS = {
  ...COMMON_OPTIONS,
  out: { type: 'string' },
  strict: { type: 'boolean' },
  drafts: { type: 'boolean' },
  future: { type: 'boolean' },
  ...JSON_OPTION,
} as const satisfies ParseArgsConfig['options'];

export type BuildArgs = ReturnType<typeof parseBuildArgs>;

export function parseBuildArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: BUILD_OPTIONS, strict: true, allowPositionals: false }).values;
}

export async function runBuild(values: BuildArgs, io: CliIo, site: SiteBuilder): Promise<number> {
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

/** `build --json`: the report as data (see the README's "JSON output"). */
function buildDocument(report: BuildReport, ms: number) {
  const problem = (e: BuildReport['errors'][number]) => ({ file: e.file ?? null, field: e.field ?? null, message: e.message, hint: e.hint ?? null });
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
