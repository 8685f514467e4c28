import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpStatusError, InvalidArgumentError, InvalidJsonError, type Logger } from '../../src/index.js';
import { startServer, type Route } from '../helpers/http-server.js';
import { makeTestProviders } from '../helpers/providers.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { createProviders } from '../../src/index.js';

const KEY = 'Zq7SECRETkey9981';

const json =
  (body: unknown, status = 200): Route =>
  (_request, response) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Everything a logger was told, as one string, to search for secrets. */
function recordingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const record = (message: string, details?: Record<string, unknown>): void => {
    lines.push(message + JSON.stringify(details ?? {}));
  };
  return { logger: { debug: record, info: record, warn: record, error: record }, text: () => lines.join('\n') };
}

/** The bytes of the database and its write-ahead log, as text, to search for secrets. */
async function databaseText(cacheDir: string): Promise<string> {
  const parts = await Promise.all(['datacache.sqlite', 'datacache.sqlite-wal'].map((name) => readFile(join(cacheDir, name)).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts).toString('latin1');
}

describe('ApiProvider', () => {
  it("TheAudioDB: the key goes into the path as the request leaves, and nowhere else: not the cache key, the queue, events, logs or errors", async () => {
    const artist = { artists: [{ idArtist: '111492', strArtist: 'Daft Punk', strMusicBrainzID: '056e4f3e-d505-4dad-8ec1-d04f521cbb56' }] };
    const server = await startServer({
      [`/api/v1/json/${KEY}/search.php`]: json(artist),
      [`/api/v1/json/${KEY}/artist.php`]: json({ error: 'forbidden' }, 403),
    });
    const { logger, text } = recordingLogger();
    const { providers, cacheDir } = await makeTestProviders({ logger, providers: { theaudiodb: { baseUrl: server.url(''), apiKey: KEY } } });
    const events: unknown[] = [];
    for (const name of ['hit', 'miss', 'fetch', 'stored', 'error', 'queued'] as const) providers.client.on(name, (event) => events.push(event));

    const url = `https://www.theaudiodb.com/api/v1/json/${KEY}/search.php?s=daft%20punk`;
    expect(await providers.api.cacheApiResponse({ url, identifier: 'daft punk', provider: 'theaudiodb' })).toEqual(artist);
    expect(await providers.api.cacheApiResponse({ url, identifier: 'daft punk', provider: 'theaudiodb' })).toEqual(artist);
    expect(server.requests.map((request) => request.path)).toEqual([`/api/v1/json/${KEY}/search.php?s=daft%20punk`]);
    const [summary] = await providers.storage.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'api' });
    expect(summary!.url).toBe(`${server.url('')}/api/v1/json/apikey/search.php?s=daft%20punk`);

    const failing = `https://www.theaudiodb.com/api/v1/json/${KEY}/artist.php?i=111492`;
    const error = await providers.api.cacheApiResponse({ url: failing, identifier: 'daft punk', provider: 'theaudiodb' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpStatusError);
    await providers.api.cacheApiResponse({ url: `https://www.theaudiodb.com/api/v1/json/${KEY}/album.php?i=111492`, identifier: 'daft punk', provider: 'theaudiodb', immediate: false });

    expect(JSON.stringify(events)).toContain('search.php');
    expect(JSON.stringify(events)).not.toContain(KEY);
    expect(`${(error as Error).message} ${(error as HttpStatusError).url}`).not.toContain(KEY);
    expect(text()).not.toContain(KEY);
    await providers.storage.idle();
    expect(await databaseText(cacheDir)).not.toContain(KEY);
    expect(JSON.stringify(await providers.stats())).not.toContain(KEY);
  });

  it('fanart.tv and Discogs: the key goes in a header, and a key left in the URL is taken out of it', async () => {
    const server = await startServer({ '/v3/music/056e4f3e-d505-4dad-8ec1-d04f521cbb56': json({ name: 'Daft Punk' }), '/artists/1289': json({ id: 1289 }) });
    const { providers } = await makeTestProviders({
      providers: { fanarttv: { baseUrl: server.url(''), apiKey: KEY }, discogs: { baseUrl: server.url(''), apiKey: 'discogs-token-1' } },
    });
    await providers.api.cacheApiResponse({
      url: `https://webservice.fanart.tv/v3/music/056e4f3e-d505-4dad-8ec1-d04f521cbb56?api_key=${KEY}`,
      identifier: '056e4f3e-d505-4dad-8ec1-d04f521cbb56',
      provider: 'fanarttv',
    });
    await providers.api.cacheApiResponse({ url: 'https://api.discogs.com/artists/1289', identifier: 'daft punk', provider: 'discogs' });
    expect(server.requests.map((request) => request.path)).toEqual(['/v3/music/056e4f3e-d505-4dad-8ec1-d04f521cbb56', '/artists/1289']);
    expect(server.requests[0]!.headers['api-key']).toBe(KEY);
    expect(server.requests[1]!.headers.authorization).toBe('Discogs token=discogs-token-1');
    expect(providers.api.cacheUrl('fanarttv', `https://webservice.fanart.tv/v3/music/x?api_key=${KEY}`)).toBe(`${server.url('')}/v3/music/x`);
  });

  it('Last.fm: api_key is added to the query as the request leaves; one cache entry whatever key is configured', async () => {
    const server = await startServer({ '/2.0/': json({ artist: { name: 'Air', bio: { summary: 'French duo' } } }) });
    const cacheDir = await temporaryDirectory();
    const url = 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air&format=json';
    for (const apiKey of ['first-key-111', 'second-key-222']) {
      const { providers } = await makeTestProviders({ cacheDir, providers: { lastfm: { baseUrl: server.url(''), apiKey } } });
      expect(await providers.api.cacheApiResponse({ url: `${url}&api_key=${apiKey}`, identifier: 'air', provider: 'lastfm' })).toMatchObject({ artist: { name: 'Air' } });
      await providers.close();
    }
    expect(server.requests).toHaveLength(1);
    expect(new URL(server.requests[0]!.path, 'http://x').searchParams.get('api_key')).toBe('first-key-111');
  });

  it('never stores a body that is not JSON: the stale copy is served meanwhile, and without one the error says what came', async () => {
    let answer: Route = json({ artists: [{ strArtist: 'Air' }] });
    const server = await startServer({ '/api/v1/json/123/search.php': (request, response) => { answer(request, response); } });
    const { providers, clock } = await makeTestProviders({ providers: { theaudiodb: { baseUrl: server.url('') } } });
    const url = 'https://www.theaudiodb.com/api/v1/json/123/search.php?s=air';
    const first = await providers.api.cacheApiResponse({ url, identifier: 'air', provider: 'theaudiodb', ttlSeconds: 60 });
    answer = (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Down for maintenance</body></html>');
    clock.advance(61_000);
    expect(await providers.api.cacheApiResponse({ url, identifier: 'air', provider: 'theaudiodb', ttlSeconds: 60 })).toEqual(first);
    const error = await providers.api
      .cacheApiResponse({ url: `${url}&x=1`, identifier: 'air', provider: 'theaudiodb' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidJsonError);
    expect((error as Error).message).toMatch(/text\/html that is not valid JSON/);
    expect(await providers.storage.retrieveSummaryByUrl(`${server.url('')}/api/v1/json/123/search.php?s=air&x=1`, { allowStale: true })).toBeNull();
  });

  it("remembers a preset's 404 for a day, so the next track does not ask again", async () => {
    const server = await startServer({});
    const { providers, clock } = await makeTestProviders({ providers: { fanarttv: { baseUrl: server.url('') } } });
    const url = 'https://webservice.fanart.tv/v3/music/00000000-0000-4000-8000-000000000000';
    expect(await providers.api.cacheApiResponse({ url, identifier: 'nobody', provider: 'fanarttv' })).toBeNull();
    clock.advance(23 * 3_600_000);
    expect(await providers.api.cacheApiResponse({ url, identifier: 'nobody', provider: 'fanarttv' })).toBeNull();
    expect(server.requests).toHaveLength(1);
    clock.advance(2 * 3_600_000);
    expect(await providers.api.cacheApiResponse({ url, identifier: 'nobody', provider: 'fanarttv' })).toBeNull();
    expect(server.requests).toHaveLength(2);
  });

  it('files a biography under the normalised artist with its language', async () => {
    const server = await startServer({ '/2.0/': json({ artist: { name: 'Daft Punk', bio: { summary: 'Duo français' } } }) });
    const { providers } = await makeTestProviders({ providers: { lastfm: { baseUrl: server.url('') } } });
    const bio = await providers.api.cacheArtistBio({
      url: 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Daft+Punk&lang=fr&format=json',
      artistIdentifier: 'DAFT PUNK',
      provider: 'lastfm',
      language: 'fr',
    });
    expect(bio).toMatchObject({ artist: { bio: { summary: 'Duo français' } } });
    const [summary] = await providers.storage.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'bio' });
    expect(summary!.metadata).toEqual({ language: 'fr' });
    await expect(providers.api.cacheArtistBio({ url: 'https://ws.audioscrobbler.com/2.0/', artistIdentifier: 'x', provider: 'lastfm', language: 'French' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('queues with immediate: false, and a worker signs the queued request with its own key', async () => {
    const server = await startServer({ '/v3/music/abc': json({ name: 'Air' }) });
    const { providers } = await makeTestProviders({ providers: { fanarttv: { baseUrl: server.url(''), apiKey: KEY } } });
    expect(await providers.api.cacheApiResponse({ url: 'https://webservice.fanart.tv/v3/music/abc', identifier: 'air', provider: 'fanarttv', immediate: false })).toBeNull();
    expect(server.requests).toHaveLength(0);
    expect(await providers.processQueue({ provider: 'fanarttv' })).toEqual({ processed: 1, succeeded: 1, failed: 0 });
    expect(server.requests[0]!.headers['api-key']).toBe(KEY);
    expect(await providers.api.cacheApiResponse({ url: 'https://webservice.fanart.tv/v3/music/abc', identifier: 'air', provider: 'fanarttv' })).toEqual({ name: 'Air' });
  });

  it('refuses unusable provider settings with a message that says what to do', () => {
    const cases: [unknown, RegExp][] = [
      [{ myapi: { apiKey: 'x' } }, /does not know how myapi takes a key/],
      [{ lastfm: { apiKey: 'has space' } }, /without spaces/],
      [{ musicbrainz: { baseUrl: 'musicbrainz.example.org' } }, /http\(s\) URL/],
      [{ lastfm: { ttlSeconds: 'a week' } }, /ttlSeconds must be a finite number/],
      [{ lastfm: 'fast' }, /providers.lastfm must be an object/],
    ];
    for (const [providers, message] of cases) {
      expect(() => createProviders({ providers: providers as never })).toThrow(message);
    }
  });
});
