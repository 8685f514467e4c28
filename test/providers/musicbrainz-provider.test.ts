import { afterEach, describe, expect, it } from 'vitest';
import { DataCacheClient, InvalidArgumentError, ProviderCoolingDownError } from '../../src/index.js';
import { MusicBrainzProvider } from '../../src/providers/musicbrainz/musicbrainz-provider.js';
import { DAFT_PUNK, startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { openTestStorage } from '../helpers/storage.js';

const clients: DataCacheClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function setUp() {
  const fake = await startFakeMusicBrainz();
  const { storage, clock } = await openTestStorage();
  // No rate limit in these tests: the manual clock never reaches a later slot.
  const client = new DataCacheClient({ storage, clock, userAgent: 'datacache-tests/1.0 ( tests@example.org )', providers: { musicbrainz: { ratePerSecond: Infinity } } });
  clients.push(client);
  const musicbrainz = new MusicBrainzProvider(client, { baseUrl: fake.server.url('/') });
  return { ...fake, storage, client, musicbrainz };
}

describe('MusicBrainzProvider', () => {
  it('searches artists through the cache: one request, the answer as MusicBrainz sends it', async () => {
    const { server, musicbrainz } = await setUp();
    const first = await musicbrainz.searchArtists('Daft Punk', { limit: 5 });
    const again = await musicbrainz.searchArtists('Daft Punk', { limit: 5 });
    expect(first).toMatchObject({ count: 1, offset: 0, artists: [{ id: DAFT_PUNK, name: 'Daft Punk', score: 100, 'life-span': { begin: '1993' } }] });
    expect(again).toEqual(first);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['user-agent']).toBe('datacache-tests/1.0 ( tests@example.org )');
    expect(new URL(server.requests[0]!.path, 'http://x').searchParams.get('fmt')).toBe('json');
  });

  it('makes one cache entry of one search however its options were written', async () => {
    const { server, musicbrainz } = await setUp();
    await musicbrainz.searchArtists('Daft Punk', { offset: 0, limit: 5 });
    await musicbrainz.searchArtists('Daft Punk', { limit: 5, offset: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('escapes Lucene syntax, so a query with AND or a quote still finds the artist', async () => {
    const { server, musicbrainz } = await setUp();
    const found = await musicbrainz.searchArtists('Simon AND Garfunkel');
    expect(found!.artists.map((artist) => artist.name)).toEqual(['Simon & Garfunkel']);
    expect(new URL(server.requests[0]!.path, 'http://x').searchParams.get('query')).toBe('Simon and Garfunkel');
    await musicbrainz.searchArtists('"Daft" Punk');
    expect(new URL(server.requests[1]!.path, 'http://x').searchParams.get('query')).toBe('\\"Daft\\" Punk');
  });

  it('looks up an artist with includes, keeps it for 30 days, and refuses a bad MBID without a request', async () => {
    const { server, musicbrainz, storage } = await setUp();
    const artist = await musicbrainz.lookupArtist(DAFT_PUNK.toUpperCase(), { inc: ['url-rels', 'aliases'] });
    expect(artist).toMatchObject({ id: DAFT_PUNK, relations: [{ type: 'official homepage' }] });
    expect(server.requests[0]!.path).toContain(`/ws/2/artist/${DAFT_PUNK}?fmt=json&inc=aliases+url-rels`);
    const entry = await storage.retrieveByUrl(`${server.url('/')}ws/2/artist/${DAFT_PUNK}?fmt=json&inc=aliases+url-rels`);
    expect(entry!.expiresAt - entry!.storedAt).toBe(30 * 86_400_000);
    await expect(musicbrainz.lookupArtist('daft punk')).rejects.toThrow(InvalidArgumentError);
    await expect(musicbrainz.lookupRelease(DAFT_PUNK, { inc: ['url rels'] })).rejects.toThrow(/include names/);
    expect(server.requests).toHaveLength(1);
  });

  it('searches recordings and releases', async () => {
    const { musicbrainz } = await setUp();
    expect((await musicbrainz.searchRecordings('One More Time'))!.recordings[0]).toMatchObject({ title: 'One More Time' });
    expect((await musicbrainz.searchReleases('Discovery'))!.releases[0]).toMatchObject({ title: 'Discovery' });
  });

  it('queues a search with immediate: false and resolves null', async () => {
    const { server, musicbrainz, client } = await setUp();
    expect(await musicbrainz.searchArtists('Air', { immediate: false })).toBeNull();
    expect(server.requests).toHaveLength(0);
    expect((await client.queue.counts())[0]).toMatchObject({ state: 'pending', provider: 'musicbrainz' });
  });

  it('treats a 503 "slow down" as rate limiting: a shared cool-down, and live requests fail fast', async () => {
    const { state, musicbrainz, client } = await setUp();
    state.slowDown = true;
    await expect(musicbrainz.searchArtists('Daft Punk')).rejects.toThrow(ProviderCoolingDownError);
    expect((await client.limiter.cooldownOf('musicbrainz'))?.reason).toMatch(/503/);
    state.slowDown = false;
    await expect(musicbrainz.searchArtists('Air')).rejects.toThrow(ProviderCoolingDownError);
  });

  it('rejects bad options with typed errors', async () => {
    const { musicbrainz } = await setUp();
    await expect(musicbrainz.searchArtists('Air', { limit: 500 })).rejects.toThrow(/limit must be between 1 and 100/);
    await expect(musicbrainz.searchArtists('')).rejects.toThrow(/must not be empty/);
    expect(() => new MusicBrainzProvider(clients[0]!, { baseUrl: 'musicbrainz.org' })).toThrow(/baseUrl must be an http/);
  });
});
