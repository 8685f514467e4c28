import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/dashboard-server.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { chromiumPath, sharedBrowser } from './browser.js';
import { cacheWithArtists } from './dashboard-fixture.js';


describe.skipIf(chromiumPath === undefined)('acting from the dashboard in Chromium', () => {
  const browser = sharedBrowser();

  it('retries failed jobs, removes an image, refreshes an artist and removes an artist, each saying what it did', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
      const failed = async (): Promise<number> => (await providers.client.queue.counts()).filter((row) => row.state === 'failed').reduce((sum, row) => sum + row.jobs, 0);
      // A job that failed for good (the fixture's broken fetch is still retrying).
      const { queue } = providers.client;
      await queue.enqueue({ url: 'https://example.org/gone.json', provider: 'example', request: {} });
      const [claimed] = await queue.claim('test-worker', 1, ['example']);
      expect(await queue.fail(claimed!, 'test-worker', 'HTTP 410', { final: true })).toBe('failed');
      expect(await failed()).toBe(1);
      await page.goto(dashboard.url);
      await page.getByRole('button', { name: 'Retry the 1 failed jobs' }).click();
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 20_000 }).toBe('1 failed jobs queued again.');
      expect(await failed()).toBe(0);

      // Pause every worker of the cache directory for the show, then resume them.
      await page.getByRole('button', { name: 'Pause the workers' }).click();
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 20_000 }).toMatch(/^Workers paused/);
      expect(await page.locator('#workers').textContent()).toMatch(/paused/);
      expect(await providers.client.workersPaused()).toBe(true);
      await page.getByRole('button', { name: 'Resume the workers' }).click();
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 20_000 }).toBe('Workers resumed.');
      expect(await providers.client.workersPaused()).toBe(false);

      const fanart = async (): Promise<number> => (await providers.storage.retrieveByIdentifier({ identifier: 'björk', dataType: 'fanart' })).length;
      const before = await fanart();
      await page.goto(`${dashboard.url}/artists/Bj%C3%B6rk`);
      await page.locator('.images[data-type="fanart"] a').first().click();
      await page.waitForURL(/\/view\//);
      await page.getByRole('button', { name: 'Remove this image' }).click();
      await page.waitForURL(/\/artists\/bj%C3%B6rk\?notice=/);
      expect(await page.locator('#notice').textContent()).toBe('Removed the image.');
      expect(await fanart()).toBe(before - 1);
      expect(await page.locator('.images[data-type="fanart"] img').count()).toBe(before - 1);

      await page.getByRole('button', { name: 'Refresh: fetch again' }).click();
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 20_000 }).toMatch(/^Björk: [1-9]\d* answers marked stale; queued for a worker\.$/);
      // The answers are stale now (still served), and the artist's chain waits for a worker.
      expect(await providers.storage.retrieveByIdentifier({ identifier: 'björk', dataType: 'musicbrainz' })).toEqual([]);
      expect((await providers.storage.retrieveByIdentifier({ identifier: 'björk', dataType: 'fanart' })).length).toBe(before - 1);
      expect((await providers.client.queue.counts()).some((row) => row.state === 'pending' && row.jobs > 0)).toBe(true);

      await page.getByRole('button', { name: 'Remove everything cached for this artist' }).click();
      await page.waitForURL(/\/artists\?notice=/);
      expect(await page.locator('#notice').textContent()).toMatch(/^Removed \d+ entries of björk\.$/);
      expect(await page.locator('#artists').textContent()).not.toMatch(/Björk/);
      expect(await providers.storage.retrieveByIdentifier({ identifier: 'björk', dataType: 'logo' })).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });

  it('refuses an action without this run of the server’s token, or posted by a page of another origin', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await startDashboard(providers, { port: 0 });
    try {
      const page = await browser().newPage();
      await page.goto(`${dashboard.url}/artists/Daft%20Punk`);
      const token = await page.locator('form.action input[name="token"]').first().inputValue();
      const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
        fetch(`${dashboard.url}/actions/purge-artist`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
      expect((await post('artist=Daft+Punk')).status).toBe(403);
      expect((await post(`artist=Daft+Punk&token=${'x'.repeat(token.length)}`)).status).toBe(403);
      expect((await post(`artist=Daft+Punk&token=${encodeURIComponent(token)}`, { origin: 'https://evil.example' })).status).toBe(403);
      // A redirect elsewhere is never what "back" gives.
      const done = await post(`artist=Daft+Punk&token=${encodeURIComponent(token)}&back=${encodeURIComponent('//evil.example/x')}`);
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toMatch(/^\/artists\?notice=/);
      expect(await providers.storage.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'fanart' })).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});

describe.skipIf(chromiumPath === undefined)('pre-caching from the dashboard in Chromium', () => {
  const browser = sharedBrowser();

  it('lists the libraries found on the computer, pre-caches one with live progress while a worker drains it, and takes no path a form names', async () => {
    const { providers } = await cacheWithArtists();
    // A Mac whose VirtualDJ keeps its database in the usual place.
    const home = await temporaryDirectory();
    await mkdir(join(home, 'Documents', 'VirtualDJ'), { recursive: true });
    await copyFile(fileURLToPath(new URL('../fixtures/libraries/database.xml', import.meta.url)), join(home, 'Documents', 'VirtualDJ', 'database.xml'));
    const dashboard = await startDashboard(providers, { port: 0, libraries: { platform: 'darwin', home } });
    const worker = providers.client.startWorker({ refreshAhead: false });
    try {
      const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${dashboard.url}/precache`);
      const row = page.locator('#libraries tbody tr');
      expect(await row.count()).toBe(1);
      expect(await row.textContent()).toMatch(/virtualdj.*Documents\/VirtualDJ\/database\.xml/s);
      await row.getByRole('button', { name: 'Pre-cache' }).click();
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 20_000 }).toMatch(/^Pre-caching the virtualdj library/);
      // The page follows the run (it reloads every 2 s) until the worker has drained it.
      await expect.poll(async () => { await page.reload(); return page.locator('#precache-progress').getAttribute('data-finished'); }, { timeout: 60_000, interval: 1000 }).toBe('1');
      expect(await page.locator('#precache-counts').textContent()).toMatch(/^3 of 3 artists done · \d found, \d not found, \d failed · \d+ images queued$/);
      await page.screenshot({ path: fileURLToPath(new URL('../../test-results/dashboard/precache.png', import.meta.url)), fullPage: true });

      // Only a library the dashboard found itself: a form naming another file is refused.
      const token = await page.locator('form.action input[name="token"]').first().inputValue();
      const forged = await fetch(`${dashboard.url}/actions/precache`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}&library=${encodeURIComponent('/etc/passwd')}` });
      expect(forged.status).toBe(400);
      expect(await forged.json()).toMatchObject({ error: 'Choose one of the libraries found on this computer.' });
    } finally {
      await worker.stop();
      await dashboard.close();
    }
  });
});
