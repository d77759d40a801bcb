// A scraped body's page furniture (kicker, posted line, image credit, byline, repeated title, topics list,
// adverts) → the article alone, every removal named, and the facts the furniture held. Pure: data in,
// data out. Generic, evidence-driven rules: no per-site code; a site's leftovers are named in the rules.
import type { ArticleSpan, PostHead } from './schema.js';

export type { ArticleSpan };
import { type DayAgreement, dayAgreement, monthOfWord, type ReadTime, readPostedTime } from './posted-time.js';

/** The rule that removed a line: what `build --explain` names. */
export type RemovalRule =
  /** A short line above the title that is no other furniture: a section name ("In Brief"). */
  | 'kicker'
  /** A "Posted:"/"Published:"/"Updated:" line, the time line under a bare label, or a bare dateline at the top. */
  | 'posted'
  /** "Image Credits:", "Photo:", "Credit:", "Photograph:"… at the top. */
  | 'image-credit'
  /** "By …", or a name-shaped line under other furniture: just above the repeated title, or right under the credit or posted line. */
  | 'byline'
  /** The post's own title, repeated in the body where the article starts. */
  | 'title-repeat'
  /** "Topics"/"Tags"/"Related" followed by a list that shares a word with the post's tags or category. */
  | 'end-marker'
  /** That list. */
  | 'topics-list'
  /** Everything after the article's end (the topics list or a configured end marker): adverts, links. */
  | 'after-end'
  /** An event advert's header (a date range, a place) just above a truncated last paragraph. */
  | 'advert'
  /** A last paragraph cut off mid-sentence: the source was truncated. */
  | 'truncated-paragraph'
  /** A line matching one of the rules' `dropLines`. */
  | 'configured-line'
  /** A line matching one of the rules' `endMarkers`: the article ends above it. */
  | 'configured-end';

/** One removed line of the body. */
export interface Removal {
  /** 1-based line number in the body given to `findArticle`. */
  line: number;
  /** The line as it was. */
  text: string;
  rule: RemovalRule;
}

/** A posted, published or updated line, and the time it gives. */
export interface PostedLine {
  /** The label as written ("Posted", "Published", "Updated", "Veröffentlicht"); undefined for a bare dateline. */
  label: string | undefined;
  /** The time as written, label dropped ("7:42 AM EST · November 23, 2026"). */
  text: string;
  /** 1-based line number of the time text. */
  line: number;
  /** The exact instant and its zone, when the text holds a date and a time; with how its day compares to the front matter's date. */
  time: (ReadTime & { dayAgreement: DayAgreement }) | undefined;
}

/** What the furniture said about the post. */
export interface FurnitureFacts {
  /** The writer's name, from the byline ("Dana Whitcombe"). */
  byline: string | undefined;
  /** The first Posted/Published line (or bare dateline) at the top. */
  posted: PostedLine | undefined;
  /** The first Updated line at the top. */
  updated: PostedLine | undefined;
  /** The cover image's credit, label dropped ("Harbor Desk / Example Wire"). */
  imageCredit: string | undefined;
  /** The source's own topic list, as written. */
  topics: string[] | undefined;
}

/** Site-specific extras, from config (the config layer compiles and validates them). */
export interface FurnitureRules {
  /** Lines to drop wherever they are (outside code blocks); tested against the trimmed line. */
  dropLines: readonly RegExp[];
  /** Lines that end the article: the line and everything after it go. Tested against the trimmed line. */
  endMarkers: readonly RegExp[];
  /** Zone abbreviations to add or override (minutes east of UTC, or an IANA zone), e.g. `{ IST: 60 }` for Ireland. */
  zones?: Readonly<Record<string, number | string>>;
}

export const NO_EXTRA_RULES: FurnitureRules = { dropLines: [], endMarkers: [] };

/** Why a body was kept as it is. */
export interface KeptReason {
  /**
   * `no-furniture`: nothing at the top or the end looks like page furniture (a hand-written post: nothing to warn about).
   * `no-start`: furniture-like lines, but no evidence of where the article starts (title not repeated, no posted or credit line).
   * `most-removed`: the rules would remove more than MOST_REMOVED of the body's text.
   */
  code: 'no-furniture' | 'no-start' | 'most-removed';
  message: string;
}

