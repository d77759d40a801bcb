// The time a scraped page's "Posted:"/"Published:"/"Updated:" line gives → an exact instant and its zone.
// Pure: the site timezone and the front matter's date are passed in, never read from the clock.
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/** What a posted line's time text says, once read. */
export interface ReadTime {
  /** The exact instant. */
  instant: Date;
  /** The zone the time was written in: an IANA name ("America/New_York") or a fixed offset ("UTC-5"); the site's when none was written. */
  zone: string;
  /** False when the text named no zone and the site timezone was assumed. */
  hasWrittenZone: boolean;
  /** The zone as written ("PST", "MEZ", "GMT+1", "Europe/Berlin"), for showing the time as the source did; undefined when none was. */
  writtenZone: string | undefined;
}

/** How a posted instant's calendar day compares with the front matter's date (a day). */
export type DayAgreement =
  /** The instant falls on the front matter's date in the site timezone. */
  | 'same-day'
  /** Only in the zone it was written in (10 PM PST on the 29th is the 30th in UTC): the source's own day. */
  | 'same-day-in-written-zone'
  | 'different-day';

/**
 * Zone abbreviations → a fixed offset in minutes, or an IANA zone for the generic ones (ET, PT: whichever
 * of standard or daylight time is in force). An abbreviation means what it says: "EST" in July is still
 * UTC-5. IST is India Standard Time (+05:30), by far its most common use in English-language news; a site
 * in Ireland or Israel names its meaning in the rules' `zones`. CST is US Central, not China Standard Time.
 */
export const ZONE_ABBREVIATIONS: Readonly<Record<string, number | string>> = {
  UTC: 0,
  UT: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MEZ: 60,
  MESZ: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  PKT: 300,
  SGT: 480,
  HKT: 480,
  JST: 540,
  KST: 540,
  AWST: 480,
  ACST: 570,
  ACDT: 630,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  NST: -210,
  NDT: -150,
  AST: -240,
  ADT: -180,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
  BRT: -180,
  ART: -180,
  ET: 'America/New_York',
  CT: 'America/Chicago',
  MT: 'America/Denver',
  PT: 'America/Los_Angeles',
};

// Month names of a few common languages, from the platform's own locale data (no word lists to keep).
const MONTH_LOCALES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'];
const MONTHS = new Map<string, number>();
for (const locale of MONTH_LOCALES) {
  for (const width of ['long', 'short'] as const) {
    const format = new Intl.DateTimeFormat(locale, { month: width, timeZone: 'UTC' });
    for (let month = 1; month <= 12; month++) {
      const name = format
        .format(new Date(Date.UTC(2026, month - 1, 15)))
        .toLocaleLowerCase(locale)
        .replace(/\.$/, '');
      if (!MONTHS.has(name)) MONTHS.set(name, month);
    }
  }
}
// English abbreviations as newsrooms write them ("Sept. 3").
MONTHS.set('sept', 9);

/** The month (1–12) a word names in one of the known languages, else undefined. */
export function monthOfWord(word: string): number | undefined {
  return MONTHS.get(word.toLocaleLowerCase('en').replace(/\.$/, ''));
}

const ISO = /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?/;
const CLOCK_12 = /(?<![\p{L}\p{N}])(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*([ap])\.?\s?m\.?(?![\p{L}])/iu;
// 24-hour clock: "14:11", "14:11:05", French "14h11". Not "29.01" (a dotted date).
const CLOCK_24 = /(?<![\p{L}\p{N}.])(\d{1,2})(?::|h)(\d{2})(?::(\d{2}))?(?![\p{N}])/u;
const OFFSET = /^(?:UTC|GMT)?\s*([+-−])(\d{1,2})(?::?(\d{2}))?$/i;
const ZONE_AFTER_TIME =
  /^\s*\(?\s*((?:UTC|GMT)\s*[+-−]\s*\d{1,2}(?::?\d{2})?|[+-−]\d{2}:?\d{2}|Z|[A-Z]{1,5}|[A-Za-z]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)(?![\p{L}\p{N}])\s*\)?/u;

/**
 * Read the time a posted line gives ("2:11 PM PST · January 29, 2026", "29 January 2026 14:11 CET",
 * "2026-01-29T14:11:00-08:00", "29.01.2026, 14:11 MEZ"). Undefined unless it holds a whole date and a
 * time of day: a day alone is not an instant. With no zone written, the time is read in `timezone`.
 * `zones` adds or overrides abbreviations (minutes east of UTC, or an IANA zone).
 */
export function readPostedTime(text: string, options: { timezone: string; zones?: Readonly<Record<string, number | string>> }): ReadTime | undefined {
  const zones = options.zones ? { ...ZONE_ABBREVIATIONS, ...options.zones } : ZONE_ABBREVIATIONS;
  const iso = ISO.exec(text);
  let date: { year: number; month: number; day: number } | undefined;
  let clock: { hour: number; minute: number; second: number } | undefined;
  let rest: string;
  if (iso?.[4] !== undefined) {
    date = { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]) };
    clock = { hour: Number(iso[4]), minute: Number(iso[5]), second: Number(iso[6] ?? 0) };
    rest = text.slice(iso.index + iso[0].length);
  } else {
    const found = readClock(text);
    if (!found) return undefined;
    clock = found.clock;
    const withoutClock = text.slice(0, found.index) + ' '.repeat(found.length) + text.slice(found.index + found.length);
    rest = text.slice(found.index + found.length);
    date = iso ? { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]) } : readDate(withoutClock);
  }
  if (!date) return undefined;
  const written = zoneAfter(rest, zones) ?? zoneAnywhere(text, zones);
  const zone = written?.zone ?? options.timezone;
  const time = DateTime.fromObject({ ...date, ...clock }, { zone });
  if (!time.isValid) return undefined;
  return { instant: time.toJSDate(), zone, hasWrittenZone: written !== undefined, writtenZone: written?.token };
}

