// Small posts written as files for tests: title, date, category, and a one-line body.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PostFile {
  file: string;
  title: string;
  /** An ISO date or date-time. */
  date: string;
  category: string;
}

export const postSource = (p: PostFile) => `---\ntitle: ${p.title}\ndate: ${p.date}\ncategory: ${p.category}\n---\n${p.title}, in a few words.\n`;

export const writePostFile = (dir: string, p: PostFile) => writeFile(path.join(dir, p.file), postSource(p));