/** The article found in a body, or the body kept as it is. `removed` and `facts` are empty when kept. */
export type ArticleCut =
  | { kind: 'cut'; article: string; span: ArticleSpan; removed: Removal[]; facts: FurnitureFacts }
  | { kind: 'kept'; article: string; reason: KeptReason; removed: Removal[]; facts: FurnitureFacts };

/** What the rules need to know of the post: its head's title, tags, category and date. */
export type ArticlePost = Pick<PostHead, 'title' | 'tags' | 'date'> & { category: { name: string } };

/**
 * More removed than this share of the characters below the page's head (from the article's first line on),
 * and the body is kept: an end marker or a truncation went wrong. The sample loses a quarter (its topics and advert).
 */
export const MOST_REMOVED = 0.6;
/** The title must appear within this many non-blank lines of the top. */
export const HEAD_LINES = 12;
/** Longest line, in characters, that counts as a short line of furniture. */
export const SHORT_LINE = 120;
/** Longest kicker, in words, when no repeated title vouches for the lines above it. */
export const KICKER_WORDS = 6;
/** Fewest words of a paragraph dropped as truncated: a short last line ("More to come") is a sign-off. */
export const TRUNCATED_WORDS = 12;

const NO_FACTS: FurnitureFacts = { byline: undefined, posted: undefined, updated: undefined, imageCredit: undefined, topics: undefined };

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SENTENCE_END = /[.!?…。！？؟।:]["'”’»)\]*_]*$/u;
const POSTED_LABEL =
  /^(?:\*\*)?(posted|published|updated|last updated|modified|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|atualizado|pubblicato|aggiornato|gepubliceerd|bijgewerkt)(?:\s+(?:on|at|am|le|el|il|em|op))?\s*:?(?:\*\*)?\s*(.*)$/iu;
const UPDATE_LABEL = /updated|modified|aktualisiert|mis à jour|actualizado|atualizado|aggiornato|bijgewerkt/iu;
const CREDIT_LABEL =
  /^(?:\*\*)?(?:image credits?|photo credits?|photos?|photograph|picture|credits?|illustration|bild|fotos?|crédits? photo|crédits?|fotografía|immagine)\s*:(?:\*\*)?\s*(.+)$/iu;
const CREDIT_BY = /^(?:photo|image|illustration|foto)\s+(?:by|von|par|de|di)\s+(.+)$/iu;
const BY = /^(?:by|von|par|por|di|door|av|af)\s+(.+)$/iu;
// Topics (English, German, French, Spanish, Italian, Dutch, Portuguese). "More from …" is left out: its
// list is headlines, which never match tags; a site that has one names it in `endMarkers`.
const TOPICS_MARKER =
  /^(?:#{1,6}\s+)?(?:\*\*)?(topics|tags|related|related topics|themen|schlagworte|schlagwörter|sujets|mots-clés|temas|etiquetas|argomenti|onderwerpen|assuntos)(?:\*\*)?\s*:?(?:\*\*)?\s*(.*)$/iu;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s/;
const NAME_JOINERS = new Set(['and', '&', 'und', 'et', 'y', 'e', 'en', 'och', 'og']);
const NAME_PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'del', 'della', 'di', 'du', 'la', 'le', 'bin', 'ibn', 'al', 'el', 'dos', 'das', 'ter']);
const UNCASED_NAME = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}][\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\s·・]{1,11}$/u;

/**
 * Find the article in a post's cleaned body (what `bodyOfSource` returns): its Markdown with the page
 * furniture removed, each removal with its line and rule, and what the furniture said. The body comes
 * back as it is, with a reason, when there is no evidence of where the article starts, or when the rules
 * would remove most of it.
 */
