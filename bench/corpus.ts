// Deterministic benchmark corpora in the seed's format: 2–6 KB bodies with links, images and
// scraped-whitespace noise, 8 categories, 40 tags, two years of dates. Written outside tracked files.
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const CATEGORIES = ['Finance', 'Science', 'Open Source', 'Culture', 'AI', 'Security', 'Climate', 'Health'];
const TAGS = Array.from({ length: 40 }, (_, i) => `tag-${['alpha', 'beta', 'gamma', 'delta', 'epsilon'][i % 5]}-${i}`);
const WORDS =
  'the of and to in a is that for on with as by at from this be are was it an or have has not but which their more can new will one its also been other after into over when about there than some'.split(
    ' ',
  );

/** Mulberry32: a tiny seeded PRNG, so every run generates the same corpus. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const s = out.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

const FIRST_NAMES = ['Dana', 'Lucas', 'Ines', 'Marek', 'Lena', 'Omar', 'Priya', 'Tomás', 'Aiko'];
const LAST_NAMES = ['Whitcombe', 'Ropek', 'Okafor', 'Novak', 'Ortiz', 'Haddad', 'Raman', 'Silva', 'Tanaka', 'Berg', 'Moreau'];

/** Bumped when postText changes: a corpus written by an older version is written again. */
const CORPUS_VERSION = 2;

export function postText(i: number): string {
  const rand = prng(i + 1);
  const date = new Date(Date.UTC(2024, 11, 1) + Math.floor(rand() * 730) * 86_400_000 + Math.floor(rand() * 86_400) * 1000);
  const category = CATEGORIES[i % CATEGORIES.length]!;
  const tags = [TAGS[Math.floor(rand() * 40)]!, TAGS[Math.floor(rand() * 40)]!, TAGS[Math.floor(rand() * 40)]!];
  const target = 2000 + Math.floor(rand() * 4000);
  const title = `Post ${i}: ${sentence(rand, 6).slice(0, -1)}`;
  // The page around the article, as the seed's scraper leaves it (issue 16): kicker, posted time, credit, byline, the title again.
  const posted = `${1 + Math.floor(rand() * 12)}:${String(Math.floor(rand() * 60)).padStart(2, '0')} PM UTC · ${date.toLocaleDateString('en-US', { timeZone: 'UTC', month: 'long', day: 'numeric', year: 'numeric' })}`;
  const parts: string[] = [
    'In Brief',
    '\n\n\n',
    'Posted:',
    '\n\n\n',
    posted,
    '\n\n\n\n',
    `Image Credits:Photo Desk ${i % 13}`,
    '\n\n\t\n\t\t\n',
    `\t\t\t\t\t${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[i % LAST_NAMES.length]}`,
    '\n\n\n',
    title,
    '\n\n\n',
  ];
  let size = 0;
  while (size < target) {
    const kind = rand();
    let block: string;
    if (kind < 0.1) block = `![figure ${i}](images/figure-${Math.floor(rand() * 9)}.jpg)`;
    else if (kind < 0.2) block = `\t\t${sentence(rand, 8)}\n\t\n\t\t\t`;
    else if (kind < 0.3) block = `## ${sentence(rand, 4)}`;
    else
      block = `${sentence(rand, 14)} See [the source](https://example.org/${i}/${Math.floor(rand() * 1000)}) for ${sentence(rand, 10)} ${sentence(rand, 12)}`;
    parts.push(block, rand() < 0.3 ? '\n\n\n\n' : '\n\n');
    size += block.length + 2;
  }
  parts.push('\tTopics\n\t\n\t\t', tags.join(', '), '\t\n');
  return [
    '---',
    `title: ${JSON.stringify(title)}`,
    `date: '${date.toISOString().slice(0, 10)}'`,
    'excerpt: >-',
    `  In Brief Posted: ${sentence(rand, 10)} inve...`,
    'coverImage: >-',
    `  https://images.example.com/photo-${i}?w=400&h=200&fit=crop&auto=format`,
    `author: Author ${i % 97}`,
    'tags:',
    ...tags.map((t) => `  - ${t}`),
    `category: ${category}`,
    'source: >-',
    `  https://news.example.org/${date.getUTCFullYear()}/post-${i}/`,
    '---',
    parts.join(''),
  ].join('\n');
}

/** Write the corpus of `count` posts under `root` (once; reused when already complete). */
export function ensureCorpus(root: string, count: number): string {
  const dir = path.join(root, `v${CORPUS_VERSION}`, String(count));
  if (existsSync(dir) && readdirSync(dir).length === Math.ceil(count / 1000)) return dir;
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `batch-${String(Math.floor(i / 1000)).padStart(3, '0')}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `post-${String(i).padStart(6, '0')}.md`), postText(i));
  }
  return dir;
}
