import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/dashboard-server.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { cacheWithArtists, HOSTILE_ARTIST, SECRET } from './dashboard-fixture.js';
import { getWithHost } from './raw-request.js';
import { serve } from './serve-dashboard.js';
import type { RatesView } from '../../src/dashboard/rates-data.js';
import { startServer } from '../helpers/http-server.js';
import { makeTestProviders } from '../helpers/providers.js';


describe('the dashboard server', () => {
  it('answers /image/random with a random cached image and its Content-Type, fresh on every request', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const hits = async (): Promise<number> => ((await (await fetch(`${dashboard.url}/api/overview`)).json()) as { stats: { analytics: { totals: { hits: number } } } }).stats.analytics.totals.hits;
    const hitsBefore = await hits();
    const picks = new Set<string>();
    for (let request = 0; request < 20; request += 1) {
      const response = await fetch(`${dashboard.url}/image/random?artist=${encodeURIComponent('DAFT  punk')}&type=fanart`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await response.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
      picks.add(response.headers.get('x-datacache-cachekey')!);
    }
    // 20 fanart images cached: 20 draws giving one image every time would be a broken random.
    expect(picks.size).toBeGreaterThan(1);
    // Each image an overlay showed is a read that served someone: counted once. The overview's
    // own requests count nothing.
    expect(await hits()).toBe(hitsBefore + 20);
    const none = await fetch(`${dashboard.url}/image/random?artist=Nobody&type=fanart`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'No cached fanart for "Nobody".' });
    const bad = await fetch(`${dashboard.url}/image/random?type=fanart`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/Give the artist/);
  });

  it('serves the overview, artists and images as JSON under /api/', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const overview = (await (await fetch(`${dashboard.url}/api/overview`)).json()) as {
      stats: { storage: { entries: number; budget: { maxSizeBytes: number } }; analytics: { totals: { hits: number; misses: number }; timeline: unknown[] }; queue: { byState: { pending: number } } };
      rateLimits: { provider: string; ratePerSecond: number | string }[];
      recentErrors: { url: string; error: string }[];
    };
    expect(overview.stats.storage.entries).toBeGreaterThan(40);
    expect(overview.stats.analytics.totals.hits).toBeGreaterThanOrEqual(5);
    expect(overview.stats.analytics.totals.misses).toBeGreaterThan(0);
    expect(overview.stats.analytics.timeline.length).toBeGreaterThan(0);
    expect(overview.rateLimits.find((limit) => limit.provider === 'musicbrainz')?.ratePerSecond).toBe('unlimited');
    expect(overview.recentErrors).toHaveLength(1);
    expect(overview.recentErrors[0]!.url).toMatch(/\/broken\/fanart\.png/);
    expect(JSON.stringify(overview)).not.toContain(SECRET);

    // Search ignores case and accents both ways: "DÄFT" finds Daft Punk, "bjork" finds Björk.
    const artists = (await (await fetch(`${dashboard.url}/api/artists?q=D%C3%84FT`)).json()) as { identifier: string; displayName: string }[];
    expect(artists.map((artist) => [artist.identifier, artist.displayName])).toEqual([['daft punk', 'Daft Punk']]);
    const found = (await (await fetch(`${dashboard.url}/api/artists?q=bjork`)).json()) as { identifier: string; images: Record<string, number> }[];
    expect(found).toEqual([{ identifier: 'björk', displayName: 'Björk', images: { banner: 2, fanart: 5, logo: 3, thumbnail: 3 }, bytes: expect.any(Number) as number, lastStoredAt: expect.any(Number) as number }]);
    const images = (await (await fetch(`${dashboard.url}/api/artists/${encodeURIComponent('Björk')}`)).json()) as { images: Record<string, { cachekey: string; mimeType: string; width: number }[]> };
    expect(images.images.logo).toHaveLength(3);
    expect(images.images.logo![0]).toMatchObject({ mimeType: 'image/png', width: 4, height: 3 });
    const one = await fetch(`${dashboard.url}/image/${images.images.logo![0]!.cachekey}`);
    expect(one.headers.get('content-type')).toBe('image/png');
    expect(one.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('shows the rate limits live: what each limit let through in each of the last 60 seconds, and the rate now', async () => {
    const origin = await startServer({});
    origin.fallback = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    // 'example' has a limit (one that never makes this test wait); 'cdn' has none.
    const { providers, clock } = await makeTestProviders({ providers: { example: { ratePerSecond: 50, burst: 50 } } }, ['cdn']);
    const get = (provider: string, index: number) => providers.client.getOrFetch({ url: origin.url(`/${provider}/${index}`), identifier: 'x', provider, dataType: 'api' });
    for (let index = 0; index < 3; index++) await get('example', index);
    clock.advance(1000);
    for (let index = 3; index < 5; index++) await get('example', index);
    for (let index = 0; index < 4; index++) await get('cdn', index);
    clock.advance(1000); // both seconds are whole now
    const dashboard = await serve(providers, { port: 0 });

    const view = (await (await fetch(`${dashboard.url}/api/rates`)).json()) as RatesView;
    expect(view.seconds).toBe(60);
    const example = view.providers.find((row) => row.provider === 'example')!;
    expect(example).toMatchObject({ ratePerSecond: 50, burst: 50, recentRate: 0.5, queued: 0, cooldownUntil: null });
    expect(example.grantsPerSecond).toHaveLength(60);
    expect(example.grantsPerSecond!.slice(-2)).toEqual([3, 2]);
    expect(example.grantsPerSecond!.reduce((sum, count) => sum + count, 0)).toBe(5);
    const cdn = view.providers.find((row) => row.provider === 'cdn')!;
    expect(cdn).toMatchObject({ ratePerSecond: 'unlimited', grantsPerSecond: null });
    expect(cdn.recentRate).toBeGreaterThan(0); // from the 4 fetches the analytics counted
    expect(view.providers.find((row) => row.provider === 'discogs')?.recentRate).toBe(0);

    const response = await fetch(`${dashboard.url}/rates`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('<meta http-equiv="refresh" content="2">');
    const exampleRow = /<tr data-provider="example">([\s\S]*?)<\/tr>/.exec(text)?.[1] ?? '';
    expect(exampleRow).toContain('<td data-label="now" class="number now" title="1 % of the limit">30/min</td>');
    expect(exampleRow).toMatch(/<svg class="sparkline"[^>]*data-provider="example" data-grants="5">/);
    expect(exampleRow.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(/<tr data-provider="cdn">[\s\S]*?<\/tr>/.exec(text)?.[0]).toContain('>no limit</span>');
    expect(/<tr data-provider="discogs">[\s\S]*?<\/tr>/.exec(text)?.[0]).toMatch(/<td data-label="now" class="number now"[^>]*>-<\/td>/);
  });

  it('escapes names from the internet in its pages and keeps keys out of them', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const list = await (await fetch(`${dashboard.url}/artists`)).text();
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(list).not.toContain(HOSTILE_ARTIST);
    const overview = await fetch(`${dashboard.url}/`);
    expect(overview.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    // Read without the <wbr> break points, which would otherwise hide a key split by them.
    const page = (await overview.text()).replaceAll('<wbr>', '');
    expect(page).toContain('/broken/fanart.png');
    expect(page).not.toContain(SECRET);
  });

  it('only reads: browsing every page asks no service for anything', async () => {
    const { services, providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const before = services.server.requests.length;
    const images = (await (await fetch(`${dashboard.url}/api/artists/daft%20punk`)).json()) as { images: Record<string, { cachekey: string }[]> };
    for (const path of ['/', '/api/overview', '/artists', '/artists?q=daft', '/artists/daft%20punk', `/view/${images.images.fanart![0]!.cachekey}`, '/api/queue', '/artists/somebody%20new', '/image/random?artist=somebody%20new&type=logo']) {
      const response = await fetch(dashboard.url + path);
      expect([200, 404], path).toContain(response.status);
    }
    expect(services.server.requests.length).toBe(before);
    expect(await providers.client.queue.list({ state: 'pending' })).toHaveLength(1); // the broken one, waiting to retry
  });

  it('refuses other methods, unknown paths, and Host names other than localhost (DNS rebinding)', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    expect((await fetch(`${dashboard.url}/`, { method: 'POST' })).status).toBe(405);
    const unknown = await fetch(`${dashboard.url}/admin`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/Pages: \/, \/artists/);
    // fetch() will not set Host; node:http will, as a browser does for a rebound name.
    expect((await getWithHost(`${dashboard.url}/api/overview`, 'evil.example:8787')).status).toBe(421);
    expect((await getWithHost(`${dashboard.url}/api/overview`, 'localhost:8787')).status).toBe(200);
    expect((await fetch(`${dashboard.url}/api/queue?state=sleeping`)).status).toBe(400);
  });

  it('needs allowRemote to listen on an address other machines reach', async () => {
    const { providers } = await cacheWithArtists();
    await expect(startDashboard(providers, { host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(startDashboard(providers, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/allowRemote: true \(--allow-remote\)/);
    const open = await serve(providers, { host: '0.0.0.0', port: 0, allowRemote: true });
    expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    await expect(startDashboard(providers, { port: 70_000 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
