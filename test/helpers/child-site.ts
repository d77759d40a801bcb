// Files for a site that a spawned `broadsheet` process runs on: recent posts (the child uses the real
// clock) and a config pointing at the repository's templates.
import { TEMPLATES, tempSite, type TempSite } from './site.js';

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

/** A temporary site for one test (removed when it finishes) with these posts and a config file. */
export function tempChildSite(
  name: string,
  options: { posts: readonly ChildPost[]; maxConnections: number; config?: Record<string, unknown> },
): Promise<TempSite> {
  return tempSite(name, {
    posts: options.posts.map((p) => ({ file: p.file, title: p.title, category: p.category, date: new Date(Date.now() - p.daysAgo * DAY).toISOString() })),
    config: {
      site: { title: 'The Test Times', url: 'https://news.example.com/', timezone: 'UTC' },
      email: { from: { name: 'The Desk', address: 'digest@news.example.com' } },
      paths: { templates: TEMPLATES },
      delivery: { maxConnections: options.maxConnections, retry: { attempts: 3, delayMs: 10 } },
      ...options.config,
    },
  });
}
