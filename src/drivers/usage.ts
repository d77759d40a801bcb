// The CLI's help text and version: what `broadsheet --help` and `--version` print, with nothing else loaded.
import { packageVersion } from '../package-root.js';

export const USAGE = `Usage: broadsheet <command> [options]

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

subscribers and send take --config, --content and --data too. \`broadsheet --version\` prints the version. Mail goes to the SMTP server in
BROADSHEET_SMTP_URL, or, when it is unset, to .eml files in data/outbox/.
`;

/** Broadsheet's version, from its package.json. */
export function version(): string {
  return packageVersion();
}

/** A mistake in how the command was typed: exit code 2. */
export class UsageError extends Error {}
