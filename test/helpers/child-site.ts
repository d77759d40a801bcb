// Files for a site that a spawned `broadsheet` process runs on: recent posts (the child uses the real
// clock) and a config pointing at the repository's templates.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePostFile } from './post-files.js';

const TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));
export const DAY = 86_400_000;

export interface ChildPost {
  file: string;
  title: string;
  /** How many days before now it was published. */
  daysAgo: number;
  category: string;
}

export const RECENT_POSTS: readonly ChildPost[] = [
  { file: 'harbour.md', title: 'Harbour cranes return', daysAgo: 2, category: 'News' },
  { file: 'comet.md', title: 'A comet brightens over the bay', daysAgo: 1, category: 'Science' },
  { file: 'zines.md', title: 'Zines at the library', daysAgo: 1.5, category: 'Culture' },
];

export async function writeChildSite(
  root: string,
  options: { posts: readonly ChildPost[]; maxConnections: number; config?: Record<string, unknown> },
): Promise<{ content: string; data: string; out: string; configFile: string }> {
  const content = path.join(root, 'content');
  const data = path.join(root, 'data');
  const out = path.join(root, 'public');
  const configFile = path.join(root, 'broadsheet.config.json');
  await mkdir(content, { recursive: true });
  for (const p of options.posts) {
    await writePostFile(content, { ...p, date: new Date(Date.now() - p.daysAgo * DAY).toISOString() });
  }
  await writeFile(
    configFile,
    JSON.stringify({
      site: { title: 'The Test Times', url: 'https://news.example.com/', timezone: 'UTC' },
      email: { from: { name: 'The Desk', address: 'digest@news.example.com' } },
      paths: { templates: TEMPLATES },
      delivery: { maxConnections: options.maxConnections, retry: { attempts: 3, delayMs: 10 } },
      ...options.config,
    }),
  );
  return { content, data, out, configFile };
}
