import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { ArtistSet } from '../../src/precache/artist-names.js';
import { DEFAULT_ARTWORK_LIMITS, type ArtworkType } from '../../src/providers/artist-chain/artwork-sources.js';
import { readLibraryArtists } from '../../src/precache/library/read-library.js';
import { precacheArtists, type PrecacheProgress } from '../../src/precache/precache.js';
import type { DataCacheProviders } from '../../src/index.js';
import { startFakeMusicServices, type FakeArtist, type FakeMusicServices } from '../helpers/fake-music-services.js';
import { makeTestProviders } from '../helpers/providers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/libraries/${name}`, import.meta.url));

async function libraryArtists(name: string): Promise<ArtistSet> {
  const artists = new ArtistSet();
  for await (const field of readLibraryArtists(fixture(name))) artists.addField(field);
  return artists;
}

/** Image URLs the fake services list for an artist, by type (TheAudioDB's then fanart.tv's). */
function available(artist: FakeArtist, fanartTv: boolean): Record<ArtworkType, number> {
  const audioDb = artist.audioDb ? { thumbnail: 1, logo: 1, banner: 1, fanart: 3 } : { thumbnail: 0, logo: 0, banner: 0, fanart: 0 };
  const fromFanartTv = fanartTv && artist.fanartTvBackgrounds > 0 ? { thumbnail: 5, logo: 4, banner: 1, fanart: artist.fanartTvBackgrounds } : { thumbnail: 0, logo: 0, banner: 0, fanart: 0 };
  return {
    thumbnail: audioDb.thumbnail + fromFanartTv.thumbnail,
    logo: audioDb.logo + fromFanartTv.logo,
    banner: audioDb.banner + fromFanartTv.banner,
    fanart: audioDb.fanart + fromFanartTv.fanart,
  };
}

function expectedImages(services: FakeMusicServices, names: string[], fanartTv: boolean): number {
  let total = 0;
  for (const name of names) {
    const artist = services.world.find((candidate) => candidate.name === name)!;
    const counts = available(artist, fanartTv);
    for (const type of Object.keys(counts) as ArtworkType[]) total += Math.min(counts[type], DEFAULT_ARTWORK_LIMITS[type]);
  }
  return total;
}

async function setUp(options: { fanartTvKey?: string } = {}): Promise<{ services: FakeMusicServices; providers: DataCacheProviders; cacheDir: string; clock: ManualClock }> {
  const services = await startFakeMusicServices();
  const { providers, cacheDir, clock } = await makeTestProviders({ providers: services.providers(options) });
  return { services, providers, cacheDir, clock };
}

