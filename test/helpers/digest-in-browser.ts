// The digest email as `broadsheet digest` writes it (digest.html), served with its cover images from a
// local HTTP server on 127.0.0.1:0, and opened in Chromium (playwright-core) with images loaded or blocked.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { main } from '../../src/compose.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NOW = new Date('2026-11-29T12:00:00Z');
const CONFIG = {
  site: { title: 'The Sample Times', url: 'https://news.example.com/', timezone: 'UTC' },
  email: { from: { name: 'The Desk', address: 'digest@news.example.com' }, postalAddress: '1 Example Street, Sampletown' },
};

/** `broadsheet digest` over `content` (relative to the repository), as the file a publisher opens. */
export async function renderDigestHtml(content: string, ...flags: string[]): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-digest-browser-'));
  try {
    const configFile = path.join(root, 'broadsheet.config.json');
    await writeFile(configFile, JSON.stringify(CONFIG));
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, cwd: REPO, env: {}, now: () => NOW };
    const code = await main(
      ['digest', '--config', configFile, '--content', content, '--data', path.join(root, 'data'), '--out', path.join(root, 'out'), ...flags],
      io,
    );
    if (code !== 0) throw new Error(`broadsheet digest exited ${code}: ${stderr}`);
    return await readFile(path.join(root, 'out', 'digest.html'), 'utf8');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** A solid-gradient PNG of the given size: covers come in every shape. */
export function png(width: number, height: number): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = table[(c ^ b) & 255]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = (y: number) => Buffer.from([0, ...Array.from({ length: width }, (_, x) => [(x * 255) / width, (y * 255) / height, 160]).flat()]);
  const pixels = Buffer.concat(Array.from({ length: height }, (_, y) => row(y)));
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface DigestServer {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Image requests it answered. */
  imageRequests: string[];
  close(): Promise<void>;
}

/**
 * Serves `pages` (path → HTML) and, for any other path, a cover image: a tall one for paths containing
 * "tall", else one wider than any column (1600 × 800).
 */
export async function startDigestServer(pages: Record<string, string>): Promise<DigestServer> {
  const wide = png(1600, 800);
  const tall = png(300, 900);
  const imageRequests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const page = pages[url];
    if (page !== undefined) return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    imageRequests.push(url);
    res.writeHead(200, { 'content-type': 'image/png' }).end(url.includes('tall') ? tall : wide);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    imageRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

/**
 * A page at `width` px whose image requests (any host: covers live on other sites) reach `server`, or are
 * aborted when `images` is 'blocked' (as a mail app that blocks images), and nothing else leaves the machine.
 */
export async function openDigest(
  browser: Browser,
  server: DigestServer,
  page: string,
  options: { width: number; images: 'loaded' | 'blocked'; colorScheme?: 'light' | 'dark' },
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width, height: 900 } });
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (request.url().startsWith(`${server.base}/`) && request.resourceType() === 'document') return route.continue();
    if (request.resourceType() !== 'image' || options.images === 'blocked') return route.abort('blockedbyclient');
    const { pathname } = new URL(request.url());
    return route.fulfill({ response: await route.fetch({ url: `${server.base}${pathname}` }) });
  });
  const tab = await context.newPage();
  await tab.emulateMedia({ colorScheme: options.colorScheme ?? 'light' });
  await tab.goto(`${server.base}${page}`, { waitUntil: 'load' });
  return tab;
}
