import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/dashboard-server.js';
import { chromiumPath, lineBreaksIn, sharedBrowser } from './browser.js';
import { cacheWithArtists } from './dashboard-fixture.js';


const screenshots = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));

/** How wide the page's content is, to catch a layout that makes a phone scroll sideways. */
async function pageWidth(page: Page): Promise<number> {
  return page.locator('body').evaluate((body) => (body as unknown as { scrollWidth: number }).scrollWidth);
}

/** Saves the page's screenshot (for a person to look at) and checks it is not one flat colour. */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  await mkdir(screenshots, { recursive: true });
  await writeFile(`${screenshots}${name}.png`, png);
  const { channels } = await sharp(png).stats();
  const spread = Math.max(...channels.map((channel) => channel.max - channel.min));
  const variation = Math.max(...channels.map((channel) => channel.stdev));
  expect(spread, `${name}.png is blank`).toBeGreaterThan(100);
  expect(variation, `${name}.png is nearly blank`).toBeGreaterThan(5);
}

describe.skipIf(chromiumPath === undefined)('the dashboard in Chromium', () => {
  const browser = sharedBrowser();
  let dashboard: Dashboard;

  it('shows the overview: numbers, the hit-rate chart, providers and the redacted error', async () => {
    const { providers } = await cacheWithArtists();
    dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(dashboard.url);
      await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('Overview · datacache');
      expect(await page.locator('#hit-rate').textContent()).toMatch(/^\d+\.\d %$/);
      expect(await page.locator('#bytes-used').textContent()).toMatch(/KiB|MiB|B$/);
      const chart = page.locator('#hit-rate-chart');
      await expect.poll(() => chart.isVisible(), { timeout: 20_000 }).toBe(true);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
      expect(await chart.locator('circle.dot').count()).toBeGreaterThan(0);
      expect(await page.locator('#rate-limits tr', { hasText: 'musicbrainz' }).textContent()).toMatch(/unlimited/);
      const errors = await page.locator('#recent-errors').textContent();
      expect(errors).toMatch(/broken\/fanart\.png/);
      expect(errors).not.toMatch(/SECRET-KEY/);
      // The other charts: fetches and errors over time and by provider, bytes by type, hit latency.
      expect(Number(await page.locator('#fetches-chart').getAttribute('data-points'))).toBeGreaterThan(0);
      // Split by provider over time, each with its colour in the legend, errors in red.
      expect((await page.locator('#fetches-chart').getAttribute('data-providers'))?.split(' ')).toEqual(['cdn', 'fanarttv', 'musicbrainz', 'theaudiodb']);
      expect(await page.locator('#fetches-chart g[data-legend]').allTextContents()).toEqual(['cdn', 'fanarttv', 'musicbrainz', 'theaudiodb', 'errors']);
      expect(Number(await page.locator('#bytes-by-type').getAttribute('data-rows'))).toBeGreaterThanOrEqual(5);
      expect((await page.locator('#fetches-by-provider g[data-label="musicbrainz"]').textContent())?.replace(/\s+/g, ' ')).toMatch(/^musicbrainz \d+ fetched · 0 errors$/);
      expect(await page.locator('#hit-latency-chart').getAttribute('aria-label')).toMatch(/^hit latency: p50 \d+(\.\d)? (µs|ms), p99 /);
      // The queue over time: sampled when the page was read; the broken image's job waits to be tried again.
      const depth = page.locator('#queue-depth-chart');
      expect(Number(await depth.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
      expect(await depth.locator('g[data-legend]').allTextContents()).toEqual(['cdn', 'failed']);
      expect(await depth.locator('g > title').first().textContent()).toMatch(/^\d\d:\d\d: 1 waiting, 0 running \(cdn 1\), 0 failed$/);
      // People's numbers: a rate per minute or second, never 0.4166666666666667.
      expect(await page.locator('#rate-limits').textContent()).not.toMatch(/\d\.\d{4,}/);
      await screenshot(page, 'overview');
      // The error's long URL wraps only after its separators, on a desktop and on a phone, where
      // each error is a block of labelled lines rather than a row of squeezed columns.
      const errorUrl = page.locator('#recent-errors td[data-label="URL"]');
      for (const character of await lineBreaksIn(errorUrl)) expect('/?&=').toContain(character);
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
      const phoneBreaks = await lineBreaksIn(errorUrl);
      expect(phoneBreaks.length).toBeGreaterThan(0);
      for (const character of phoneBreaks) expect('/?&=').toContain(character);
      expect(await page.locator('#recent-errors thead').isVisible()).toBe(false);
      // The providers' table too: every cell on the screen, none scrolled out of sight to the right.
      for (const cell of await page.locator('#rate-limits td').all()) {
        const box = await cell.boundingBox();
        expect(box !== null && box.x + box.width <= 390).toBe(true);
      }
      expect(await page.locator('#recent-errors td[data-label="error"]').evaluate((cell) => (cell as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth <= (cell as unknown as { clientWidth: number }).clientWidth)).toBe(true);
      await screenshot(page, 'overview-phone');
    } finally {
      await dashboard.close();
    }
  });

  it('shows the rate limits live after a precache: grants per second against each limit, on a desktop and a phone', async () => {
    // MusicBrainz limited as it is in life (slower, so the chain waits on it); the others free.
    const { providers } = await cacheWithArtists({ musicbrainz: { ratePerSecond: 4, burst: 1 } });
    // A DJ's searches after it, a couple of seconds' worth at the limit.
    for (let search = 1; search <= 8; search++) await providers.musicbrainz.searchArtists(`Somebody ${search}`);
    dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${dashboard.url}/rates`);
      expect(await page.title()).toBe('Rate limits · datacache');
      const row = page.locator('#rates tr[data-provider="musicbrainz"]');
      expect(await row.locator('td').nth(1).textContent()).toBe('4/s');
      // Every MusicBrainz request of the precache went through the limit and shows, once whole seconds have passed.
      await expect.poll(async () => { await page.reload(); return Number(await row.locator('svg.sparkline').getAttribute('data-grants')); }, { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(11);
      expect(await row.locator('svg.sparkline rect.bar').count()).toBeGreaterThanOrEqual(2);
      expect(await row.locator('svg.sparkline line.limit').count()).toBe(1);
      expect(await page.locator('#rates tr[data-provider="cdn"]').textContent()).toMatch(/no limit/);
      expect(await page.locator('#rates').textContent()).not.toMatch(/\d\.\d{4,}/);
      await screenshot(page, 'rates');
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
      // On a phone the chart has a line of its own, whole on the screen, not scrolled out of a squeezed table.
      const sparkline = await row.locator('svg.sparkline').boundingBox();
      expect(sparkline).not.toBeNull();
      expect(sparkline!.x).toBeGreaterThanOrEqual(0);
      expect(sparkline!.x + sparkline!.width).toBeLessThanOrEqual(390);
      expect(await page.locator('#rates thead').isVisible()).toBe(false);
      await screenshot(page, 'rates-phone');
    } finally {
      await dashboard.close();
    }
  });

  it('searches an artist, shows their images by type, one of them large, and a random one for overlays', async () => {
    const { providers } = await cacheWithArtists();
    dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${dashboard.url}/artists`);
      await screenshot(page, 'artists');
      // Typed without the accent, as people search; listed with the artist's own spelling.
      await page.getByRole('searchbox', { name: 'search cached artists' }).fill('ROYK');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\/artists\?q=ROYK/);
      const rows = page.locator('#artists tbody tr');
      expect(await rows.count()).toBe(1);
      await rows.getByRole('link', { name: 'Röyksopp' }).click();
      await page.waitForURL(/\/artists\/r%C3%B6yksopp$/);
      expect(await page.locator('h1').textContent()).toBe('Röyksopp');
      // Overlay addresses to paste into OBS, one per cached image type, each with a preview.
      const overlay = await page.locator('#overlays tr[data-type="fanart"] input').inputValue();
      expect(overlay).toBe(`${dashboard.url}/overlay?artist=R%C3%B6yksopp&type=fanart&every=15&name=1`);
      expect(await page.locator('#overlays tr[data-type="now"] input').inputValue()).toBe(`${dashboard.url}/overlay/now?type=fanart&every=15&name=1`);
      await expect.poll(() => page.locator('#overlays tr[data-type="logo"] img').evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await page.locator('#answers').textContent()).toMatch(/musicbrainz/);
      expect(await page.locator('#answers').textContent()).toMatch(/ago/);
      for (const type of ['thumbnail', 'logo', 'banner', 'fanart']) {
        const images = page.locator(`.images[data-type="${type}"] img`);
        expect(await images.count(), type).toBeGreaterThan(0);
      }
      // Every image really loaded (a broken one has no natural width).
      const widths = await page.locator('.images img').evaluateAll((images) => images.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths.every((width) => width > 0)).toBe(true);
      await screenshot(page, 'artist');
      // On a phone: the same page, nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await pageWidth(page);
      expect(overflow).toBeLessThanOrEqual(390);
      // The cached answers' URLs wrap at separators (a MusicBrainz ID's hyphens among them), not letter by letter.
      for (const url of await page.locator('#answers td[data-label="URL"]').all()) {
        for (const character of await lineBreaksIn(url)) expect('/?&=-').toContain(character);
      }
      await screenshot(page, 'artist-phone');
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.locator('.images[data-type="fanart"] a').first().click();
      await page.waitForURL(/\/view\//);
      expect(await page.locator('#viewed-image').evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(4);
      expect(await page.locator('table').textContent()).toMatch(/image\/png, 4 × 3 px/);
      await screenshot(page, 'image');
      const random = await page.goto(`${dashboard.url}/image/random?artist=R%C3%B6yksopp&type=fanart`);
      expect(random?.status()).toBe(200);
      expect(random?.headers()['content-type']).toBe('image/png');
    } finally {
      await dashboard.close();
    }
  });

  it('lets no page on another origin embed its images to probe which artists are cached', async () => {
    const { providers } = await cacheWithArtists();
    dashboard = await startDashboard(providers, { port: 0 });
    const probe = `${dashboard.url}/image/random?artist=daft%20punk&type=fanart`;
    // Another origin on the same machine (another port): what a web site in the DJ's browser is.
    const site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><img id="probe" src="${probe}">`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      const page = await browser().newPage();
      const failures: string[] = [];
      page.on('requestfailed', (request) => {
        failures.push(`${request.url()} ${request.failure()?.errorText ?? ''}`);
      });
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      // Polled from the test, not with page.waitForFunction: its later polls evaluate a string in the page, which the
      // dashboard's CSP (rightly) forbids, so it failed whenever the image was not complete at the first look.
      await expect.poll(async () => page.locator('#probe').evaluate((image) => (image as unknown as { complete: boolean }).complete), { timeout: 20_000 }).toBe(true);
      expect(await page.locator('#probe').evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(0);
      expect(failures.join('\n')).toMatch(/ERR_BLOCKED_BY_RESPONSE/);
      // The dashboard's own pages still show its images, and the URL opened as a page (an OBS browser source) still works.
      await page.goto(`${dashboard.url}/artists/daft%20punk`);
      await expect.poll(async () => page.locator('.images img').first().evaluate((image) => (image as unknown as { complete: boolean }).complete), { timeout: 20_000 }).toBe(true);
      expect(await page.locator('.images img').first().evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      expect((await page.goto(probe))?.status()).toBe(200);
    } finally {
      await new Promise<void>((resolve) => {
        site.close(() => {
          resolve();
        });
      });
      await dashboard.close();
    }
  });
});
