import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createProviders, DatabaseCorruptError, InvalidArgumentError, type DataCacheProviders, type DataCacheProvidersOptions } from '../../src/index.js';
import { PrivateAddressError } from '../../src/http/http-errors.js';
import { startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { startServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const made: DataCacheProviders[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((providers) => providers.close()));
});

async function open(options: DataCacheProvidersOptions = {}): Promise<DataCacheProviders> {
  const providers = createProviders({ userAgent: 'datacache-tests/1.0 ( tests@example.org )', cacheDir: await temporaryDirectory(), storage: { maintenanceIntervalSeconds: 0 }, ...options });
  made.push(providers);
  await providers.initialize();
  return providers;
}

const KEY = 'FANART-SECRET-KEY-1234567';
const unlimited = { ratePerSecond: Infinity };

describe('keys go only where they belong', () => {
  it("adds a preset's key only for its mirror's origin, not for a stranger's URL filed under the provider", async () => {
    const mirror = await startServer({ '/v3/music/abc': (_request, response) => response.writeHead(200).end('{"name":"x"}') });
    const stranger = await startServer({
      '/collect': (_request, response) => response.writeHead(200).end('{"thanks":true}'),
      '/fanart.png': (_request, response) => response.writeHead(200).end(png(4, 4)),
    });
    const providers = await open({ providers: { fanarttv: { apiKey: KEY, baseUrl: mirror.url(''), ...unlimited } } });
    await providers.api.cacheApiResponse({ url: mirror.url('/v3/music/abc'), identifier: 'x', provider: 'fanarttv' });
    expect(mirror.requests[0]!.headers['api-key']).toBe(KEY);
    await providers.api.cacheApiResponse({ url: stranger.url('/collect'), identifier: 'x', provider: 'fanarttv' });
    await providers.images.cacheArtistFanart({ url: stranger.url('/fanart.png'), artistIdentifier: 'x', provider: 'fanarttv' });
    expect(stranger.requests).toHaveLength(2);
    for (const seen of stranger.requests) expect(JSON.stringify(seen.headers)).not.toContain(KEY);
  });

  it('drops the key when its origin redirects somewhere else', async () => {
    const elsewhere = await startServer({ '/landing.json': (_request, response) => response.writeHead(200).end('{}') });
    const mirror = await startServer({ '/v3/music/abc': (_request, response) => response.writeHead(302, { location: elsewhere.url('/landing.json') }).end() });
    const providers = await open({ providers: { fanarttv: { apiKey: KEY, baseUrl: mirror.url(''), ...unlimited } } });
    await providers.api.cacheApiResponse({ url: mirror.url('/v3/music/abc'), identifier: 'x', provider: 'fanarttv' });
    expect(mirror.requests[0]!.headers['api-key']).toBe(KEY);
    expect(elsewhere.requests[0]!.headers['api-key']).toBeUndefined();
  });

  it('sends configured headers to the provider’s origin only, and needs a baseUrl to know it', async () => {
    const mirror = await startServer({ '/data.json': (incoming, response) => response.writeHead(incoming.headers['x-mirror-token'] === 'T0KEN' ? 200 : 401).end('{}') });
    const stranger = await startServer({ '/data.json': (_request, response) => response.writeHead(200).end('{}') });
    const providers = await open({ providers: { mymirror: { baseUrl: mirror.url(''), headers: { 'X-Mirror-Token': 'T0KEN' }, ...unlimited } } });
    await providers.api.cacheApiResponse({ url: mirror.url('/data.json'), identifier: 'x', provider: 'mymirror' });
    await providers.api.cacheApiResponse({ url: stranger.url('/data.json'), identifier: 'x', provider: 'mymirror' });
    expect(stranger.requests[0]!.headers['x-mirror-token']).toBeUndefined();
    expect(() => createProviders({ providers: { other: { headers: { authorization: 'Bearer x' } } } })).toThrow(/needs providers.other.baseUrl/);
    expect(() => createProviders({ providers: { mymirror: { baseUrl: mirror.url(''), headers: { 'bad name': 'x' } } } })).toThrow(InvalidArgumentError);
  });

  it('sends a user name and password in a mirror URL as Basic authentication, and shows them nowhere', async () => {
    const { server } = await startFakeMusicBrainz();
    const withPassword = server.url('').replace('http://', 'http://dj:PA55W0RD@');
    const providers = await open({ providers: { musicbrainz: { baseUrl: withPassword, ...unlimited } } });
    expect((await providers.musicbrainz.searchArtists('Daft Punk'))?.count).toBe(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('dj:PA55W0RD').toString('base64')}`);
    expect(providers.musicbrainz.baseUrl).not.toContain('PA55W0RD');
    const stats = JSON.stringify(await providers.stats());
    const jobs = JSON.stringify(await providers.client.queue.list());
    expect(stats + jobs).not.toContain('PA55W0RD');
    await providers.close();
    const database = await readFile(join(providers.cacheDir, 'datacache.sqlite'));
    expect(database.includes('PA55W0RD')).toBe(false);
  });

  it('keeps keys and passwords out of util.inspect, JSON and the fingerprint', async () => {
    const providers = createProviders({ cacheDir: await temporaryDirectory(), providers: { fanarttv: { apiKey: KEY }, musicbrainz: { baseUrl: 'http://dj:PA55W0RD@mirror.lan:5000' } } });
    made.push(providers);
    for (const shown of [inspect(providers, { showHidden: true, depth: 10 }), JSON.stringify(providers), providers.fingerprint, inspect(providers.api, { showHidden: true, depth: 10 }), inspect(providers.images, { showHidden: true, depth: 10 })]) {
      expect(shown).not.toContain(KEY);
      expect(shown).not.toContain('PA55W0RD');
    }
  });
});

describe('one way in for every URL', () => {
  it('getOrFetch moves a URL to the provider’s mirror, takes its key out of the cached URL, and files artist data under the normalised artist', async () => {
    const mirror = await startServer({
      '/api/v1/json/AUDIODB-KEY-999/artist.php': (_request, response) => response.writeHead(200).end('{"artists":[]}'),
      '/images/fanart.png': (_request, response) => response.writeHead(200).end(png(6, 6)),
    });
    const providers = await open({ providers: { theaudiodb: { apiKey: 'AUDIODB-KEY-999', baseUrl: mirror.url(''), ...unlimited }, cdn: unlimited } });
    const entry = await providers.getOrFetch({ url: 'https://www.theaudiodb.com/api/v1/json/AUDIODB-KEY-999/artist.php?i=1', provider: 'theaudiodb', dataType: 'api', identifier: 'x' });
    expect(entry!.url).toBe(`${mirror.url('')}/api/v1/json/apikey/artist.php?i=1`);
    expect(mirror.requests[0]!.path).toBe('/api/v1/json/AUDIODB-KEY-999/artist.php?i=1');
    await providers.getOrFetch({ url: mirror.url('/images/fanart.png'), provider: 'cdn', dataType: 'fanart', identifier: 'Daft Punk' });
    expect(await providers.images.getRandomImage({ artistIdentifier: 'daft punk', imageType: 'fanart' })).not.toBeNull();
    await expect(providers.getOrFetch({ url: 'ftp://x', provider: 'cdn', dataType: 'api', identifier: 'x' })).rejects.toThrow(InvalidArgumentError);
  });

  it('fillQueue keeps URLs from provider answers out of the local network unless told they are trusted', async () => {
    const local = await startServer({ '/admin.png': (_request, response) => response.writeHead(200).end(png(4, 4)) });
    const providers = await open({ providers: { cdn: unlimited } });
    const [queued] = await providers.images.fillQueue({ artistIdentifier: 'x', imageType: 'fanart', urls: [local.url('/admin.png')] });
    const report = await providers.processQueue({ provider: 'cdn' });
    expect(report).toMatchObject({ processed: 1, failed: 1 });
    expect(local.requests).toHaveLength(0);
    expect((await providers.client.queue.get(queued!))).toMatchObject({ state: 'failed', lastError: expect.stringContaining('private address') as unknown });
    expect(new PrivateAddressError('http://x', 'y').retryable).toBe(false);
  });

  it('takes provider names such as constructor and __proto__ as plain names', async () => {
    const providers = await open({ providers: JSON.parse('{"constructor":{"ratePerSecond":5},"__proto__":{"ratePerSecond":2}}') as DataCacheProvidersOptions['providers'] });
    expect(({} as Record<string, unknown>).ratePerSecond).toBeUndefined();
    expect(providers.client.limiter.limitOf('constructor').ratePerSecond).toBe(5);
    expect(providers.client.limiter.limitOf('__proto__').ratePerSecond).toBe(2);
  });
});

describe('a cache database that cannot be used', () => {
  it('does not stop the app: calls are answered through a stand-in, the fault is said once, the file is left as it was', async () => {
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'datacache.sqlite'), 'this is not a SQLite database, it is a shopping list');
    const { server } = await startFakeMusicBrainz();
    const errors: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message: string) => { errors.push(message); } };
    const standInsBefore = (await readdir(tmpdir())).filter((name) => name.startsWith('datacache-stand-in-')).length;
    const providers = createProviders({ cacheDir, logger, providers: { musicbrainz: { baseUrl: server.url(''), ...unlimited } }, storage: { maintenanceIntervalSeconds: 0 } });
    made.push(providers);
    expect((await providers.musicbrainz.searchArtists('Daft Punk'))?.count).toBe(1);
    expect((await providers.musicbrainz.searchArtists('Daft Punk'))?.count).toBe(1);
    expect(server.requests).toHaveLength(1); // the stand-in caches for this process
    expect(providers.degradedBy).toBeInstanceOf(DatabaseCorruptError);
    expect(errors).toHaveLength(1);
    await providers.close();
    expect(await readFile(join(cacheDir, 'datacache.sqlite'), 'utf8')).toContain('shopping list');
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('datacache-stand-in-'))).toHaveLength(standInsBefore);
  });

  it('moves a corrupt file aside and starts afresh when the user opted in', async () => {
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'datacache.sqlite'), 'not SQLite');
    const providers = await open({ cacheDir, storage: { maintenanceIntervalSeconds: 0, onCorruptDatabase: 'reset' } });
    expect(providers.degradedBy).toBeNull();
    expect((await readdir(cacheDir)).some((name) => name.startsWith('datacache.sqlite.corrupt-'))).toBe(true);
  });
});

describe('JSON caps that fit each provider', () => {
  it('takes 512 KiB from TheAudioDB, 2 MiB from Wikimedia, and what a provider is configured for', async () => {
    const answer = (bytes: number): string => JSON.stringify({ text: 'x'.repeat(bytes) });
    const server = await startServer({
      '/api/v1/json/123/search.php': (_request, response) => response.writeHead(200).end(answer(600 * 1024)),
      '/wiki/Special:EntityData/Q1.json': (_request, response) => response.writeHead(200).end(answer(1536 * 1024)),
    });
    const providers = await open({ providers: { theaudiodb: { baseUrl: server.url(''), ...unlimited }, wikimedia: { baseUrl: server.url(''), ...unlimited } } });
    await expect(providers.api.cacheApiResponse({ url: server.url('/api/v1/json/123/search.php'), identifier: 'x', provider: 'theaudiodb' })).rejects.toMatchObject({ code: 'ERR_DATACACHE_TOO_LARGE' });
    expect(await providers.api.cacheApiResponse({ url: server.url('/wiki/Special:EntityData/Q1.json'), identifier: 'x', provider: 'wikimedia' })).toMatchObject({ text: expect.any(String) as unknown });
    const roomy = await open({ providers: { theaudiodb: { baseUrl: server.url(''), maxBytes: 1024 * 1024, ...unlimited } } });
    expect(await roomy.api.cacheApiResponse({ url: server.url('/api/v1/json/123/search.php'), identifier: 'x', provider: 'theaudiodb' })).toMatchObject({ text: expect.any(String) as unknown });
  });
});