export function findArticle(body: string, post: ArticlePost, options: { timezone: string; rules?: FurnitureRules }): ArticleCut {
  const rules = options.rules ?? NO_EXTRA_RULES;
  const lines = body.split('\n');
  const isFenced = fencedLines(lines);
  const rule: (RemovalRule | undefined)[] = lines.map(() => undefined);
  for (let i = 0; i < lines.length; i++) {
    if (!isFenced[i] && lines[i]!.trim() !== '' && matchesAny(lines[i]!, rules.dropLines)) rule[i] = 'configured-line';
  }
  // The lines the rules read: not blank, not already dropped by config.
  const candidates = lines.flatMap((line, i) => (line.trim() !== '' && rule[i] === undefined ? [i] : []));
  const topicKeys = new Set([...post.tags, post.category.name].map(topicKey));

  const head = findStart(lines, candidates, isFenced, post.title);
  if (head.kind === 'none') {
    const hasFurniture = head.hasFurnitureLines || findEnd(lines, candidates, isFenced, 0, topicKeys, rules) !== undefined;
    return kept(
      body,
      hasFurniture ? 'no-start' : 'no-furniture',
      hasFurniture
        ? 'kept as it is: the title is not repeated near the top after a block of short lines, and no posted or image-credit line shows where the article starts'
        : 'kept as it is: no page furniture found',
    );
  }
  for (const [i, removal] of head.marks) rule[i] = removal;

  const end = findEnd(lines, candidates, isFenced, head.start, topicKeys, rules);
  const endLine = end?.line ?? lines.length;
  if (end) {
    rule[end.line] = end.rule;
    for (const i of end.listLines) rule[i] = 'topics-list';
    for (let i = end.line + 1; i < lines.length; i++) if (rule[i] === undefined && lines[i]!.trim() !== '') rule[i] = 'after-end';
  }
  dropTruncatedTail(lines, isFenced, rule, head.start, endLine, end === undefined);

  const removed: Removal[] = [];
  // The guard weighs the text from the start on: the head's removals are bounded (short lines above the
  // evidence), while a wrong end marker or truncation could take the article itself.
  let textChars = 0;
  let removedChars = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const removal = rule[i];
    if (removal === undefined || text.trim() === '') {
      if (i >= head.start) textChars += text.trim().length;
      continue;
    }
    removed.push({ line: i + 1, text, rule: removal });
    if (i >= head.start) {
      textChars += text.trim().length;
      removedChars += text.trim().length;
    }
  }
  const span: ArticleSpan = { start: head.start, end: endLine, gaps: [] };
  for (let i = head.start; i < endLine; i++) if (rule[i] !== undefined) span.gaps.push(i);
  const article = joinKept(lines, isFenced, span);
  if (article === '' || removedChars > textChars * MOST_REMOVED) {
    return kept(
      body,
      'most-removed',
      `kept as it is: below the page's head, the rules would remove ${removedChars} of ${textChars} characters (more than ${Math.round(MOST_REMOVED * 100)}%)`,
    );
  }
  return { kind: 'cut', article, span, removed, facts: factsOf(head, end, post, options) };
}

/** Where the article starts, what the lines above it are, and what they said. */
type Start =
  | { kind: 'none'; hasFurnitureLines: boolean }
  | {
      kind: 'found';
      /** Index of the first line of the article. */
      start: number;
      marks: Map<number, RemovalRule>;
      byline: string | undefined;
      postedLines: Array<{ label: string | undefined; text: string; index: number }>;
      imageCredit: string | undefined;
    };

/** A furniture line read alone, before its neighbours are known. */
type LineKind =
  | { kind: 'posted'; label: string | undefined; rest: string }
  | { kind: 'image-credit'; credit: string }
  | { kind: 'byline'; name: string }
  | undefined;

function readLine(text: string): LineKind {
  const label = POSTED_LABEL.exec(text);
  // "Posted in Finance" is a category link, not a time: the rest must hold a digit, or be empty (time on the next line).
  if (label && (label[2] === '' || /\d/.test(label[2]!))) return { kind: 'posted', label: label[1], rest: label[2]! };
  if (isDateline(text)) return { kind: 'posted', label: undefined, rest: text };
  const credit = CREDIT_LABEL.exec(text) ?? CREDIT_BY.exec(text);
  if (credit) return { kind: 'image-credit', credit: credit[1]!.trim() };
  const by = BY.exec(text);
  if (by && isNameShaped(by[1]!)) return { kind: 'byline', name: by[1]!.trim() };
  return undefined;
}

/** A short line that is only a date and a time ("January 29, 2026 2:11 PM PST"). */
function isDateline(text: string): boolean {
  return text.length <= 60 && text.split(/\s+/).length <= 10 && readPostedTime(text, { timezone: 'UTC' }) !== undefined;
}

