// What the last build wrote and from which inputs, so a rebuild where nothing changed stops after
// stat-ing the post files. Never trusted blindly: a missing or altered output file means a full build. I/O.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeFolderSync } from './mkdir.js';

const FORMAT = 1;

export interface OutputStat {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface BuildState<Summary> {
  format: number;
  /** Hash of every input: post files' stats, configuration, options, the digest window, templates. */
  key: string;
  /** The build goes stale at this instant even with no file changed (a future post comes due). */
  nextChangeAt: string | null;
  outputs: OutputStat[];
  /** Hash of each feed channel's content, by output folder: unchanged channels are not re-rendered. */
  channelPrints: Record<string, string>;
  summary: Summary;
}

export function readBuildState<Summary>(file: string): BuildState<Summary> | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as BuildState<Summary>;
    return isBuildState(state) ? (state as BuildState<Summary>) : undefined;
  } catch {
    return undefined; // missing or corrupt: a full build writes a new one
  }
}

// Every field the build reads is checked: a state of the wrong shape (a hand edit, a half-written file)
// made build() throw on `state.channelPrints[dir]` or `output.path` instead of building in full.
function isBuildState(value: unknown): boolean {
  const state = value as Partial<BuildState<unknown>> | null;
  return (
    typeof state === 'object' && state !== null && state.format === FORMAT && typeof state.key === 'string' &&
    (state.nextChangeAt === null || typeof state.nextChangeAt === 'string') &&
    Array.isArray(state.outputs) &&
    state.outputs.every((o: Partial<OutputStat> | null) => typeof o?.path === 'string' && typeof o.size === 'number' && typeof o.mtimeMs === 'number') &&
    typeof state.channelPrints === 'object' && state.channelPrints !== null &&
    Object.values(state.channelPrints).every((print) => typeof print === 'string') &&
    typeof state.summary === 'object' && state.summary !== null
  );
}

export async function writeBuildState<Summary>(file: string, state: Omit<BuildState<Summary>, 'format'>): Promise<void> {
  makeFolderSync(path.dirname(file));
  // Loaded here, not with the module: a build where nothing changed reads the state and writes nothing.
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(file, JSON.stringify({ format: FORMAT, ...state }), { fsync: false });
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
