// The straightforward build, written as a new user would: read every post, gray-matter, markdown-it,
// and `feed` for the site and each category (three formats), everything, every time. The reference
// Broadsheet's builds are measured against. Plain JavaScript, so that run as its own process
// (`node bench/straightforward.mjs CORPUS OUT`) it pays what such a script pays and nothing more.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import matter from 'gray-matter';
import MarkdownIt from 'markdown-it';
import { Feed } from 'feed';

export const LIMIT = 20;

export function postFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(dir, f));
}

export function straightforward(corpus, out) {
  const md = new MarkdownIt();
  const posts = postFiles(corpus).map((file) => {
    const { data, content } = matter(readFileSync(file, 'utf8'));
    return { data, html: md.render(content), slug: path.basename(file, '.md') };
  });
  posts.sort((a, b) => String(b.data.date).localeCompare(String(a.data.date)));
  const groups = new Map([['', posts]]);
  for (const p of posts) {
    const key = `categories/${String(p.data.category).toLowerCase().replace(/\s+/g, '-')}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const [dir, group] of groups) {
    const feed = new Feed({
      title: 'Bench',
      id: 'https://bench.example.com/',
      link: 'https://bench.example.com/',
      copyright: 'none',
      updated: new Date(String(group[0].data.date)),
    });
    for (const p of group.slice(0, LIMIT)) {
      feed.addItem({
        title: String(p.data.title),
        link: `https://bench.example.com/posts/${p.slug}/`,
        date: new Date(String(p.data.date)),
        description: String(p.data.excerpt ?? ''),
        content: p.html,
      });
    }
    const target = path.join(out, dir);
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'feed.xml'), feed.rss2());
    writeFileSync(path.join(target, 'atom.xml'), feed.atom1());
    writeFileSync(path.join(target, 'feed.json'), feed.json1());
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [corpus, out] = process.argv.slice(2);
  straightforward(corpus, out);
}
