// Loaded with `node --import` before a measured process: at exit it writes that process's peak memory
// (max RSS, in KB) to the file BENCH_MAX_RSS_FILE names. Portable where GNU time is not installed.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MAX_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
