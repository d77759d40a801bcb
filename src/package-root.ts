// Where Broadsheet itself is installed: the folder of its package.json, which ships templates/. Found
// by walking up from this module, so it holds for src/ (tests), dist/ (tsc) and dist/bin/ (the bundle).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'broadsheet') return (found = dir);
    if (path.dirname(dir) === dir) throw new Error(`Broadsheet's package.json was not found above ${import.meta.dirname}`);
  }
}

/** Broadsheet's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
