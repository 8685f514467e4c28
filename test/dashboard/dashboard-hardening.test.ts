import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/dashboard-server.js';
import { InvalidArgumentError } from '../../src/errors.js';
import type { DataCacheProviders } from '../../src/index.js';
import { cacheWithArtists, SECRET } from './dashboard-fixture.js';
import { getWithHost } from './raw-request.js';
import { serve } from './serve-dashboard.js';


const AUDIODB_KEY = '523532';

/**
 * Writes an entry straight into the database, as an import of a whats-now-playing cache can
 * leave it: store() would refuse what these rows hold.
 */
function insertEntry(providers: DataCacheProviders, row: { cachekey: string; identifier: string; dataType: string; mimeType: string | null; data: Buffer }): void {
  const now = Date.now();
  // A connection of its own that waits for the lock: the cache's own connection does not wait
  // inside SQLite (its stores wait in line instead), and its worker may be writing right now.
  const database = new Database(providers.storage.databasePath, { timeout: 20_000 });
  database
    .prepare(
      `INSERT INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type, inline_data, file_path, size, checksum,
         mime_type, metadata, created_at, stored_at, expires_at, last_accessed)
       VALUES (@url, @cachekey, @identifier, @dataType, 'cdn', 200, 'bytes', @data, NULL, @size, 'x', @mimeType, NULL, @now, @now, @expiresAt, @now)`,
    )
    .run({ ...row, url: `https://legacy.example/${encodeURIComponent(row.cachekey)}`, size: row.data.length, now, expiresAt: now + 86_400_000 });
  database.close();
}

const png = (): Promise<Buffer> => sharp({ create: { width: 5, height: 2, channels: 3, background: '#c03' } }).png().toBuffer();

