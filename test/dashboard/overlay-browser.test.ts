import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/dashboard-server.js';
import { chromiumPath, sharedBrowser } from './browser.js';
import { cacheWithArtists } from './dashboard-fixture.js';

const screenshots = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));

/** What the overlay is showing: the artist it last loaded an image of, and both layers' state. */
async function overlayState(page: Page): Promise<{ shown: string | null; caption: string; layers: { src: string; shown: boolean; loaded: boolean }[] }> {
  const shown = await page.locator('#stage').getAttribute('data-shown');
  const caption = (await page.locator('#caption').textContent()) ?? '';
  const layers = await Promise.all(
    ['#layer-a', '#layer-b'].map((selector) =>
      page.locator(selector).evaluate((element) => {
        const image = element as unknown as ShownImage;
        return { src: image.getAttribute('src') ?? '', shown: image.classList.contains('shown'), loaded: image.complete && image.naturalWidth > 0 };
      }),
    ),
  );
  return { shown, caption, layers };
}

/** The parts of an <img> element read here (the tests are compiled without the DOM's types). */
interface ShownImage {
  getAttribute(name: string): string | null;
  classList: { contains(name: string): boolean };
  complete: boolean;
  naturalWidth: number;
}

/** Watches a page for what a strict CSP refuses and for script errors: an overlay must cause none. */
function watchForViolations(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

describe.skipIf(chromiumPath === undefined)('overlays in Chromium (as an OBS browser source shows them)', () => {
  const browser = sharedBrowser();

  it("rotate an artist's images with a cross-fade, the name on top, on a transparent page, under a CSP that allows only their script", async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 720 } });
      const problems = watchForViolations(page);
      const images: string[] = [];
      page.on('response', (response) => {
        if (response.url().includes('/image/random') && response.status() === 200) images.push(response.url());
      });
      await page.goto(`${dashboard.url}/overlay?artist=${encodeURIComponent('Daft Punk')}&type=fanart&every=2&name=1&width=1280&height=720&fade=0.5`);
      await expect.poll(async () => (await overlayState(page)).shown, { timeout: 20_000 }).toBe('Daft Punk');
      const first = await overlayState(page);
      expect(first.caption).toBe('Daft Punk');
      expect(first.layers.filter((layer) => layer.shown)).toHaveLength(1);
      expect(first.layers.find((layer) => layer.shown)!.loaded).toBe(true);
      // The next turn fades the other layer in: both layers have held an image.
      await expect.poll(async () => (await overlayState(page)).layers.every((layer) => layer.src !== ''), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => images.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      expect(images.every((url) => url.startsWith(`${dashboard.url}/image/random?artist=Daft%20Punk&type=fanart&turn=`))).toBe(true);
      const background = await page.locator('body').evaluate((body) => (globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
      expect(background).toBe('rgba(0, 0, 0, 0)');
      const stage = await page.locator('#stage').boundingBox();
      expect(stage).toMatchObject({ width: 1280, height: 720 });
      await mkdir(screenshots, { recursive: true });
      await writeFile(`${screenshots}overlay-daft-punk.png`, await page.screenshot({ omitBackground: true }));
      expect(problems).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });

  it('/overlay/now follows the artist on air as apps report it (POST /api/now-playing or setNowPlaying), and clears when none is', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await startDashboard(providers, { port: 0 });
    try {
      await providers.setNowPlaying('Daft Punk', { queue: false });
      const page = await browser().newPage({ viewport: { width: 960, height: 540 } });
      const problems = watchForViolations(page);
      await page.goto(`${dashboard.url}/overlay/now?type=fanart&every=30&name=1`);
      await expect.poll(async () => (await overlayState(page)).shown, { timeout: 20_000 }).toBe('Daft Punk');
      // An app in any language reports the next track's artist over HTTP.
      const posted = await fetch(`${dashboard.url}/api/now-playing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ artist: 'Björk' }) });
      expect(posted.status).toBe(200);
      expect(await posted.json()).toMatchObject({ nowPlaying: { artist: 'Björk', identifier: 'björk' } });
      // Long before the 30 s rotation: the overlay switches when the artist changes.
      await expect.poll(async () => (await overlayState(page)).shown, { timeout: 20_000 }).toBe('Björk');
      expect((await overlayState(page)).caption).toBe('Björk');
      await writeFile(`${screenshots}overlay-now-bjork.png`, await page.screenshot({ omitBackground: true }));
      await providers.setNowPlaying(null);
      await expect.poll(async () => (await overlayState(page)).layers.some((layer) => layer.shown), { timeout: 20_000 }).toBe(false);
      expect((await overlayState(page)).caption).toBe('');
      expect(problems).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });

  it('keep rotating when the dashboard server restarts, and take no POST from another site', async () => {
    const { providers } = await cacheWithArtists();
    let dashboard = await startDashboard(providers, { port: 0 });
    const port = Number(new URL(dashboard.url).port);
    try {
      const page = await browser().newPage({ viewport: { width: 640, height: 360 } });
      let loaded = 0;
      page.on('response', (response) => {
        if (response.url().includes('/image/random') && response.status() === 200) loaded += 1;
      });
      await page.goto(`${dashboard.url}/overlay?artist=${encodeURIComponent('Röyksopp')}&type=fanart&every=2`);
      await expect.poll(async () => (await overlayState(page)).shown, { timeout: 20_000 }).toBe('Röyksopp');
      await dashboard.close();
      // Down for a few turns: what is shown stays.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const during = await overlayState(page);
      expect(during.shown).toBe('Röyksopp');
      expect(during.layers.some((layer) => layer.shown && layer.loaded)).toBe(true);
      const before = loaded;
      dashboard = await startDashboard(providers, { port });
      await expect.poll(() => loaded, { timeout: 20_000 }).toBeGreaterThan(before);

      // A page on another site cannot set who is on air: the browser names its origin.
      const forged = await fetch(`${dashboard.url}/api/now-playing`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ artist: 'Nobody' }) });
      expect(forged.status).toBe(403);
      // Nor with a form (no JSON content type), whatever its origin.
      const form = await fetch(`${dashboard.url}/api/now-playing`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'artist=Nobody' });
      expect(form.status).toBe(400);
      expect(await providers.nowPlaying()).toBeNull();
    } finally {
      await dashboard.close();
    }
  });
});
