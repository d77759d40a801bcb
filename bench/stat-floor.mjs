// The whole-process stat floor: a node process that lists the content folder and stats every post, the
// least any rebuild that checks for changes must do. `node bench/stat-floor.mjs CORPUS [--walk]`
// By default it lists with readdir's own `recursive` option (with file types), as a plain script
// would; with --walk, folder by folder, the way Broadsheet lists (about four times faster to list).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const [dir, mode] = process.argv.slice(2);
if (mode === '--walk') {
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) statSync(full);
    }
  };
  walk(dir);
} else {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.md')) statSync(path.join(entry.parentPath, entry.name));
  }
}
