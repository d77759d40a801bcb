import { defineConfig } from 'vitest/config';

// Unit tests: the pure stages and the stores, in process, no child process, server, browser or SMTP
// (`npm run test:unit`, seconds). Everything else is in `integration`; `npm test` runs both.
const UNIT = [
  'test/config/**/*.test.ts',
  'test/bounces/{classify,bounce-tag}.test.ts',
  'test/bounces/webhooks/**/*.test.ts',
  'test/content/{dates,excerpt,load,markdown,parse,publish,cache,furniture,posted-time,head-cleanup}.test.ts',
  'test/digest/**/*.test.ts',
  'test/docs/**/*.test.ts',
  'test/drivers/capabilities.test.ts',
  'test/email/{message,nodemailer-internals,render,signing-key,tokens,archive-link}.test.ts',
  'test/feeds/**/*.test.ts',
  'test/output/post-pages.test.ts',
  'test/helpers/**/*.test.ts',
  'test/schedule/due.test.ts',
  'test/shared/**/*.test.ts',
  'test/subscribers/{address,import-csv,import-formats,sqlite-store,sqlite-contract}.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
