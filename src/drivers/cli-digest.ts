// `broadsheet digest`: preview the digest email as files. Parse, one core call, print.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import path from 'node:path';
import { originOf, type Config } from '../config.js';
import { pathErrorFrom } from '../errors.js';
import type { DigestPreviews, PreviewReport } from '../core/types.js';
import { COMMON_OPTIONS, jsonDocument, JSON_OPTION, windowFlag, type CliIo } from './cli-args.js';

const DIGEST_OPTIONS = {
  ...COMMON_OPTIONS,
  out: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  to: { type: 'string' },
  ...JSON_OPTION,
} as const satisfies ParseArgsConfig['options'];

export type DigestArgs = ReturnType<typeof parseDigestArgs>;

export function parseDigestArgs(args: readonly string[]) {
  return parseArgs({ args: [...args], options: DIGEST_OPTIONS, strict: true, allowPositionals: false }).values;
}

export async function runDigest(values: DigestArgs, io: CliIo, deps: { config: Readonly<Config>; previews: DigestPreviews }): Promise<number> {
  const { config, previews } = deps;
  const window = { since: windowFlag(values.since, 'since', config.site.timezone), until: windowFlag(values.until, 'until', config.site.timezone) };
  const report = await previews.previewDigest({ ...window, to: values.to, outDir: values.out }).catch((err: unknown) => {
    // A folder that cannot be used is named as it was given.
    const data = path.resolve(io.cwd, config.paths.data);
    throw pathErrorFrom(err, [
      ...(values.out ? [{ setting: '--out', folder: path.resolve(io.cwd, values.out), origin: '--out' }] : []),
      { setting: 'paths.data', folder: data, origin: originOf(config, 'paths.data') },
    ]);
  });
  // Notes (a missing postal address) are messages: stderr, whatever the format.
  if (!report.empty) for (const note of report.notes) io.stderr.write(`note: ${note}\n`);
  io.stdout.write(values.json ? jsonDocument(previewDocument(report)) : formatPreview(report, io.cwd));
  return 0;
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
    '',
  ].join('\n');
}

/** `digest --json`: what was previewed and where the files are (see the README's "JSON output"). */
function previewDocument(report: PreviewReport) {
  const base = {
    empty: report.empty,
    window: report.window,
    digestId: report.digest.id,
    postCount: report.digest.postCount,
    categories: report.digest.sections.map((s) => s.name),
  };
  if (report.empty) return base;
  return {
    ...base,
    subject: report.subject,
    to: report.to,
    messageId: report.messageId,
    files: report.files,
    htmlBytes: report.htmlBytes,
    notes: report.notes,
  };
}
