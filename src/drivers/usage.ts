// The CLI's help texts and version: what `--help` and `--version` print, with nothing else loaded.
// Help is answered before a command's module is even imported: asking for help can never act.
import { packageVersion } from '../package-root.js';

const WHERE = `  --config FILE   config file (default: broadsheet.config.json if present)
  --content DIR   folder of Markdown posts (default: content/)
  --data DIR      data folder: database, caches, outbox, signing key (default: data/)
  -q, --quiet     log warnings and errors only (BROADSHEET_LOG_LEVEL sets the level too)
  -v, --verbose   log debug detail too`;

const MAIL = `Mail goes to the SMTP server in BROADSHEET_SMTP_URL or, when it is unset, to .eml files in data/outbox/.`;

export const USAGE = `Usage: broadsheet <command> [options]

Commands:
  start         the main job: serve feeds and pages, rebuild the feeds, send the digest on schedule
  serve         serve what \`build\` wrote, with the subscribe pages and previews (no scheduler)
  status        next runs, subscriber counts, the last feed build, recent campaigns and their bounces
  build         load the posts and write every feed, page, the OPML and digest.json
  digest        preview the digest email as files: digest.html, digest.txt, digest.eml
  subscribers   add, remove, list, show, import, export, delete or reactivate subscribers
  send          send the digest to every active subscriber now, by hand
  bounces       read the bounce mailbox now: act on bounces, complaints and mailto unsubscribes
  db            the database: apply its migrations, or copy the SQLite file into PostgreSQL

Run \`broadsheet <command> --help\` for a command's options and examples.
\`broadsheet --version\` prints the version. ${MAIL}
`;

