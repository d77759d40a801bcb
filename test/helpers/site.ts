// A temporary site: a folder with content/ (a copy of a content folder, post files, or both), the data/
// and public/ folders a build would use, and optionally a broadsheet.config.json.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Config } from '../../src/config.js';
import { writePostFile, type PostFile } from './posts.js';
import { removeTempDir, sharedTempDir, tempDir } from './temp-dir.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The repository's sample content (content/). */
export const SAMPLE_CONTENT = path.join(REPO, 'content');
/** The bundled templates (templates/). */
export const TEMPLATES = path.join(REPO, 'templates');
/** A content fixture under test/fixtures/content/. */
export const contentFixture = (name: string) => path.join(REPO, 'test', 'fixtures', 'content', name);

export interface SiteOptions {
  /** A folder copied as content/: the sample content, a fixture. */
  copy?: string;
  /** Post files written into content/ (after the copy). */
  posts?: readonly PostFile[];
  /** Written as broadsheet.config.json. */
  config?: Record<string, unknown>;
}

export interface TempSite {
  root: string;
  /** root/content, made. */
  content: string;
  /** root/data, not made: what a build or the store makes of it is up to the test. */
  data: string;
  /** root/public (the default output folder), not made. */
  out: string;
  /** root/broadsheet.config.json, written when options.config is given. */
  configFile: string;
  /** parseConfig(input), with paths.content, out and data pointing into this site unless input.paths says otherwise. */
  parseConfig(input?: Record<string, unknown>): Readonly<Config>;
  writePost(p: PostFile): Promise<void>;
  /** Remove the whole folder (a tempSite's is removed when its test finishes anyway). */
  remove(): Promise<void>;
}

/** A temporary site for one test, removed when the test finishes. Call it inside the test. */
export async function tempSite(name: string, options: SiteOptions = {}): Promise<TempSite> {
  return fillSite(await tempDir(name), options);
}

/** A temporary site that outlives one test (made in a beforeAll, or by a helper with a close()): the caller removes it, with site.remove(). */
export async function sharedTempSite(name: string, options: SiteOptions = {}): Promise<TempSite> {
  return fillSite(await sharedTempDir(name), options);
}

async function fillSite(root: string, options: SiteOptions): Promise<TempSite> {
  const content = path.join(root, 'content');
  const data = path.join(root, 'data');
  const out = path.join(root, 'public');
  const configFile = path.join(root, 'broadsheet.config.json');
  if (options.copy) await cp(options.copy, content, { recursive: true });
  else await mkdir(content, { recursive: true });
  for (const p of options.posts ?? []) await writePostFile(content, p);
  if (options.config) await writeFile(configFile, JSON.stringify(options.config, null, 2));
  return {
    root,
    content,
    data,
    out,
    configFile,
    parseConfig: (input = {}) => parseConfig({ ...input, paths: { content, out, data, ...(input.paths as object | undefined) } }),
    writePost: (p) => writePostFile(content, p),
    remove: () => removeTempDir(root),
  };
}
