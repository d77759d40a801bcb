// Preloaded with `node --import` in a child process: records every module the process loads (ESM and
// CommonJS alike, through Node's synchronous module hooks) and writes their URLs, one a line, to the
// file named by BROADSHEET_RECORD_MODULES when the process exits.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.BROADSHEET_RECORD_MODULES, [...loaded].join('\n')));