describe('precacheArtists', () => {
  it('pre-caches a Traktor library: searches, artwork lookups, then a sample of each type of image', async () => {
    const { services, providers } = await setUp({ fanartTvKey: 'fanart-key-0123456789' });
    const artists = await libraryArtists('collection.nml');
    const updates: PrecacheProgress[] = [];
    const report = await precacheArtists(providers, artists, { work: true, pollIntervalMs: 20, onProgress: (progress) => updates.push(progress) });

    // Daft Punk, "Pharrell Williams & Nile Rodgers" (no such artist: split), Pharrell, Nile, Sigur Rós, Björk.
    const matched = ['Daft Punk', 'Pharrell Williams', 'Nile Rodgers', 'Sigur Rós', 'Björk'];
    const images = expectedImages(services, matched, true);
    expect(report).toMatchObject({ artists: 6, artistsDone: 6, matched: 5, notFound: 0, failed: 0, imagesQueued: images, imagesFetched: images, imagesFailed: 0, finished: true, interrupted: false });
    expect(services.counts()).toEqual({ musicbrainz: 6, theaudiodb: 5, fanarttv: 5, images });
    expect(report.etaMs).toBe(0);
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.every((progress, index) => index === 0 || progress.artistsDone >= updates[index - 1]!.artistsDone)).toBe(true);

    // The images are filed under the library's artist, as the app will ask for them.
    const daftPunkFanart = await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'Daft Punk', imageType: 'fanart' });
    expect(daftPunkFanart).toHaveLength(DEFAULT_ARTWORK_LIMITS.fanart);
    const bjork = await providers.images.getRandomImage({ artistIdentifier: 'björk', imageType: 'logo' });
    expect(bjork?.mimeType).toBe('image/png');
    // And the app's own search for the artist is a cache hit now.
    const requestsBefore = services.server.requests.length;
    expect((await providers.musicbrainz.searchArtists('Sigur Rós'))?.artists[0]?.name).toBe('Sigur Rós');
    expect(services.server.requests.length).toBe(requestsBefore);
  });

  it('fetches nothing the second time: what is cached is skipped and the image limits hold', async () => {
    const { services, providers, clock } = await setUp({ fanartTvKey: 'fanart-key-0123456789' });
    const artists = await libraryArtists('collection.nml');
    await precacheArtists(providers, artists, { work: true, pollIntervalMs: 20 });
    // A run counts the queue jobs made since it began: on the test's manual clock, that needs a tick.
    clock.advance(1);
    const before = services.counts();
    const again = await precacheArtists(providers, await libraryArtists('collection.nml'), { work: true, pollIntervalMs: 20 });
    expect(services.counts()).toEqual(before);
    expect(again).toMatchObject({ artistsDone: 6, matched: 5, imagesQueued: 0, imagesFetched: 0 });
  });

  it('keeps "Simon & Garfunkel" one artist, matches "Beyonce" to Beyoncé, and splits "ft."', async () => {
    const { services, providers } = await setUp();
    const report = await precacheArtists(providers, await libraryArtists('rekordbox.xml'), { work: true, pollIntervalMs: 20 });
    expect(report).toMatchObject({ artists: 6, matched: 6, notFound: 0, failed: 0 });
    const searched = services.server.requests.filter((request) => request.path.startsWith('/ws/2/artist')).map((request) => new URL(request.path, 'http://x').searchParams.get('query'));
    expect(searched.sort()).toEqual(['Beyonce', 'DAFT PUNK', 'Earth, Wind & Fire', 'Jay\\-Z', 'Röyksopp', 'Simon & Garfunkel']);
    // Without a fanart.tv key, only TheAudioDB is asked.
    expect(services.counts().fanarttv).toBe(0);
    expect(services.counts().theaudiodb).toBe(6);
    expect(await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'Beyonce', imageType: 'fanart' })).toHaveLength(3);
  });

  it('reports an artist MusicBrainz does not know, without asking again', async () => {
    const { services, providers } = await setUp();
    const report = await precacheArtists(providers, await libraryArtists('database.xml'), { work: true, pollIntervalMs: 20 });
    // "Sigur Ros" (matched to Sigur Rós, who has no TheAudioDB entry), Röyksopp, Nobody Knows Me.
    expect(report).toMatchObject({ artists: 3, artistsDone: 3, matched: 2, notFound: 1, failed: 0 });
    expect(services.counts().musicbrainz).toBe(3);
  });

  it('says why artists failed, grouped by provider and reason; an artist a lookup does not know is found, not failed', async () => {
    const { services, providers } = await setUp();
    const mbidOf = (name: string): string => services.world.find((artist) => artist.name === name)!.mbid;
    const answer = services.server.fallback!;
    services.server.fallback = (request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const refused = (url.pathname === '/ws/2/artist' && url.searchParams.get('query')?.normalize('NFC') === 'Röyksopp') || (url.pathname.endsWith('/artist-mb.php') && url.searchParams.get('i') === mbidOf('Jay-Z'));
      if (refused) response.writeHead(403).end('forbidden');
      else if (url.pathname.endsWith('/artist-mb.php') && url.searchParams.get('i') === mbidOf('Beyoncé')) response.writeHead(404).end('not found');
      else answer(request, response);
    };
    const report = await precacheArtists(providers, await libraryArtists('rekordbox.xml'), { work: true, pollIntervalMs: 20 });
    // Röyksopp's search and Jay-Z's TheAudioDB lookup are refused; TheAudioDB does not know Beyoncé.
    expect(report).toMatchObject({ artists: 6, artistsDone: 6, matched: 4, notFound: 0, failed: 2 });
    expect(report.failureReasons).toHaveLength(2);
    expect(report.failureReasons).toEqual(
      expect.arrayContaining([
        { provider: 'musicbrainz', reason: 'answered HTTP 403', artists: 1 },
        { provider: 'theaudiodb', reason: 'answered HTTP 403', artists: 1 },
      ]),
    );
    expect(JSON.stringify(report.failureReasons)).not.toMatch(/http:/u);
  });

  it('counts each distinct reason once per artist, most common first', async () => {
    const { services, providers } = await setUp();
    const answer = services.server.fallback!;
    services.server.fallback = (request, response) => {
      if (new URL(request.url ?? '/', 'http://x').pathname === '/ws/2/artist') response.writeHead(403).end('forbidden');
      else answer(request, response);
    };
    const report = await precacheArtists(providers, await libraryArtists('collection.nml'), { work: true, pollIntervalMs: 20 });
    expect(report).toMatchObject({ failed: 4, failureReasons: [{ provider: 'musicbrainz', reason: 'answered HTTP 403', artists: 4 }] });
  });

  it('stops when interrupted and resumes on the next run, asking for nothing twice', async () => {
    const { services, providers } = await setUp({ fanartTvKey: 'fanart-key-0123456789' });
    const stop = new AbortController();
    const first = await precacheArtists(providers, await libraryArtists('collection.nml'), {
      work: true,
      pollIntervalMs: 20,
      signal: stop.signal,
      onProgress: () => { stop.abort(); },
    });
    expect(first.interrupted).toBe(true);
    expect(first.imagesFetched).toBeLessThan(expectedImages(services, ['Daft Punk', 'Pharrell Williams', 'Nile Rodgers', 'Sigur Rós', 'Björk'], true));
    const second = await precacheArtists(providers, await libraryArtists('collection.nml'), { work: true, pollIntervalMs: 20 });
    expect(second).toMatchObject({ finished: true, interrupted: false, artistsDone: 6, matched: 5, failed: 0 });
    const paths = services.server.requests.map((request) => request.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(services.counts().images).toBe(expectedImages(services, ['Daft Punk', 'Pharrell Williams', 'Nile Rodgers', 'Sigur Rós', 'Björk'], true));
  });

  it('leaves the queue to another process’s worker and follows its progress', async () => {
    const { services, providers, cacheDir } = await setUp();
    const { providers: workerSide } = await makeTestProviders({ cacheDir, providers: services.providers() });
    const worker = workerSide.client.startWorker({ concurrency: 2 });
    try {
      const report = await precacheArtists(providers, await libraryArtists('playlist.m3u8'), { pollIntervalMs: 20 });
      expect(report).toMatchObject({ artists: 4, matched: 4, finished: true });
      // Without `work`, the run ends when the images are queued; the worker fetches them.
      expect(report.imagesFetched).toBe(0);
      expect(report.imagesQueued).toBe(expectedImages(services, ['Daft Punk', 'Björk', 'Röyksopp', 'Paul Simon'], false));
      expect(report.remaining).toEqual({ musicbrainz: 0, theaudiodb: 0 });
    } finally {
      await worker.stop();
    }
  });

  it('gives an ETA that follows the rate limits', async () => {
    const services = await startFakeMusicServices();
    // A real clock: the limiter's slots must come. MusicBrainz at 4/s, TheAudioDB at 2/s.
    const { providers } = await makeTestProviders({ providers: { ...services.providers(), musicbrainz: { baseUrl: services.server.url(''), ratePerSecond: 4 }, theaudiodb: { baseUrl: services.server.url(''), ratePerSecond: 2 } }, storage: { clock: undefined } }, ['cdn']);
    const artists = new ArtistSet();
    for (let index = 0; index < 8; index += 1) artists.addField(`Unknown Band ${index}`);
    const first: PrecacheProgress[] = [];
    const report = await precacheArtists(providers, artists, { pollIntervalMs: 20, work: true, onProgress: (progress) => { if (first.length === 0) first.push(progress); } });
    // Eight searches waiting at 4/s: 2 s; eight lookups at 2/s: 4 s. The slower provider sets the ETA.
    expect(first[0]?.remaining).toMatchObject({ musicbrainz: 8, theaudiodb: 8 });
    expect(first[0]?.etaMs).toBe(4000);
    expect(report).toMatchObject({ notFound: 8, finished: true });
  });

  it('checks its arguments', async () => {
    const { providers } = await setUp();
    await expect(precacheArtists(providers, ['Daft Punk'] as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(precacheArtists(providers, new ArtistSet(), { artworkLimits: { posters: 2 } as never })).rejects.toThrow(/the image types are thumbnail, logo, banner, fanart/);
    await expect(precacheArtists(providers, new ArtistSet(), { concurrency: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(precacheArtists(providers, new ArtistSet(), { onProgress: 'yes' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await precacheArtists(providers, new ArtistSet())).toMatchObject({ artists: 0, finished: true });
  });
});
