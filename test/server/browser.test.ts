// The reader's and the publisher's pages in a real browser (Chromium through playwright-core), against the
// real server on 127.0.0.1:0. Links in the built pages and in mail point at the public site URL
// (https://news.example.com/): the browser context maps them onto the local server, and aborts any other
// request, so nothing leaves the machine. Screenshots go to test-results/screenshots/ (gitignored).
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { subscriberLinks } from '../../src/email/message.js';
import { SECRET_FILE } from '../../src/email/signing-key.js';
import { freshServedSite, NOW, POSTS, SITE_URL, type ServedSite } from '../helpers/served-site.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const IN_WINDOW = POSTS.filter((p) => p.date >= '2026-11-23');
const CATEGORY_COUNT = 3;

const title = HAS_CHROMIUM ? 'in a real browser (Chromium)' : `in a real browser: SKIPPED, ${CHROMIUM} does not exist (CI installs it)`;

describe.skipIf(!HAS_CHROMIUM)(title, () => {
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh context (own cookies, timezone) whose requests for the public site reach `site`'s server. */
  async function openPage(site: ServedSite, options: { timezoneId?: string } = {}): Promise<Page> {
    const context: BrowserContext = await browser.newContext({ timezoneId: options.timezoneId ?? 'UTC', viewport: { width: 1280, height: 900 } });
    onTestFinished(() => context.close());
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(SITE_URL)) return route.fulfill({ response: await route.fetch({ url: site.local(url) }) });
      if (url.startsWith(`${site.base}/`)) return route.continue();
      return route.abort('blockedbyclient');
    });
    return context.newPage();
  }

  it('the index has discovery links, and the subscribe form leads to "Check your inbox" and a confirmation email', async () => {
    const site = await freshServedSite();
    const page = await openPage(site, { timezoneId: 'Europe/Lisbon' });
    const res = await page.goto(`${site.base}/`);
    expect(res?.status()).toBe(200);
    const discovery = page.locator('head link[rel="alternate"]');
    expect(await discovery.count()).toBe(3 * (1 + CATEGORY_COUNT));
    expect(await page.locator('head link[rel="alternate"][type="application/rss+xml"]').first().getAttribute('href')).toBe(`${SITE_URL}feed.xml`);
    expect(await page.locator(`head link[rel="alternate"][href="${SITE_URL}categories/open-source/atom.xml"]`).count()).toBe(1);

    await page.getByLabel('Email address').fill('browser.reader@example.org');
    await page.getByLabel('Science').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('h1').textContent()).toBe('Check your inbox');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'subscribe-check-inbox.png') });

    // The page script filled in the browser's timezone.
    expect(await site.store.findByEmail('browser.reader@example.org')).toMatchObject({ status: 'pending', categories: ['science'], timezone: 'Europe/Lisbon' });
    await site.core.settled(); // the confirmation goes out after the answer
    const [confirmation] = site.sink.to('browser.reader@example.org');
    const link = /https:\/\/news\.example\.com\/confirm\?token=[\w.-]+/.exec(confirmation?.parsed.text ?? '')?.[0];
    expect(link).toBeDefined();

    await page.goto(link!);
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');
    expect((await site.store.findByEmail('browser.reader@example.org'))?.status).toBe('active');
    expect(site.sink.to('browser.reader@example.org')[1]?.parsed.subject).toMatch(/welcome/i);
  });

  it('opening feed.xml shows a readable page, not raw XML', async () => {
    const site = await freshServedSite();
    const page = await openPage(site);
    await page.goto(`${site.base}/feed.xml`);
    expect(await page.locator('h1').textContent()).toBe('The Sample Times');
    expect(await page.locator('.notice').textContent()).toContain('This is a feed');
    expect(await page.locator('article h2').allTextContents()).toEqual([...POSTS].sort((a, b) => (a.date < b.date ? 1 : -1)).map((p) => p.title));
  });

  it('/preview shows the digest at 600 px and 375 px side by side, and at 375 px in dark mode, each with the posts', async () => {
    const site = await freshServedSite();
    const page = await openPage(site);
    const res = await page.goto(`${site.base}/preview`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const desktop = page.locator('iframe[title="Desktop preview"]');
    const mobile = page.locator('iframe[title="Mobile preview"]');
    const dark = page.locator('iframe[title="Mobile dark preview"]');

    // Inner (content) widths are what the email is rendered at; the boxes add a 1 px border each side.
    expect(await desktop.evaluate((el) => el.clientWidth)).toBe(600);
    expect(await mobile.evaluate((el) => el.clientWidth)).toBe(375);
    expect(await dark.evaluate((el) => el.clientWidth)).toBe(375);
    const desktopBox = (await desktop.boundingBox())!;
    const mobileBox = (await mobile.boundingBox())!;
    expect(desktopBox.width).toBe(602);
    expect(mobileBox.width).toBe(377);
    expect(mobileBox.y).toBe(desktopBox.y);
    expect(mobileBox.x).toBeGreaterThan(desktopBox.x + desktopBox.width);

    for (const name of ['Desktop preview', 'Mobile preview', 'Mobile dark preview']) {
      const frame = page.frameLocator(`iframe[title="${name}"]`);
      const text = await frame.locator('body').innerText();
      for (const post of IN_WINDOW) expect(text).toContain(post.title);
    }
    // The dark frame shows the digest's dark styles: a dark page, light text; the others stay light.
    const colours = (name: string) =>
      page
        .frameLocator(`iframe[title="${name}"]`)
        .locator('.title a')
        .first()
        .evaluate((a) => {
          const style = (el: typeof a) =>
            (el.ownerDocument.defaultView as unknown as { getComputedStyle(e: typeof a): { color: string; backgroundColor: string } }).getComputedStyle(el);
          return { text: style(a).color, page: style(a.ownerDocument.body).backgroundColor };
        });
    expect(await colours('Mobile dark preview')).toEqual({ text: 'rgb(230, 237, 243)', page: 'rgb(13, 17, 23)' });
    expect(await colours('Mobile preview')).toEqual({ text: 'rgb(31, 35, 40)', page: 'rgb(243, 244, 246)' });

    await desktop.screenshot({ path: path.join(SCREENSHOTS, 'preview-iframe-600.png') });
    await mobile.screenshot({ path: path.join(SCREENSHOTS, 'preview-iframe-375.png') });
    await dark.scrollIntoViewIfNeeded();
    await dark.screenshot({ path: path.join(SCREENSHOTS, 'preview-iframe-375-dark.png') });
    // Viewports tall enough for the whole page: Chromium leaves iframes outside the viewport unpainted in full-page shots.
    for (const width of [1280, 600, 375]) {
      await page.setViewportSize({ width, height: 5000 });
      // On a narrow screen the frames overflow; none may start left of the page, where no scrolling reaches.
      expect((await desktop.boundingBox())!.x).toBeGreaterThanOrEqual(0);
      expect((await mobile.boundingBox())!.x).toBeGreaterThanOrEqual(0);
      expect((await dark.boundingBox())!.x).toBeGreaterThanOrEqual(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, `preview-viewport-${width}.png`) });
    }
    for (const file of [
      'preview-iframe-600.png',
      'preview-iframe-375.png',
      'preview-iframe-375-dark.png',
      'preview-viewport-1280.png',
      'preview-viewport-600.png',
      'preview-viewport-375.png',
    ]) {
      expect(existsSync(path.join(SCREENSHOTS, file))).toBe(true);
    }
  });

  it('the index and the preview render under their Content-Security-Policy: nothing refused, both frames load', async () => {
    const site = await freshServedSite();
    const page = await openPage(site);
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    for (const [name, url] of [
      ['index', '/'],
      ['preview', '/preview'],
    ] as const) {
      for (const width of [1280, 375]) {
        await page.setViewportSize({ width, height: name === 'preview' ? 1800 : 900 });
        const res = await page.goto(`${site.base}${url}`, { waitUntil: 'load' });
        expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
        await page.screenshot({ path: `/tmp/helper3-${name}-${width}.png`, fullPage: true });
      }
    }
    // The inline script ran (its hash is allowed): it filled in the browser's time zone.
    await page.goto(`${site.base}/`);
    expect(await page.locator('#subscribe [name=timezone]').inputValue()).toBe('UTC');
    await page.goto(`${site.base}/preview`, { waitUntil: 'load' });
    for (const frame of ['Desktop preview', 'Mobile preview', 'Mobile dark preview']) {
      expect(await page.frameLocator(`iframe[title="${frame}"]`).locator('body').innerText()).toContain(IN_WINDOW[0]!.title);
    }
    // The inline style attributes applied: the frames kept their widths.
    expect(await page.locator('iframe[title="Mobile preview"]').evaluate((el) => el.clientWidth)).toBe(375);
    expect(refused).toEqual([]);
  });

  it("a digest's unsubscribe link shows a button; clicking it unsubscribes", async () => {
    const site = await freshServedSite();
    const email = 'leaving.reader@example.org';
    await site.store.add({ email, categories: [], status: 'active' }, NOW);
    await site.signingKey(); // the site generates <data>/secret.key on first use: make sure it exists
    const key = (await readFile(path.join(site.dataDir, SECRET_FILE), 'utf8')).trim();
    const { unsubscribeUrl } = subscriberLinks(email, key, site.config);

    const page = await openPage(site);
    await page.goto(unsubscribeUrl);
    expect(await page.locator('h1').textContent()).toBe('Unsubscribe?');
    // Opening the link (as a mail scanner would) changed nothing.
    expect((await site.store.findByEmail(email))?.status).toBe('active');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'unsubscribe-button.png') });

    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('h1').textContent()).toBe('Unsubscribed');
    expect((await site.store.findByEmail(email))?.status).toBe('unsubscribed');
  });
});
