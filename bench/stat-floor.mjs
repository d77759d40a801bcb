// The whole-process stat floor: a node process that lists the content folder (readdir with file types,
// so the listing stats nothing itself) and stats every post: the least any rebuild that checks for
// changes must do. `node bench/stat-floor.mjs CORPUS`
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

for (const entry of readdirSync(process.argv[2], { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && entry.name.endsWith('.md')) statSync(path.join(entry.parentPath, entry.name));
}
