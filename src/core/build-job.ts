// What the two halves of a build share: the job worked out by build() (core/build.ts) and handed to
// buildSite() (core/build-site.ts), and the summary a build state keeps between runs.
import { createHash } from 'node:crypto';
import type { Scan } from '../content/scan.js';
import type { Digest, DigestWindow } from '../digest/build.js';
import { contentErrorFrom, type ErrorRecord } from '../errors.js';
import type { BuildCache } from '../output/build-cache.js';
import type { BuildState } from '../output/build-state.js';
import type { BuildOptions } from './types.js';

/** What a build reports, in a form the build state can keep between runs. */
export interface BuildSummary {
  files: number;
  published: number;
  errors: ErrorRecord[];
  warnings: ErrorRecord[];
  skipped: { drafts: number; future: number };
  channels: number;
  digest: Digest;
}

export interface BuildJob {
  options: BuildOptions;
  now: Date;
  window: DigestWindow;
  /** Hash of every input but the post files. */
  inputsKey: string;
  /** Names this content and output folder pair (the site) in the build cache. */
  id: string;
  /** Open for the build's length. */
  cache: BuildCache;
  state: BuildState<BuildSummary> | undefined;
  /** The post files' stats, when there was a last build to compare them with. */
  scanned: Scan | undefined;
  /** Set when no shortcut can apply: why a full build is needed. */
  fullBecause?: string;
}

export function fromSummary(summary: BuildSummary) {
  return { ...summary, errors: summary.errors.map((e) => contentErrorFrom(e)), warnings: summary.warnings.map((e) => contentErrorFrom(e)) };
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