describe('the dashboard, hardened', () => {
  it('redacts the URLs of queued jobs in /api/queue (query keys and TheAudioDB path keys)', async () => {
    const { providers } = await cacheWithArtists();
    await providers.client.queue.enqueue({ url: `https://www.theaudiodb.com/api/v1/json/${AUDIODB_KEY}/search.php?s=air`, provider: 'theaudiodb', request: {} });
    const dashboard = await serve(providers, { port: 0 });
    const response = await fetch(`${dashboard.url}/api/queue`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(AUDIODB_KEY);
    const urls = (JSON.parse(text) as { url: string }[]).map((job) => job.url);
    expect(urls).toContain('https://www.theaudiodb.com/api/v1/json/<redacted>/search.php?s=air');
    expect(urls.some((url) => url.endsWith('/broken/fanart.png?api_key=<redacted>'))).toBe(true);
  });

  it('redacts cool-down reasons everywhere the overview shows them, JSON included', async () => {
    const { providers } = await cacheWithArtists();
    await providers.client.limiter.setCooldown('theaudiodb', Date.now() + 3_600_000, `HTTP 429 from https://www.theaudiodb.com/api/v1/json/${AUDIODB_KEY}/search.php?s=air&api_key=${SECRET}`);
    const dashboard = await serve(providers, { port: 0 });
    for (const path of ['/api/overview', '/']) {
      // Without the <wbr> break points a URL may carry, which could hide a key split by them.
      const text = (await (await fetch(dashboard.url + path)).text()).replaceAll('<wbr>', '');
      expect(text, path).toContain('HTTP 429 from');
      expect(text, path).not.toContain(SECRET);
      expect(text, path).not.toContain(AUDIODB_KEY);
    }
  });

  it('sends Cross-Origin-Resource-Policy: same-origin on every answer, images and errors included', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const images = (await (await fetch(`${dashboard.url}/api/artists/daft%20punk`)).json()) as { images: Record<string, { cachekey: string }[]> };
    const cachekey = images.images.fanart![0]!.cachekey;
    const paths = ['/', '/api/overview', '/artists', '/api/artists', '/artists/daft%20punk', `/view/${cachekey}`, `/image/${cachekey}`, '/image/random?artist=daft%20punk&type=fanart', '/image/random?artist=nobody', '/image/random', '/api/queue', '/nowhere'];
    for (const path of paths) {
      const response = await fetch(dashboard.url + path);
      expect(response.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
    }
    const post = await fetch(`${dashboard.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const rebound = await getWithHost(`${dashboard.url}/image/random?artist=daft%20punk`, 'evil.example');
    expect(rebound.status).toBe(421);
    expect(rebound.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('serves only the image data types from /image/random, and only as image/*', async () => {
    const { providers } = await cacheWithArtists();
    insertEntry(providers, { cachekey: 'api-row', identifier: 'daft punk', dataType: 'api', mimeType: 'application/json', data: Buffer.from('{"artists":[]}') });
    insertEntry(providers, { cachekey: 'html-fanart', identifier: 'html artist', dataType: 'fanart', mimeType: 'text/html', data: Buffer.from('<html><script>alert(1)</script></html>') });
    const dashboard = await serve(providers, { port: 0 });
    for (const type of ['api', 'musicbrainz', 'FANART', '']) {
      const response = await fetch(`${dashboard.url}/image/random?artist=daft%20punk&type=${type}`);
      expect(response.status, type).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ error: `type must be one of thumbnail, logo, banner, fanart, cover; got ${JSON.stringify(type)}.`, code: 'ERR_DATACACHE_INVALID_ARGUMENT' });
    }
    for (const type of ['thumbnail', 'logo', 'banner', 'fanart']) {
      const response = await fetch(`${dashboard.url}/image/random?artist=daft%20punk&type=${type}`);
      expect(response.status, type).toBe(200);
      expect(response.headers.get('content-type'), type).toMatch(/^image\//);
    }
    // A fanart row that holds a web page is not an image: there is none to serve.
    const html = await fetch(`${dashboard.url}/image/random?artist=html%20artist&type=fanart`);
    expect(html.status).toBe(404);
    expect((await fetch(`${dashboard.url}/image/html-fanart`)).status).toBe(404);
  });

  it('never puts a stored cache key or MIME type with control characters into a header: another image, or 404, never 500', async () => {
    const { providers } = await cacheWithArtists();
    const image = await png();
    const artist = 'whats now playing';
    insertEntry(providers, { cachekey: 'legacy-good\r\nx-injected: 1', identifier: artist, dataType: 'fanart', mimeType: 'image/png\r\nx-injected: 1', data: image });
    insertEntry(providers, { cachekey: 'legacy-text', identifier: artist, dataType: 'fanart', mimeType: 'image/png\n', data: Buffer.from('not an image at all') });
    insertEntry(providers, { cachekey: 'legacy-page', identifier: artist, dataType: 'fanart', mimeType: 'text/html\r\n', data: Buffer.from('<html></html>') });
    insertEntry(providers, { cachekey: 'legacy-bad\u0000key', identifier: 'only broken', dataType: 'fanart', mimeType: 'image/png\r\n', data: Buffer.from('GIF? no') });
    insertEntry(providers, { cachekey: 'legacy-typed', identifier: 'typed', dataType: 'logo', mimeType: 'image/png; x=1', data: image });
    const dashboard = await serve(providers, { port: 0 });
    for (let request = 0; request < 20; request += 1) {
      const response = await fetch(`${dashboard.url}/image/random?artist=${encodeURIComponent(artist)}&type=fanart`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png'); // sniffed from the bytes
      expect(response.headers.get('x-datacache-cachekey')).toBeNull();
      expect(response.headers.get('x-injected')).toBeNull();
      expect(Buffer.from(await response.arrayBuffer()).equals(image)).toBe(true);
    }
    const none = await fetch(`${dashboard.url}/image/random?artist=only%20broken&type=fanart`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'No cached fanart for "only broken".' });
    // A MIME type with parameters is not a plain image type: the bytes decide.
    const typed = await fetch(`${dashboard.url}/image/random?artist=typed&type=logo`);
    expect(typed.headers.get('content-type')).toBe('image/png');
    expect(typed.headers.get('x-datacache-cachekey')).toBe('legacy-typed');
    // The same rows by cache key.
    const good = await fetch(`${dashboard.url}/image/${encodeURIComponent('legacy-good\r\nx-injected: 1')}`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toBe('image/png');
    for (const cachekey of ['legacy-text', 'legacy-page', 'legacy-bad\u0000key']) {
      const response = await fetch(`${dashboard.url}/image/${encodeURIComponent(cachekey)}`);
      expect(response.status, cachekey).toBe(404);
    }
    // The artist's page and the image's page still show (escaped, redacted).
    expect((await fetch(`${dashboard.url}/artists/${encodeURIComponent(artist)}`)).status).toBe(200);
    expect((await fetch(`${dashboard.url}/view/${encodeURIComponent('legacy-good\r\nx-injected: 1')}`)).status).toBe(200);
  });

  it('keeps the Host check when remote: IP literals, localhost, this machine and allowedHosts only (DNS rebinding)', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { host: '0.0.0.0', port: 0, allowRemote: true, allowedHosts: ['studio.example', 'Booth-PC'] });
    const target = `http://127.0.0.1:${new URL(dashboard.url).port}/api/overview`;
    const machine = hostname().toLowerCase().replace(/\.local$/u, '');
    const accepted = ['192.168.1.20:8787', '10.0.0.5', '0.0.0.0:8787', '[fe80::1]:8787', '[2001:db8::7]', 'localhost:8787', '127.0.0.1', '[::1]:8787', machine, `${machine}.local:8787`, 'studio.example', 'STUDIO.example:8787', 'booth-pc'];
    for (const host of accepted) expect((await getWithHost(target, host)).status, host).toBe(200);
    const refused = ['evil.example', 'evil.example:8787', 'studio.example.evil.example', '192.168.1.20.evil.example', '[fe80::1]evil.example', `${machine}.evil.example`, '999.1.1.1', 'studio.example:', 'studio.example:80:80', ''];
    for (const host of refused) expect((await getWithHost(target, host)).status, JSON.stringify(host)).toBe(421);
    // Node refuses an HTTP/1.1 request without Host itself (400); either way it is not answered.
    expect([400, 421]).toContain((await getWithHost(target, undefined)).status);
  });

  it('checks allowedHosts: a list of host names, without scheme, port or wildcard', async () => {
    const { providers } = await cacheWithArtists();
    const attempts: unknown[] = ['studio.example', [''], ['http://studio.example'], ['studio.example:8787'], ['*.example'], ['studio example'], [42], ['a..b']];
    for (const allowedHosts of attempts) {
      const attempt = startDashboard(providers, { port: 0, allowedHosts: allowedHosts as string[] });
      await expect(attempt, JSON.stringify(allowedHosts)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(attempt).rejects.toThrow(/^allowedHosts/);
    }
    await expect(startDashboard(providers, { port: 0, allowedHosts: ['http://studio.example'] })).rejects.toThrow(
      'allowedHosts[0] must be a host name such as studio.local (letters, digits, "-", "_" and dots; no scheme, port or wildcard), got "http://studio.example".',
    );
    const dashboard = await serve(providers, { port: 0, allowedHosts: ['studio.example'] });
    // On loopback too: a name the user mapped to 127.0.0.1 themselves.
    expect((await getWithHost(`${dashboard.url}/`, 'studio.example:8787')).status).toBe(200);
    expect((await getWithHost(`${dashboard.url}/`, '192.168.1.20')).status).toBe(421);
  });

  it('parses the Host header strictly on loopback: [::1]evil.example and its kind are not localhost', async () => {
    const { providers } = await cacheWithArtists();
    const dashboard = await serve(providers, { port: 0 });
    const url = `${dashboard.url}/api/overview`;
    const refused = [
      '[::1]evil.example',
      '[::1]:8787evil.example',
      '[::1].evil.example',
      '[::1]:',
      '[::1',
      '127.0.0.1.evil.example',
      '127.0.0.1:8787.evil.example',
      '127.999.0.1',
      '127.0.0.1:',
      '127.0.0.1:99999',
      'localhost.evil.example',
      'localhost:8787:8787',
      'localhost:abc',
      'evil.localhost.example',
      'user@localhost',
      '[fe80::1]',
      '192.168.1.20',
      '',
    ];
    for (const host of refused) expect((await getWithHost(url, host)).status, JSON.stringify(host)).toBe(421);
    // Node refuses an HTTP/1.1 request without Host itself (400); either way it is not answered.
    expect([400, 421]).toContain((await getWithHost(url, undefined)).status);
    for (const host of ['localhost', 'LOCALHOST:8787', '127.0.0.1:8787', '127.8.9.10', '[::1]', '[::1]:8787', '[0:0:0:0:0:0:0:1]:8787']) {
      expect((await getWithHost(url, host)).status, host).toBe(200);
    }
  });
});
