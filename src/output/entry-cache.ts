// Rendered feed entries from earlier builds (Markdown → sanitized HTML is the costly part of a feed),
// keyed by the post file's content hash and everything else the entry depends on. I/O.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { FeedEntry } from '../feeds/model.js';
import { makeFolderSync } from './mkdir.js';

const FORMAT = 1;

type Stored = Omit<FeedEntry, 'published' | 'updated'> & { published: string; updated: string };

export class EntryCache {
  private readonly previous: Map<string, Stored>;
  private readonly used = new Map<string, Stored>();
  /** Entries rendered this build (cache misses). */
  rendered = 0;

  constructor(private readonly file: string) {
    this.previous = new Map();
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { format: number; entries: Record<string, Stored> };
      if (data?.format === FORMAT && data.entries && typeof data.entries === 'object') {
        for (const [key, value] of Object.entries(data.entries)) this.previous.set(key, value);
      }
    } catch {
      // missing or corrupt: every entry is rendered again
    }
  }

  has(key: string): boolean {
    return this.used.has(key) || this.previous.has(key);
  }

  get(key: string, render: () => FeedEntry): FeedEntry {
    const hit = this.used.get(key) ?? this.previous.get(key);
    if (hit) {
      this.used.set(key, hit);
      return { ...hit, published: new Date(hit.published), updated: new Date(hit.updated) };
    }
    this.rendered++;
    const entry = render();
    this.used.set(key, { ...entry, published: entry.published.toISOString(), updated: entry.updated.toISOString() });
    return entry;
  }

  /** Keep only what this build used, so the cache never grows past the feeds' size. */
  async save(): Promise<void> {
    if (this.rendered === 0 && this.used.size === this.previous.size) return;
    makeFolderSync(path.dirname(this.file));
    await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(this.used) }), { fsync: false });
  }
}
