// What the last build wrote and from which inputs, so a rebuild where nothing changed stops after
// stat-ing the post files. Kept in the build cache; never trusted blindly: a missing or altered output
// file means a full build. I/O (stat only).
import { statSync } from 'node:fs';
import path from 'node:path';

export interface OutputStat {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface BuildState<Summary> {
  /** Hash of every input: post files' stats, configuration, options, the digest window, templates. */
  key: string;
  /** The build goes stale at this instant even with no file changed (a future post comes due). */
  nextChangeAt: string | null;
  outputs: OutputStat[];
  /** Hash of each feed channel's content, by output folder: unchanged channels are not re-rendered. */
  channelPrints: Record<string, string>;
  summary: Summary;
}

export function statOutputs(outDir: string, paths: readonly string[]): OutputStat[] {
  return paths.map((p) => {
    const stat = statSync(path.join(outDir, ...p.split('/')));
    return { path: p, size: stat.size, mtimeMs: stat.mtimeMs };
  });
}

/** True when every recorded output is still on disk exactly as written. */
export function outputsIntact(outDir: string, outputs: readonly OutputStat[]): boolean {
  for (const o of outputs) {
    try {
      const stat = statSync(path.join(outDir, ...o.path.split('/')));
      if (stat.size !== o.size || stat.mtimeMs !== o.mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}
