// Where Broadsheet itself is installed: the folder of its package.json, which ships templates/. Found
// by walking up from this module, so it holds for src/ (tests), dist/ (tsc) and dist/bin/ (the bundle).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'broadsheet') return (found = dir);
    if (path.dirname(dir) === dir) throw new Error(`Broadsheet's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** Broadsheet's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