/** How `instant`'s day compares with the front matter's `date` (a day, read in the site `timezone`). */
export function dayAgreement(instant: Date, writtenZone: string, date: Date, timezone: string): DayAgreement {
  const day = DateTime.fromJSDate(date, { zone: timezone }).toISODate();
  if (DateTime.fromJSDate(instant, { zone: timezone }).toISODate() === day) return 'same-day';
  if (DateTime.fromJSDate(instant, { zone: writtenZone }).toISODate() === day) return 'same-day-in-written-zone';
  return 'different-day';
}

function readClock(text: string): { clock: { hour: number; minute: number; second: number }; index: number; length: number } | undefined {
  const twelve = CLOCK_12.exec(text);
  if (twelve) {
    const hour = Number(twelve[1]);
    if (hour < 1 || hour > 12) return undefined;
    const isPm = twelve[4]!.toLowerCase() === 'p';
    return {
      clock: { hour: (hour % 12) + (isPm ? 12 : 0), minute: Number(twelve[2] ?? 0), second: Number(twelve[3] ?? 0) },
      index: twelve.index,
      length: twelve[0].length,
    };
  }
  const twentyFour = CLOCK_24.exec(text);
  if (!twentyFour) return undefined;
  return {
    clock: { hour: Number(twentyFour[1]), minute: Number(twentyFour[2]), second: Number(twentyFour[3] ?? 0) },
    index: twentyFour.index,
    length: twentyFour[0].length,
  };
}

/** A calendar date written with a month name ("January 29, 2026", "29. Januar 2026") or unambiguous digits. */
function readDate(text: string): { year: number; month: number; day: number } | undefined {
  const words = text.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
  const monthIndex = words.findIndex((word) => monthOfWord(word) !== undefined);
  if (monthIndex >= 0) {
    const year = words.find((word) => /^\d{4}$/.test(word));
    const day = words.find((word) => /^\d{1,2}$/.test(word) && Number(word) >= 1 && Number(word) <= 31);
    if (year === undefined || day === undefined) return undefined;
    return { year: Number(year), month: monthOfWord(words[monthIndex]!)!, day: Number(day) };
  }
  const dotted = /(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/.exec(text);
  if (dotted) return { year: Number(dotted[3]), month: Number(dotted[2]), day: Number(dotted[1]) };
  const yearFirst = /(?<!\d)(\d{4})\/(\d{1,2})\/(\d{1,2})(?!\d)/.exec(text);
  if (yearFirst) return { year: Number(yearFirst[1]), month: Number(yearFirst[2]), day: Number(yearFirst[3]) };
  // 03/04/2026 is March or April depending on the site: read only when one side cannot be a month.
  const slashed = /(?<!\d)(\d{1,2})\/(\d{1,2})\/(\d{4})(?!\d)/.exec(text);
  if (slashed) {
    const [a, b] = [Number(slashed[1]), Number(slashed[2])];
    if (a > 12 && b <= 12) return { year: Number(slashed[3]), month: b, day: a };
    if (b > 12 && a <= 12) return { year: Number(slashed[3]), month: a, day: b };
  }
  return undefined;
}

type WrittenZone = { zone: string; token: string };

function zoneAfter(rest: string, zones: Readonly<Record<string, number | string>>): WrittenZone | undefined {
  const match = ZONE_AFTER_TIME.exec(rest);
  const zone = match ? zoneOf(match[1]!, zones) : undefined;
  return zone === undefined ? undefined : { zone, token: match![1]!.replace(/\s+/g, '') };
}

/** A known abbreviation anywhere in the text ("Posted: PST 2:11 PM, January 29, 2026"). */
function zoneAnywhere(text: string, zones: Readonly<Record<string, number | string>>): WrittenZone | undefined {
  for (const word of text.split(/[^\p{L}]+/u)) {
    if (/^[A-Z]{2,5}$/.test(word) && Object.hasOwn(zones, word)) return { zone: zoneOf(word, zones)!, token: word };
  }
  return undefined;
}

function zoneOf(token: string, zones: Readonly<Record<string, number | string>>): string | undefined {
  const compact = token.replace(/\s+/g, '');
  if (Object.hasOwn(zones, compact)) {
    const zone = zones[compact]!;
    return typeof zone === 'number' ? FixedOffsetZone.instance(zone).name : zone;
  }
  const offset = OFFSET.exec(compact);
  if (offset) {
    const sign = offset[1] === '+' ? 1 : -1;
    return FixedOffsetZone.instance(sign * (Number(offset[2]) * 60 + Number(offset[3] ?? 0))).name;
  }
  if (compact.includes('/') && IANAZone.isValidZone(compact)) return compact;
  return undefined;
}
