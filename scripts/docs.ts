// `npm run docs`: write the generated documentation (docs/configuration.md, from src/config.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIGURATION_PAGE, renderConfigDocs } from './config-docs.js';

const file = path.join(import.meta.dirname, '..', CONFIGURATION_PAGE);
writeFileSync(file, renderConfigDocs());
process.stdout.write(`wrote ${CONFIGURATION_PAGE}\n`);