function findStart(lines: string[], candidates: number[], isFenced: boolean[], title: string): Start {
  const wanted = titleKey(title);
  const head: number[] = [];
  let titleAt: number | undefined;
  for (const i of candidates) {
    if (!isFenced[i] && titleKey(lines[i]!) === wanted) {
      titleAt = i;
      break;
    }
    if (head.length === HEAD_LINES || isFenced[i] || lines[i]!.trim().length > SHORT_LINE) break;
    head.push(i);
  }
  const read = readHead(lines, head, titleAt !== undefined);
  const marks = new Map<number, RemovalRule>();
  if (titleAt !== undefined) {
    // The repeated title vouches for the short lines above it: each is furniture, a kicker when nothing else.
    for (const [k, i] of head.entries()) marks.set(i, read.kinds[k] ?? 'kicker');
    marks.set(titleAt, 'title-repeat');
    let start = titleAt + 1;
    // Some pages put the byline, the time or the credit under the title: only labelled lines, never a bare name.
    let pendingLabel: string | undefined;
    for (const i of candidates) {
      if (i <= titleAt) continue;
      if (isFenced[i]) break;
      const text = lines[i]!.trim();
      if (pendingLabel !== undefined) {
        if (!/\d/.test(text)) break;
        marks.set(i, 'posted');
        read.postedLines.push({ label: pendingLabel, text, index: i });
        pendingLabel = undefined;
        start = i + 1;
        continue;
      }
      const kind = readLine(text);
      if (!kind) break;
      marks.set(i, kind.kind);
      start = i + 1;
      if (kind.kind === 'posted') {
        if (kind.rest === '') pendingLabel = kind.label;
        else read.postedLines.push({ label: kind.label, text: kind.rest, index: i });
      } else if (kind.kind === 'image-credit') read.imageCredit ??= kind.credit;
      else read.byline ??= kind.name;
    }
    if (pendingLabel !== undefined) return { kind: 'none', hasFurnitureLines: true };
    return { kind: 'found', start, marks, byline: read.byline, postedLines: read.postedLines, imageCredit: read.imageCredit };
  }
  // No title: a posted or credit line at the top still shows where the page's head ends.
  const lastStrong = read.kinds.findLastIndex((kind) => kind === 'posted' || kind === 'image-credit');
  if (lastStrong < 0) return { kind: 'none', hasFurnitureLines: false };
  const last = read.kinds[lastStrong + 1] === 'byline' ? lastStrong + 1 : lastStrong;
  for (let k = 0; k <= last; k++) {
    const kind = read.kinds[k] ?? (isKicker(lines[head[k]!]!) ? 'kicker' : undefined);
    if (kind === undefined) return { kind: 'none', hasFurnitureLines: true };
    marks.set(head[k]!, kind);
  }
  const postedLines = read.postedLines.filter((posted) => posted.index <= head[last]!);
  return { kind: 'found', start: head[last]! + 1, marks, byline: read.byline, postedLines, imageCredit: read.imageCredit };
}

/** The head's lines, each read as posted, credit or byline where it is one (undefined otherwise). */
function readHead(lines: string[], head: number[], isTitleNext: boolean) {
  const kinds: Array<'posted' | 'image-credit' | 'byline' | undefined> = [];
  const postedLines: Array<{ label: string | undefined; text: string; index: number }> = [];
  let imageCredit: string | undefined;
  let byline: string | undefined;
  let pendingLabel: string | undefined;
  head.forEach((i, k) => {
    const text = lines[i]!.trim();
    if (pendingLabel !== undefined) {
      const label = pendingLabel;
      pendingLabel = undefined;
      if (/\d/.test(text)) {
        kinds[k] = 'posted';
        postedLines.push({ label, text, index: i });
        return;
      }
      // A bare "Updated" with no time under it was a kicker after all.
      kinds[k - 1] = undefined;
    }
    const kind = readLine(text);
    if (!kind) return;
    kinds[k] = kind.kind;
    if (kind.kind === 'posted') {
      if (kind.rest === '') pendingLabel = kind.label;
      else postedLines.push({ label: kind.label, text: kind.rest, index: i });
    } else if (kind.kind === 'image-credit') imageCredit ??= kind.credit;
    else byline ??= kind.name;
  });
  if (pendingLabel !== undefined) kinds[head.length - 1] = undefined;
  // A bare name is a byline only where bylines sit: just above the title, or under the credit or the time;
  // never the first line ("In Brief" is name-shaped: a kicker comes first).
  head.forEach((i, k) => {
    if (kinds[k] !== undefined || !isNameShaped(lines[i]!.trim())) return;
    const isAboveTitle = isTitleNext && k > 0 && k === head.length - 1;
    const isUnderCredit = k > 0 && (kinds[k - 1] === 'image-credit' || kinds[k - 1] === 'posted');
    if (isAboveTitle || isUnderCredit) {
      kinds[k] = 'byline';
      byline ??= lines[i]!.trim();
    }
  });
  return { kinds, postedLines, imageCredit, byline };
}