const COMMANDS: Record<string, string> = {
  db: `Usage: broadsheet db migrate [options]
       broadsheet db copy [--to postgres://…] [options]

  migrate   open the database (BROADSHEET_DATABASE_URL or database.url, else the SQLite file under
            data/) and apply the migrations it lacks; \`start\` does the same when it opens it
  copy      copy the SQLite file under data/ into PostgreSQL (--to, else BROADSHEET_DATABASE_URL):
            subscribers, their history, campaigns, deliveries, the suppression list, what came back;
            ids kept. Run it again after a stop: it continues. Ends by counting every table on both
            sides; exit code 1 when they differ. The file is only read.

Options:
  --to URL        the PostgreSQL database to copy into (a password here shows in the process list:
                  prefer BROADSHEET_DATABASE_URL, or PGPASSWORD)
  --json          print the result as one JSON document
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet db migrate
  BROADSHEET_DATABASE_URL=postgres://broadsheet:secret@db.example.com/broadsheet broadsheet db copy
`,
  bounces: `Usage: broadsheet bounces check [options]

Reads the bounce mailbox (BROADSHEET_BOUNCE_IMAP_URL) once, as \`start\` does on schedule: a hard bounce
marks the subscriber bounced, soft bounces do after bounces.softLimit within bounces.softWindowDays, a
spam complaint unsubscribes them (marked complained), a mailto unsubscribe request with a valid token
unsubscribes them. Each message acted on is flagged handled; one not understood is left as it is.
A report is believed only when our signed envelope tag or one of our Message-IDs names its subscriber.

Options:
  --json          print the counts as one JSON document
${WHERE}
  -h, --help      show this help

Examples:
  BROADSHEET_BOUNCE_IMAP_URL=imaps://bounces:secret@imap.example.com/INBOX broadsheet bounces check
`,
  start: `Usage: broadsheet start [options]

The main job: builds the feeds, serves them with the subscribe, unsubscribe and preview pages, rebuilds
when a post changes and on schedule, and sends the digest on schedule. Ctrl-C stops at a safe point.

Options:
${WHERE}
  --out DIR       where the site is written and served from (default: public/)
  --host HOST     address to listen on (default: 127.0.0.1)
  --port N        port to listen on (default: 8080)
  -h, --help      show this help

Examples:
  broadsheet start
  broadsheet start --content ~/posts --port 3000
`,
  serve: `Usage: broadsheet serve [options]

Serves what \`broadsheet build\` wrote, with the subscribe, unsubscribe and preview pages. Sends only
confirmation and welcome messages; no scheduler, no digest.

Options:
${WHERE}
  --out DIR       the built site to serve (default: public/)
  --host HOST     address to listen on (default: 127.0.0.1)
  --port N        port to listen on (default: 8080)
  -h, --help      show this help

Examples:
  broadsheet build && broadsheet serve
  broadsheet serve --out site/ --port 3000
`,
  status: `Usage: broadsheet status [options]

Prints the next scheduled runs, subscriber counts, the last feed build and the recent campaigns,
with what came back of each (bounces, complaints and their rates, warned past the providers'
thresholds). Reads only.

Options:
${WHERE}
  --out DIR       the built site, for the last build's time (default: public/)
  --json          print it all as one JSON document
  -h, --help      show this help

Examples:
  broadsheet status
  broadsheet status --data /var/lib/broadsheet
`,
  build: `Usage: broadsheet build [options]

Loads the posts and writes every feed (RSS, Atom, JSON Feed; site-wide and per category), the pages,
feeds.opml and digest.json. Only what changed is rewritten; an invalid post is reported and skipped.

Options:
${WHERE}
  --out DIR       where the site is written (default: public/)
  --strict        fail (exit 1) on any invalid post or warning, and write nothing
  --drafts        include posts marked draft: true
  --future        include posts dated in the future
  --explain FILE  build nothing: show what the cleanup of scraped bodies keeps and removes of
                  this post, by which rule, and the writer, time and image credit it finds
                  and what the post gets of them
  --json          print the report as one JSON document
  -h, --help      show this help

Examples:
  broadsheet build
  broadsheet build --strict --content posts/ --out site/
  broadsheet build --explain content/2026-11-23-regional-lenders-pause-bnpl-partnerships.md
`,
  digest: `Usage: broadsheet digest [options]

Previews the digest email without sending it: writes digest.html, digest.txt and digest.eml.

Options:
${WHERE}
  --since DATE    window start (a date is its first instant; default: 7 days before --until)
  --until DATE    window end (a date includes that whole day; default: end of today)
  --to ADDRESS    personalise the preview for this address (default: email.from)
  --out DIR       where the preview files go (default: data/preview/)
  --json          print what was written as one JSON document
  -h, --help      show this help

Examples:
  broadsheet digest
  broadsheet digest --since 2026-11-01 --until 2026-11-07 --to ada@example.com
`,
  subscribers: `Usage: broadsheet subscribers <add|remove|list|import|export> [options]
       broadsheet subscribers <show|delete> EMAIL [options]
       broadsheet subscribers reactivate --bounced-since TIME [options]

  add EMAIL         add one subscriber (active, or pending with --pending)
  remove EMAIL      unsubscribe one subscriber (the record is kept)
  list              list subscribers: email, status, categories, name
  show EMAIL        print everything stored about one subscriber
  delete EMAIL      erase one subscriber on request (only a keyed hash is kept, to refuse re-adding)
  import FILE.csv   add the rows of a CSV file: Broadsheet's export, or Mailchimp, Substack, Buttondown,
                    Ghost or listmonk exports, each row keeping its consent status
  export            write every subscriber (or those of one --status) as CSV to standard output
  reactivate        turn subscribers bounced since --bounced-since TIME back to active (the sender's fault)

Run \`broadsheet subscribers <action> --help\` for an action's options and examples.
`,
  'subscribers add': `Usage: broadsheet subscribers add EMAIL [options]

Adds one subscriber, active at once, or pending with a confirmation request sent (--pending).
An address already known is left as it is. Categories must be those of the published posts; an
address deleted on request is refused (only the person can sign up again, through the subscribe form).

Options:
  --name NAME         the subscriber's name
  --categories A,B    only these categories, by name or slug (default: all)
  --pending           store as pending and send a confirmation request (double opt-in)
${WHERE}
  -h, --help          show this help

Examples:
  broadsheet subscribers add ada@example.com --name "Ada Lovelace"
  broadsheet subscribers add grace@example.com --categories science,finance --pending
`,
  'subscribers remove': `Usage: broadsheet subscribers remove EMAIL [options]

Unsubscribes one subscriber. The record is kept, so an import cannot quietly make them active again.
To erase everything stored about someone, use \`broadsheet subscribers delete\`.

Options:
${WHERE}
  -h, --help      show this help

Example:
  broadsheet subscribers remove ada@example.com
`,
  'subscribers list': `Usage: broadsheet subscribers list [options]

Lists subscribers, one a line: email, status, categories, name (tab-separated), and the count on
standard error; or one JSON document with --json. Reads only.

Options:
  --status S      only pending, active, unsubscribed or bounced subscribers, or complained ones
                  (unsubscribed by a spam complaint)
  --json          print {"count", "subscribers": [...]} as JSON (fields in docs/cli.md)
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet subscribers list
  broadsheet subscribers list --status pending --json
`,
  'subscribers show': `Usage: broadsheet subscribers show EMAIL [options]

Prints everything stored about one person: the subscriber record, its history of events, every
delivery to them, and whether the address is on the suppression list. Readable text by default, one
JSON document with --json. Exit code 1 when the address is not a subscriber. Reads only.

Options:
  --json          print {"email", "subscriber", "events", "deliveries", "suppression"} as JSON
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet subscribers show ada@example.com
  broadsheet subscribers show ada@example.com --json > ada.json
`,
  'subscribers delete': `Usage: broadsheet subscribers delete EMAIL [options]

Erases one subscriber on request: the subscriber record, their events and their delivery records.
Only a keyed hash of the address is kept, on a suppression list, so that import and add cannot
quietly add them again; the person can still sign up through the subscribe form, and confirming
lifts the suppression. On a terminal it asks first; without one it deletes at once. It says on
standard error what it removed.

Options:
  -y, --yes       do not ask, even on a terminal
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet subscribers delete ada@example.com
  broadsheet subscribers delete ada@example.com --yes
`,
  'subscribers import': `Usage: broadsheet subscribers import FILE.csv [options]

Adds the rows of a CSV file: Broadsheet's own export, any CSV with an email column (and optionally
name, categories, timezone, status and the export's date columns), or a Mailchimp, Substack,
Buttondown, Ghost or listmonk export, recognised by its header. Each row keeps its consent: pending
rows stay pending and are sent a confirmation request, unsubscribed and bounced rows are stored as
such; none becomes active. Addresses already known are left as they are; invalid rows (and unknown
categories) are reported by line and skipped, addresses deleted on request are reported and skipped.

Options:
  --pending       store the subscribed rows as pending too, and send each a confirmation request
  --json          print the report (format, columns used and ignored, counts, rows skipped) as JSON
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet subscribers import members.csv
  broadsheet subscribers import subscribed_members_export.csv --pending
`,
  'subscribers reactivate': `Usage: broadsheet subscribers reactivate --bounced-since TIME [options]

Turns subscribers bounced at or after TIME back to active, each change recorded as "reactivated": for a
bounce wave that was the sender's fault (a relay or credentials problem), not the addresses'. Prints
the addresses it changed.

Options:
  --bounced-since TIME   a date (its first instant, site timezone) or an ISO time with offset
${WHERE}
  -h, --help             show this help

Example:
  broadsheet subscribers reactivate --bounced-since 2026-11-30T08:00:00Z
`,
  'subscribers export': `Usage: broadsheet subscribers export [options]

Writes every subscriber as CSV to standard output: email, name, status, categories, timezone and
their dates. \`broadsheet subscribers import\` reads it back as it was. Reads only.

Options:
  --status S      only pending, active, unsubscribed or bounced subscribers
${WHERE}
  -h, --help      show this help

Examples:
  broadsheet subscribers export > subscribers.csv
  broadsheet subscribers export --status active > active.csv
`,
  send: `Usage: broadsheet send [options]

Sends the digest by hand to every active subscriber who has not had these posts yet, each once. An
unfinished campaign is resumed; one another process is sending (another send, the scheduler of a
\`broadsheet start\` on this database) is joined, and each sends its share. On a terminal it says what it is
about to send and asks first; without one it needs --yes. (The scheduler in \`broadsheet start\` sends on
its own schedule and never asks.)

Options:
  --since DATE    window start for subscribers who never had a digest (default: delivery.firstDigestDays)
  --until DATE    window end (default: now)
  --dry-run       work out what would be sent; send and record nothing
  --retry-failed  retry only the latest campaign's temporary failures
  -y, --yes       send without asking (needed when there is no terminal to ask on)
  --json          print the report as one JSON document (progress stays on stderr)
${WHERE}
  -h, --help      show this help

${MAIL}

Examples:
  broadsheet send --dry-run
  broadsheet send --yes
`,
};

/** The help text for a command, or a subscribers action ("subscribers add"); the overview otherwise. */
export function usageOf(command: string, args: readonly string[] = []): string {
  if (command === 'subscribers') {
    const action = args.find((a) => !a.startsWith('-'));
    const text = action === undefined ? undefined : COMMANDS[`subscribers ${action}`];
    if (text) return text;
  }
  return COMMANDS[command] ?? USAGE;
}

/** True when help was asked for anywhere among a command's arguments (before a `--`). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Broadsheet's version, from its package.json. */
export function version(): string {
  return packageVersion();
}

/** A mistake in how the command was typed: exit code 2. */
export class UsageError extends Error {}
