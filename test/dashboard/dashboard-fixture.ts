import type { DataCacheProviders } from '../../src/index.js';
import { ArtistSet } from '../../src/precache/artist-names.js';
import { precacheArtists } from '../../src/precache/precache.js';
import { startFakeMusicServices, type FakeMusicServices } from '../helpers/fake-music-services.js';
import { makeTestProviders } from '../helpers/providers.js';

export const HOSTILE_ARTIST = '<img src=x onerror=alert(1)>';
export const SECRET = 'SECRET-KEY-0123456789';

/**
 * A cache with something to show: three artists pre-cached from the fake services (images of
 * every type), lookups that hit and miss for the analytics, a hostile artist name, and a
 * failed background fetch whose URL carries a key. Providers have no rate limit unless `limits`
 * gives them one (a precache then waits on it, as a real one does).
 */
export async function cacheWithArtists(limits: Record<string, { ratePerSecond: number; burst?: number }> = {}): Promise<{ services: FakeMusicServices; providers: DataCacheProviders }> {
  const services = await startFakeMusicServices();
  const settings = services.providers({ fanartTvKey: 'fanart-key-0123456789' });
  for (const [name, limit] of Object.entries(limits)) settings[name] = { ...settings[name], ...limit };
  const unlimited = ['cdn', 'musicbrainz', 'theaudiodb', 'fanarttv', 'discogs', 'lastfm', 'wikimedia', 'example'].filter((name) => !Object.hasOwn(limits, name));
  const { providers } = await makeTestProviders({ providers: settings, storage: { clock: undefined } }, unlimited);
  const artists = new ArtistSet();
  for (const name of ['Daft Punk', 'Björk', 'Röyksopp']) artists.addField(name);
  await precacheArtists(providers, artists, { work: true, pollIntervalMs: 10 });
  for (let hit = 0; hit < 5; hit += 1) await providers.musicbrainz.searchArtists('Daft Punk');
  await providers.images.cacheImage({ url: services.server.url('/images/hostile/thumb.png'), artistIdentifier: HOSTILE_ARTIST, imageType: 'thumbnail' });
  await providers.images.cacheImage({ url: services.server.url(`/broken/fanart.png?api_key=${SECRET}`), artistIdentifier: 'Daft Punk', imageType: 'fanart', immediate: false });
  await providers.processQueue();
  return { services, providers };
}
