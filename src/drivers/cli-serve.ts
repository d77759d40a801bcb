// `broadsheet serve`: run the HTTP server over the built output until asked to stop.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createMailer, openStore } from '../adapters.js';
import { loadConfig, readSecrets } from '../config.js';
import { BUNDLED_TEMPLATES, createCore } from '../core.js';
import { createLogger } from '../log.js';
import { loadPages } from '../web/pages.js';
import type { CliIo } from './cli.js';
import { createServer } from './server.js';

const SERVE_OPTIONS = {
  config: { type: 'string' },
  content: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: SERVE_OPTIONS, strict: true, allowPositionals: false });
  const config = await loadConfig({ configFile: values.config, cwd: io.cwd, env: io.env, flags: values });
  const outDir = path.resolve(io.cwd, config.paths.out);
  const store = openStore(config, io.cwd);
  const mailer = await createMailer(config, io.cwd, io.env);
  const core = createCore(config, { now: io.now, cwd: io.cwd, env: io.env, store, mailer, log: createLogger(io.stderr) });
  const pages = await loadPages(config.paths.templates ? path.resolve(io.cwd, config.paths.templates) : BUNDLED_TEMPLATES);
  const app = await createServer(core, pages, config, { outDir, previewToken: readSecrets(io.env).previewToken });
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  if (!existsSync(path.join(outDir, 'index.html'))) io.stderr.write(`note: ${outDir} has no built site yet: run \`broadsheet build\` first\n`);
  io.stdout.write(`Serving ${outDir} at ${address}/ (feeds: ${address}/feed.xml, preview: ${address}/preview); mail goes to ${mailer.description}. Ctrl-C stops.\n`);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (io.shouldStop?.()) {
        clearInterval(timer);
        resolve();
      }
    }, 200);
  });
  await app.close();
  await core.settled();
  await mailer.close();
  store.close();
  io.stdout.write('Server stopped.\n');
  return 0;
}
