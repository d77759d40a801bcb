// The digest's "view in browser" link (/archive/<id>/) and the window an archive request asks for. Pure.
//
// A bare /archive/<id>/ names whole days, and anyone can ask for any id, so it is served only for windows
// of at most UNSIGNED_ARCHIVE_DAYS (each request renders MJML). A digest whose window the id does not
// name exactly (a send ends "now", not at midnight) or that is longer carries its exact window, signed
// with the site's key: `/archive/<id>/?w=<since ms>-<until ms>.<mac>`. Only windows the site itself made
// a digest for are rendered, however long, and the page shows the posts the email showed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { hmacKey } from './hmac.js';
import { DateTime } from 'luxon';
import type { DigestWindow } from '../digest/build.js';

/** The longest window a bare (unsigned) /archive/<id>/ is rendered for. */
export const UNSIGNED_ARCHIVE_DAYS = 62;

const ID = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/;
const SIGNED = /^(\d{1,15})-(\d{1,15})\.([\w-]{43})$/;

/** The path of a digest's archive page, with its signed window when the bare id would not serve it. */
export function archivePath(digest: { id: string; since: string; until: string; timezone: string }, key: string): string {
  const bare = `/archive/${encodeURIComponent(digest.id)}/`;
  const since = Date.parse(digest.since);
  const until = Date.parse(digest.until);
  const named = bareArchiveWindow(digest.id, digest.timezone);
  if (named && named.since.getTime() === since && named.until.getTime() === until) return bare;
  return `${bare}?w=${since}-${until}.${mac(digest.id, since, until, key)}`;
}

/** The exact window of a signed archive link (`?w=`) made for this id; undefined unless genuine. */
export function signedArchiveWindow(id: string, signed: string, key: string): DigestWindow | undefined {
  const match = SIGNED.exec(signed);
  if (!match || !ID.test(id)) return undefined;
  const since = Number(match[1]);
  const until = Number(match[2]);
  const expected = Buffer.from(mac(id, since, until, key));
  const given = Buffer.from(match[3]!);
  if (!timingSafeEqual(given, expected) || until <= since) return undefined;
  return { since: new Date(since), until: new Date(until) };
}

/** The whole days a bare id names, when that window is short enough to serve unsigned; else undefined. */
export function bareArchiveWindow(id: string, timezone: string): DigestWindow | undefined {
  const match = ID.exec(id);
  if (!match) return undefined;
  const since = DateTime.fromISO(match[1]!, { zone: timezone });
  const until = DateTime.fromISO(match[2]!, { zone: timezone });
  if (!since.isValid || !until.isValid || until <= since || until.diff(since, 'days').days > UNSIGNED_ARCHIVE_DAYS) return undefined;
  return { since: since.toJSDate(), until: until.toJSDate() };
}

function mac(id: string, since: number, until: number, key: string): string {
  return createHmac('sha256', hmacKey(key)).update(`broadsheet-archive-v1.${id}.${since}-${until}`).digest('base64url');
}