/** Where the article ends: a configured end marker, or a topics marker whose list shares a topic with the post. */
function findEnd(
  lines: string[],
  candidates: number[],
  isFenced: boolean[],
  start: number,
  topicKeys: Set<string>,
  rules: FurnitureRules,
): { line: number; rule: 'end-marker' | 'configured-end'; listLines: number[]; topics: string[] } | undefined {
  let hasArticle = false;
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c]!;
    if (i < start) continue;
    if (isFenced[i]) {
      hasArticle = true;
      continue;
    }
    const text = lines[i]!.trim();
    // An end needs an article above it: a marker on the first line ends nothing.
    if (hasArticle && matchesAny(text, rules.endMarkers)) return { line: i, rule: 'configured-end', listLines: [], topics: [] };
    const marker = hasArticle ? TOPICS_MARKER.exec(text) : null;
    if (marker) {
      const listLines: number[] = [];
      if (marker[2] === '') {
        for (let j = candidates[c + 1]; j !== undefined && j < lines.length && lines[j]!.trim() !== '' && !isFenced[j]; j++) listLines.push(j);
      }
      const topics = topicItems(marker[2] === '' ? listLines.map((j) => lines[j]!) : [marker[2]!]);
      if (topics.some((topic) => topicKeys.has(topicKey(topic)))) return { line: i, rule: 'end-marker', listLines, topics };
    }
    hasArticle = true;
  }
  return undefined;
}

/** The items of a topics list: comma, semicolon, bullet or pipe separated, or one per line, links unwrapped. */
function topicItems(listLines: string[]): string[] {
  return listLines
    .flatMap((line) => line.replace(LIST_ITEM, '').split(/[,;·•|]/))
    .map((item) =>
      item
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/[*_]/g, '')
        .trim(),
    )
    .filter((item) => item !== '' && item.length <= 60);
}

/**
 * Drop a last paragraph the source cut off: prose of at least TRUNCATED_WORDS words, with a sentence end
 * inside it but none at its end ("…and explore 300+ s"). With no end marker, an event advert's header
 * just above it ("March 3-5" / "Austin, TX") goes too.
 */
