// Write output files atomically, leaving unchanged files (and their mtimes) alone. I/O.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { OutputFile } from '../feeds/build.js';

export interface SaveReport {
  written: string[];
  unchanged: string[];
}

/**
 * Each file is written to a temporary name and renamed into place, so a reader never sees half a
 * feed; a file whose bytes are already on disk is not rewritten, so servers keep their ETag.
 */
export async function saveFiles(outDir: string, files: readonly OutputFile[]): Promise<SaveReport> {
  const report: SaveReport = { written: [], unchanged: [] };
  for (const file of files) {
    const target = path.join(outDir, ...file.path.split('/'));
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.body) {
      report.unchanged.push(file.path);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, file.body, { encoding: 'utf8', mode: 0o644 });
    report.written.push(file.path);
  }
  return report;
}
