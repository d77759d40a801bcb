// findArticle on scraped bodies: the repo's sample post, fixtures in the seed's style (test/fixtures/furniture/),
// and a seeded random walk of articles wrapped in random furniture.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyOfSource, parseFrontMatter } from '../../src/content/front-matter.js';
import { type ArticleCut, type ArticlePost, type FurnitureRules, findArticle } from '../../src/content/furniture.js';
import { REPO } from '../helpers/site.js';
import { prng } from '../helpers/prng.js';

const SAMPLE = path.join(REPO, 'content', '2026-11-23-regional-lenders-pause-bnpl-partnerships.md');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'furniture');

/** A post file's text → its head's fields and cleaned body, as the build reads them. */
function readSource(source: string, timezone = 'UTC'): { post: ArticlePost; body: string } {
  const result = parseFrontMatter('post.md', source, { timezone });
  if (!result.ok) throw new Error(result.errors.map(String).join('\n'));
  return { post: result.fields, body: bodyOfSource(source) };
}

function cutFile(file: string, options: { timezone?: string; rules?: FurnitureRules } = {}): ArticleCut {
  const timezone = options.timezone ?? 'UTC';
  const { post, body } = readSource(readFileSync(file, 'utf8'), timezone);
  return findArticle(body, post, { timezone, rules: options.rules });
}

const fixture = (name: string) => path.join(FIXTURES, name);
const rulesOf = (cut: ArticleCut) => cut.removed.map((removal) => removal.rule);

describe('findArticle on the sample post', () => {
  const cut = cutFile(SAMPLE);

  it('keeps exactly the four article paragraphs', () => {
    expect(cut.kind).toBe('cut');
    const paragraphs = cut.article.split('\n\n');
    expect(paragraphs).toHaveLength(4);
    expect(paragraphs[0]).toMatch(/^Three regional banks have quietly paused/);
    expect(paragraphs[1]).toMatch(/^The pauses do not affect existing customers/);
    expect(paragraphs[2]).toMatch(/^Buy-now-pay-later volumes have roughly doubled/);
    expect(paragraphs[3]).toMatch(/^Industry analysts said.*reached out to all three banks for comment\.$/);
  });

  it('names every removed line with its line number, text and rule', () => {
    expect(cut.removed).toEqual([
      { line: 1, text: 'In Brief', rule: 'kicker' },
      { line: 3, text: 'Posted:', rule: 'posted' },
      { line: 5, text: '7:42 AM EST · November 23, 2026', rule: 'posted' },
      { line: 7, text: 'Image Credits:Harbor Desk / Example Wire', rule: 'image-credit' },
      { line: 9, text: 'Dana Whitcombe', rule: 'byline' },
      { line: 11, text: 'Regional lenders pause buy-now-pay-later partnerships', rule: 'title-repeat' },
      { line: 21, text: 'Topics', rule: 'end-marker' },
      { line: 23, text: 'Banking, BNPL, Fintech, In Brief, Lending, Regional Banks', rule: 'topics-list' },
      { line: 25, text: 'March 3-5', rule: 'after-end' },
      { line: 26, text: 'Austin, TX', rule: 'after-end' },
      { line: 28, text: expect.stringMatching(/^Early-bird passes .* explore 120\+ s$/), rule: 'after-end' },
    ]);
  });

  it('reads the writer, the posted instant, the image credit and the topics', () => {
    expect(cut.facts).toEqual({
      byline: 'Dana Whitcombe',
      posted: {
        label: 'Posted',
        text: '7:42 AM EST · November 23, 2026',
        line: 5,
        time: { instant: new Date('2026-11-23T12:42:00Z'), zone: 'UTC-5', hasWrittenZone: true, writtenZone: 'EST', dayAgreement: 'same-day' },
      },
      updated: undefined,
      imageCredit: 'Harbor Desk / Example Wire',
      topics: ['Banking', 'BNPL', 'Fintech', 'In Brief', 'Lending', 'Regional Banks'],
    });
  });

  it('cleans the same furniture when it arrives with CRLF line ends, tabs and blank runs', () => {
    const raw = readFileSync(SAMPLE, 'utf8')
      .replace(/\n(Posted:|Image Credits:|Topics)/g, '\n\t\t$1\t')
      .replace(/\n/g, '\r\n');
    const { post, body } = readSource(raw);
    const fromCrlf = findArticle(body, post, { timezone: 'UTC' });
    expect(fromCrlf.article).toBe(cut.article);
    expect(fromCrlf.facts).toEqual(cut.facts);
  });
});

