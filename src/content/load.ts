// Read every post file under the content folder and parse them all (I/O at the edge of the pipeline).
import { loadPostsCached, type LoadedPosts } from './cache.js';

export type { LoadedPosts } from './cache.js';
export { listPostFiles } from './scan.js';

export interface LoadOptions {
  timezone: string;
  /** How messages name the content folder (as the user wrote it); defaults to `dir`. */
  displayDir?: string;
}

/** Every post under `dir`, read and parsed afresh (no cache): the build's loader, minus the cache. */
export async function loadPosts(dir: string, options: LoadOptions): Promise<LoadedPosts> {
  const { posts, errors, warnings, files } = await loadPostsCached(dir, undefined, { timezone: options.timezone, displayDir: options.displayDir ?? dir });
  return { posts, errors, warnings, files };
}
