// The command line: parse argv, make one core call, print, return an exit code. No business logic.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.js';
import { createCore, type BuildReport, type PreviewReport } from '../core.js';
import { AppError, describeError } from '../errors.js';
import { serveCommand, startCommand, statusCommand } from './cli-start.js';
import { COMMON_OPTIONS, UsageError, windowFlag } from './cli-args.js';
import { sendCommand, subscribersCommand } from './cli-subscribers.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd: string;
  env: Record<string, string | undefined>;
  now: () => Date;
  /** True once the process was asked to stop (SIGINT/SIGTERM): long commands stop at a safe point. */
  shouldStop?: () => boolean;
}

const SHARED_OPTIONS = {
  ...COMMON_OPTIONS,
  out: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const BUILD_OPTIONS = {
  ...SHARED_OPTIONS,
  strict: { type: 'boolean' },
  drafts: { type: 'boolean' },
  future: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const DIGEST_OPTIONS = {
  ...SHARED_OPTIONS,
  since: { type: 'string' },
  until: { type: 'string' },
  to: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const USAGE = `Usage: broadsheet <command> [options]

Commands:
  start     The main job: serve feeds and pages, rebuild feeds, send the digest on schedule
  status    Next runs, recent campaigns, subscriber counts, last feed build
  build     Load the posts and write every feed, the OPML and digest.json
  digest    Preview the digest email: write digest.html, digest.txt and digest.eml
  subscribers add EMAIL [--name N] [--categories a,b] [--pending] | remove EMAIL
            | list [--status S] | import FILE.csv [--pending] | export
  send      Send the digest to every active subscriber [--since] [--until] [--dry-run] [--retry-failed]
  serve     Serve the built feeds, subscribe/unsubscribe pages and previews [--host] [--port] [--out]

Options for build:
  --content DIR   folder of Markdown posts (default: content/)
  --out DIR       where feeds are written (default: public/)
  --data DIR      data folder: the build cache lives in DIR/cache (default: data/)
  --config FILE   config file (default: broadsheet.config.json if present)
  --strict        fail (exit 1) on any invalid post or warning; write nothing
  --drafts        include posts marked draft: true
  --future        include posts dated in the future
  -h, --help      show this help

Options for digest (also --config, --content):
  --since DATE    window start (a date is its first instant; default: 7 days before --until)
  --until DATE    window end (a date includes that whole day; default: end of today)
  --out DIR       where the preview files go (default: data/preview/)
  --to ADDRESS    personalise the preview for this address (default: email.from)
  --data DIR      data folder: signing key, previews (default: data/)

subscribers and send take --config, --content and --data too. Mail goes to the SMTP server in
BROADSHEET_SMTP_URL, or, when it is unset, to .eml files in data/outbox/.
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    switch (command) {
      case 'build': {
        const { values } = parseArgs({ args: [...rest], options: BUILD_OPTIONS, strict: true, allowPositionals: false });
        if (values.help) return (io.stdout.write(USAGE), 0);
        const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
        const started = performance.now();
        const report = await createCore(config, { now: io.now, cwd: io.cwd, env: io.env }).build(values);
        io.stderr.write(formatProblems(report));
        io.stdout.write(formatBuild(report, performance.now() - started, io.cwd));
        return report.aborted ? 1 : 0;
      }
      case 'digest': {
        const { values } = parseArgs({ args: [...rest], options: DIGEST_OPTIONS, strict: true, allowPositionals: false });
        if (values.help) return (io.stdout.write(USAGE), 0);
        const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: { content: values.content, data: values.data } });
        const report = await createCore(config, { now: io.now, cwd: io.cwd, env: io.env }).previewDigest({
          since: windowFlag(values.since, 'since', config.site.timezone),
          until: windowFlag(values.until, 'until', config.site.timezone),
          to: values.to,
          outDir: values.out,
        });
        io.stdout.write(formatPreview(report, io.cwd));
        return 0;
      }
      case 'subscribers':
        return await subscribersCommand(rest, io);
      case 'send':
        return await sendCommand(rest, io);
      case 'serve':
        return await serveCommand(rest, io);
      case 'start':
        return await startCommand(rest, io);
      case 'status':
        return await statusCommand(rest, io);
      default:
        io.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.stderr.write(`${describeError(err)}\n`);
    // Usage mistakes (unknown flag, missing value) are 2; everything else is a failed run.
    return err instanceof AppError ? 1 : isUsageError(err) ? 2 : 1;
  }
}

function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

function formatPreview(report: PreviewReport, cwd: string): string {
  const rel = (p: string) => (p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p);
  const window = `${report.window.since.toISOString()} – ${report.window.until.toISOString()}`;
  if (report.empty) return `No posts were published in ${window} (digest ${report.digest.id}): nothing to preview, no files written.\n`;
  return [
    `Subject: ${report.subject}`,
    `Digest ${report.digest.id}: ${report.digest.postCount} post(s) in ${report.digest.sections.length} categor${report.digest.sections.length === 1 ? 'y' : 'ies'}, for ${report.to}`,
    `  ${rel(report.files.html)}   open in a browser (${Math.round(report.htmlBytes / 1024)} KB of HTML)`,
    `  ${rel(report.files.text)}    the plain-text part`,
    `  ${rel(report.files.eml)}    the complete message, as it would be sent; open in a mail client`,
    ...report.notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

function formatProblems(report: BuildReport): string {
  const lines = [
    ...report.errors.map((e) => `error: ${e.describe()} (post skipped)`),
    ...report.warnings.map((w) => `warning: ${w.describe()}`),
  ];
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