describe('findArticle on variations', () => {
  it('takes another kicker, an inline Published time in CET, a Photo credit, Tags, and a newsletter advert', () => {
    const cut = cutFile(fixture('another-kicker.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article.split('\n\n')).toHaveLength(3);
    expect(cut.article).toMatch(/^The port authority has approved/);
    expect(cut.article).toMatch(/end of the year\.$/);
    expect(rulesOf(cut)).toEqual(['kicker', 'posted', 'image-credit', 'byline', 'title-repeat', 'end-marker', 'topics-list', 'after-end', 'after-end']);
    expect(cut.facts.byline).toBe('Marek Novak');
    expect(cut.facts.posted?.label).toBe('Published');
    expect(cut.facts.posted?.time?.instant).toEqual(new Date('2026-03-12T08:05:00Z'));
    expect(cut.facts.imageCredit).toBe('Lena Ortiz / Example Images');
    expect(cut.facts.topics).toEqual(['Logistics', 'Ports', 'Shipping', 'Trucking']);
  });

  it('works without an image credit, and says when the posted day is the source’s day but not the site’s', () => {
    const cut = cutFile(fixture('no-image-credit.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article.split('\n\n')).toHaveLength(3);
    expect(cut.facts.imageCredit).toBeUndefined();
    expect(cut.facts.byline).toBe('Ana Lucía Ferreira');
    // 6:15 PM PDT on June 4 is June 5 in UTC.
    expect(cut.facts.posted?.time).toMatchObject({ instant: new Date('2026-06-05T01:15:00Z'), dayAgreement: 'same-day-in-written-zone' });
    expect(cutFile(fixture('no-image-credit.md'), { timezone: 'America/Los_Angeles' }).facts.posted?.time?.dayAgreement).toBe('same-day');
  });

  it('works without a byline: the kicker is not taken for a name', () => {
    const cut = cutFile(fixture('no-byline.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.facts.byline).toBeUndefined();
    expect(rulesOf(cut).slice(0, 5)).toEqual(['kicker', 'posted', 'posted', 'image-credit', 'title-repeat']);
    expect(cut.article).toMatch(/^The survey telescope's first public images/);
  });

  it('starts after the posted and credit lines (and the name under them) when the title is not repeated', () => {
    const cut = cutFile(fixture('title-not-repeated.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article).toMatch(/^A regional grocery chain has started testing/);
    expect(cut.article.split('\n\n')).toHaveLength(3);
    expect(cut.facts.byline).toBe('Oliver Grant');
    expect(cut.facts.posted?.time?.instant).toEqual(new Date('2026-04-20T13:48:00Z'));
  });

  it('keeps the body as it is, with a reason, when nothing shows where the article starts', () => {
    const { post, body } = readSource(readFileSync(fixture('no-start-evidence.md'), 'utf8'));
    const cut = findArticle(body, post, { timezone: 'UTC' });
    expect(cut).toMatchObject({ kind: 'kept', article: body, removed: [], reason: { code: 'no-start' } });
    expect(cut.kind === 'kept' && cut.reason.message).toMatch(/title is not repeated/);
  });

  it('says there is no furniture (nothing to warn about) for a hand-written post', () => {
    const body = 'A plain post, written here.\n\nIt has two paragraphs and nothing around them.';
    const cut = findArticle(
      body,
      { title: 'Plain', tags: ['notes'], category: { name: 'Notes' }, date: new Date('2026-01-01T00:00:00Z') },
      { timezone: 'UTC' },
    );
    expect(cut).toMatchObject({ kind: 'kept', article: body, reason: { code: 'no-furniture' } });
  });

  it('drops an event advert and a truncated last paragraph when there is no topics block', () => {
    const cut = cutFile(fixture('no-topics.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article.split('\n\n')).toHaveLength(2);
    expect(cut.article).toMatch(/day-care centres\.$/);
    expect(rulesOf(cut).slice(-3)).toEqual(['advert', 'advert', 'truncated-paragraph']);
    expect(cut.facts.topics).toBeUndefined();
  });

  it('keeps a fenced code block (furniture-like lines and blank lines inside it too) and a list', () => {
    const cut = cutFile(fixture('code-and-list.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article).toContain('```yaml\nrelease:\n  sign: true\n\n\n  provenance: true\nTopics\n\tOpen Source, Security\n```');
    expect(cut.article).toContain(
      '- stolen maintainer tokens were behind most malicious releases last year\n- signatures let installers check where a package was built\n- the tooling is now free for open source projects',
    );
    expect(cut.article).toMatch(/takes effect\.$/);
    expect(cut.facts.topics).toEqual(['Open Source', 'Registries', 'Security', 'Supply Chain']);
  });

  it('cleans a German article: its labels, a dotted date in MEZ, and a Themen list', () => {
    const cut = cutFile(fixture('non-english.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article.split('\n\n')).toHaveLength(2);
    expect(cut.article).toMatch(/^Mehrere Sparkassen wollen/);
    expect(cut.article).toMatch(/erprobt werden\.$/);
    expect(cut.facts).toMatchObject({
      byline: 'Jana Köhler',
      imageCredit: 'Bildagentur Nord / Beispielbild',
      posted: { label: 'Veröffentlicht', time: { instant: new Date('2026-02-17T07:30:00Z'), zone: 'UTC+1' } },
      topics: ['Banken', 'Filialen', 'Ländlicher Raum', 'Sparkassen'],
    });
  });

  it('drops a last paragraph the source cut off mid-word', () => {
    const cut = cutFile(fixture('truncated-last-paragraph.md'));
    expect(cut.kind).toBe('cut');
    expect(cut.article).toMatch(/^A regional airline will fly directly.*most of a day\.$/);
    expect(rulesOf(cut).at(-1)).toBe('truncated-paragraph');
  });

  it('keeps a short last line without a sentence end, and a paragraph that ends in a link', () => {
    const post = { title: 'Short', tags: ['x'], category: { name: 'X' }, date: new Date('2026-01-01T00:00:00Z') };
    const prose = 'The first paragraph is long enough to be the article and ends like a sentence should end.';
    const signOff = `Short\n\n${prose}\n\nMore to come`;
    expect(findArticle(signOff, post, { timezone: 'UTC' }).article).toBe(`${prose}\n\nMore to come`);
    const link = `Short\n\n${prose}\n\nRead the whole report, with its tables and the method behind them, at https://example.com/report`;
    expect(findArticle(link, post, { timezone: 'UTC' }).article).toContain('https://example.com/report');
  });

  it('drops configured lines anywhere and ends at a configured end marker', () => {
    const rules = { dropLines: [/^Advertisement$/i, /^Listen to this article/g], endMarkers: [/^Read next$/i] };
    const cut = cutFile(fixture('configured.md'), { rules });
    expect(cut.kind).toBe('cut');
    expect(cut.article.split('\n\n')).toHaveLength(2);
    expect(cut.article).not.toContain('Advertisement');
    expect(cut.removed.filter((removal) => removal.rule.startsWith('configured'))).toEqual([
      { line: 3, text: 'Listen to this article · 3 min', rule: 'configured-line' },
      { line: 17, text: 'Advertisement', rule: 'configured-line' },
      { line: 21, text: 'Read next', rule: 'configured-end' },
    ]);
    expect(rulesOf(cut).slice(-2)).toEqual(['after-end', 'after-end']);
    // A /g pattern is used again and again: it must not carry state from one line to the next.
    expect(cutFile(fixture('configured.md'), { rules }).removed).toEqual(cut.removed);
  });

  it('keeps the body as it is when the rules would remove most of what is below the head', () => {
    const { post, body } = readSource(readFileSync(fixture('mostly-furniture.md'), 'utf8'));
    const cut = findArticle(body, post, { timezone: 'UTC' });
    expect(cut).toMatchObject({ kind: 'kept', article: body, removed: [], reason: { code: 'most-removed' } });
    expect(cut.kind === 'kept' && cut.reason.message).toMatch(/would remove \d+ of \d+ characters \(more than 60%\)/);
  });

  it('does not end the article at a topics block whose list shares nothing with the post', () => {
    const body = readSource(readFileSync(SAMPLE, 'utf8')).body;
    const post = {
      title: 'Regional lenders pause buy-now-pay-later partnerships',
      tags: ['Gardening'],
      category: { name: 'Homes' },
      date: new Date('2026-11-23T00:00:00Z'),
    };
    const cut = findArticle(body, post, { timezone: 'UTC' });
    expect(cut.article).toContain('Topics');
    expect(cut.facts.topics).toBeUndefined();
  });

  it('reads an Updated line apart from the Posted one', () => {
    const body = [
      'Markets',
      'Posted: 2:11 PM PST · January 29, 2026',
      'Updated: 4:30 PM PST · January 29, 2026',
      'Priya Raman',
      'Bond yields climb',
      'Bond yields rose for a third day as traders priced in fewer rate cuts this year. The move was sharpest in longer maturities.',
    ].join('\n\n');
    const cut = findArticle(
      body,
      { title: 'Bond yields climb', tags: [], category: { name: 'Markets' }, date: new Date('2026-01-29T00:00:00Z') },
      { timezone: 'UTC' },
    );
    expect(cut.facts.posted?.time?.instant).toEqual(new Date('2026-01-29T22:11:00Z'));
    expect(cut.facts.updated).toMatchObject({ label: 'Updated', time: { instant: new Date('2026-01-30T00:30:00Z') } });
    expect(cut.facts.byline).toBe('Priya Raman');
  });
});

const WORDS =
  'the a council bank river report said would new market after three year city plan price water school data team week month people group company board local national road train energy food health build open close rise fall early late'.split(
    ' ',
  );
const NAMES = ['Dana Whitcombe', 'Marek Novak', 'Ana Lucía Ferreira', 'Kenji Watanabe', "Siobhan O'Neill", 'Jean-Luc Martin'];
const KICKERS = ['In Brief', 'Analysis', 'Markets', 'Exclusive', 'Kurz notiert'];
const TAGS = ['Banking', 'Energy', 'Transport', 'Health', 'Schools'];
const POSTED = [
  { written: 'Posted:\n\n\n2:11 PM PST · January 29, 2026', instant: '2026-01-29T22:11:00.000Z' },
  { written: 'Published: 29 January 2026 14:11 CET', instant: '2026-01-29T13:11:00.000Z' },
  { written: 'Posted: 2026-01-29T14:11:00-08:00', instant: '2026-01-29T22:11:00.000Z' },
  { written: '\tPosted:\t\n\t\t9:05 AM EST · January 29, 2026', instant: '2026-01-29T14:05:00.000Z' },
];

describe('findArticle on random articles in random furniture', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('never drops a block of the article, and removes the furniture it has evidence for (seed %i)', (seed) => {
    const rand = prng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const chance = (p: number) => rand() < p;
    const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
    const sentence = () => {
      const text = words(6 + Math.floor(rand() * 12));
      return `${text[0]!.toUpperCase()}${text.slice(1)}${pick(['.', '.', '?', '!'])}`;
    };
    const paragraph = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, sentence).join(' ');
    const blank = () => '\n'.repeat(2 + Math.floor(rand() * 3)) + (chance(0.5) ? '\t\n\t\t\n' : '');

    for (let round = 0; round < 25; round++) {
      const title = `${pick(['Council', 'Bank', 'River', 'School'])} ${words(3 + Math.floor(rand() * 4))}`;
      const tags = [pick(TAGS), pick(TAGS)];
      const article: string[] = [paragraph(), paragraph()];
      for (let extra = 2 + Math.floor(rand() * 3); extra > 0; extra--) {
        const kind = rand();
        if (kind < 0.15) article.push(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => `- ${words(4)}`).join('\n'));
        else if (kind < 0.3) article.push(`\`\`\`\nconst ${pick(WORDS)} = 1;\n\nTopics\nPosted: 2:11 PM PST · January 29, 2026\n\`\`\``);
        else article.push(paragraph());
      }
      article.push(paragraph());

      const kicker = chance(0.7) ? pick(KICKERS) : undefined;
      const posted = chance(0.7) ? pick(POSTED) : undefined;
      const credit = chance(0.6) ? `${pick(['Image Credits:', 'Photo: ', 'Credit: '])}${pick(NAMES)} / Example Wire` : undefined;
      const byline = chance(0.6) ? pick(NAMES) : undefined;
      const hasTitle = chance(0.8);
      const topics = chance(0.6) ? [pick(TAGS), tags[0]!, 'Local News'] : undefined;
      const advert = chance(0.6)
        ? `\t\t${pick(['March', 'October'])} 13-15\n\t\t${pick(['Austin, TX', 'Leeds, UK'])}\n\t\n\tTickets are live. Save up to $500 on your pass. Meet ${words(8)} and explore 300+ s`
        : undefined;

      const head = [kicker, posted?.written, credit, byline, hasTitle ? title : undefined].filter((line) => line !== undefined);
      const tail = [topics && `\tTopics\n\t\n\t\t${topics.join(', ')}\t`, advert].filter((block) => block !== undefined);
      const raw = [...head, ...article, ...tail].join(blank());
      const source = `---\ntitle: ${title}\ndate: '2026-01-29'\ntags: [${tags.join(', ')}]\ncategory: Local\n---\n${chance(0.3) ? raw.replace(/\n/g, '\r\n') : raw}`;
      const { post, body } = readSource(source);
      const cut = findArticle(body, post, { timezone: 'UTC' });

      for (const block of article) expect(cut.article).toContain(block);
      const hasStartEvidence = hasTitle || posted !== undefined || credit !== undefined;
      if (!hasStartEvidence) continue;
      expect(cut.kind, raw).toBe('cut');
      expect(cut.article, raw).toBe(article.join('\n\n'));
      expect(cut.facts.posted?.time?.instant.toISOString()).toBe(posted?.instant);
      expect(cut.facts.imageCredit).toBe(credit?.replace(/^[^:]+:\s*/, ''));
      expect(cut.facts.topics).toEqual(topics);
      // A bare name is a byline under other furniture; alone above the title it is taken for a kicker.
      const hasFurnitureAbove = kicker !== undefined || posted !== undefined || credit !== undefined;
      expect(cut.facts.byline).toBe(hasFurnitureAbove ? byline : undefined);
    }
  });
});