function dropTruncatedTail(lines: string[], isFenced: boolean[], rule: (RemovalRule | undefined)[], start: number, end: number, isOpenEnded: boolean) {
  const last = lastBlock(lines, isFenced, rule, start, end);
  if (!last) return;
  const text = last.map((i) => lines[i]!.trim()).join(' ');
  const words = text.split(/\s+/);
  const lastWord = words[words.length - 1]!;
  const isCut =
    !LIST_ITEM.test(lines[last[0]!]!) &&
    !/^(#|>|\|)/.test(text) &&
    words.length >= TRUNCATED_WORDS &&
    /[\p{L}\p{N}]$/u.test(text) &&
    !/[/.@]/.test(lastWord) &&
    /[.!?…。！？]["'”’»)]*\s/u.test(text);
  if (!isCut) return;
  for (const i of last) rule[i] = 'truncated-paragraph';
  if (!isOpenEnded) return;
  const before = lastBlock(lines, isFenced, rule, start, last[0]!);
  if (before && before.length <= 3 && before.every((i) => isEventHeaderLine(lines[i]!.trim())) && before.some((i) => hasDateRange(lines[i]!))) {
    for (const i of before) rule[i] = 'advert';
  }
}

/** The last block of kept, non-blank lines in [start, end), unless it is (or ends) a code block. */
function lastBlock(lines: string[], isFenced: boolean[], rule: (RemovalRule | undefined)[], start: number, end: number): number[] | undefined {
  let i = end - 1;
  while (i >= start && (lines[i]!.trim() === '' || rule[i] !== undefined)) i--;
  if (i < start || isFenced[i]) return undefined;
  const block: number[] = [];
  for (; i >= start && lines[i]!.trim() !== '' && rule[i] === undefined && !isFenced[i]; i--) block.unshift(i);
  return block;
}

function isEventHeaderLine(text: string): boolean {
  return text.length <= 60 && !SENTENCE_END.test(text);
}

/** "October 13-15", "13–15 octobre": a month name next to a day range. */
function hasDateRange(text: string): boolean {
  return /\d{1,2}\s*[-–]\s*\d{1,2}/.test(text) && text.split(/[^\p{L}]+/u).some((word) => monthOfWord(word) !== undefined);
}

/**
 * The article of a body cut by findArticle, from the span it returned: the same text findArticle gave,
 * for the same body. A body with fewer lines than the span (never the case for the same bytes) is
 * returned whole.
 */
export function articleOf(body: string, span: ArticleSpan): string {
  const lines = body.split('\n');
  if (lines.length < span.end) return body;
  return joinKept(lines, fencedLines(lines), span);
}

function joinKept(lines: string[], isFenced: boolean[], { start, end, gaps }: ArticleSpan): string {
  const gap = new Set(gaps);
  const out: string[] = [];
  for (let i = start; i < end; i++) {
    if (gap.has(i)) continue;
    const line = lines[i]!;
    // A removal leaves two blank lines touching: one is enough (inside a code block, every line is kept).
    if (line.trim() === '' && !isFenced[i] && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1]!.trim() === '' && !isFenced[end - 1]) out.pop();
  return out.join('\n');
}

function factsOf(
  head: Extract<Start, { kind: 'found' }>,
  end: { topics: string[] } | undefined,
  post: ArticlePost,
  options: { timezone: string; rules?: FurnitureRules },
): FurnitureFacts {
  const read = head.postedLines.map((posted): PostedLine => {
    const time = readPostedTime(posted.text, { timezone: options.timezone, zones: options.rules?.zones });
    return {
      label: posted.label,
      text: posted.text,
      line: posted.index + 1,
      time: time && { ...time, dayAgreement: dayAgreement(time.instant, time.zone, post.date, options.timezone) },
    };
  });
  const isUpdate = (posted: PostedLine) => posted.label !== undefined && UPDATE_LABEL.test(posted.label);
  return {
    byline: head.byline,
    posted: read.find((posted) => !isUpdate(posted)),
    updated: read.find(isUpdate),
    imageCredit: head.imageCredit,
    topics: end && end.topics.length > 0 ? end.topics : undefined,
  };
}

function kept(body: string, code: KeptReason['code'], message: string): ArticleCut {
  return { kind: 'kept', article: body, reason: { code, message }, removed: [], facts: NO_FACTS };
}

/** For each line: is it a fence line or inside a fenced code block? (The same fences as clean.ts.) */
function fencedLines(lines: string[]): boolean[] {
  let fence: string | undefined;
  return lines.map((line) => {
    const opener = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (opener && opener[0] === fence[0] && opener.length >= fence.length && line.trim() === opener) fence = undefined;
      return true;
    }
    if (opener) fence = opener;
    return opener !== undefined;
  });
}

function matchesAny(text: string, patterns: readonly RegExp[]): boolean {
  // search() ignores lastIndex, so a pattern compiled with /g stays stateless.
  const trimmed = text.trim();
  return patterns.some((pattern) => trimmed.search(pattern) >= 0);
}

/** A title as compared: heading marks, emphasis and case dropped, quotes and spaces made one kind. */
function titleKey(text: string): string {
  return text
    .normalize('NFKC')
    .trim()
    .replace(/^#{1,6}\s+/, '')
    .replace(/[*_`]/g, '')
    .replace(/&amp;/g, '&')
    .replace(/[‘’]/g, "'")
    .replace(/[“”«»]/g, '"')
    .toLocaleLowerCase('en')
    .replace(/\s+/gu, ' ')
    .replace(/[\s.:]+$/u, '');
}

function topicKey(topic: string): string {
  return topic
    .normalize('NFKC')
    .toLocaleLowerCase('en')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Two to eight words, each a capitalised name part, a particle (van, de) or a joiner (and, &); or a short name in an uncased script. */
function isNameShaped(text: string): boolean {
  if (UNCASED_NAME.test(text)) return true;
  if (text.length > 60 || /[\d@:/|()]/.test(text) || SENTENCE_END.test(text)) return false;
  const words = text.split(/\s+/).map((word) => word.replace(/,$/, ''));
  if (words.length < 2 || words.length > 8) return false;
  let capitalised = 0;
  for (const word of words) {
    if (NAME_JOINERS.has(word) || NAME_PARTICLES.has(word)) continue;
    if (!/^\p{Lu}[\p{L}\p{M}'’.-]*$/u.test(word)) return false;
    capitalised++;
  }
  return capitalised >= 2;
}

function isKicker(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.split(/\s+/).length <= KICKER_WORDS && !SENTENCE_END.test(trimmed);
}
