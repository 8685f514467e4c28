/**
 * JSON APIs through the cache with their presets: TheAudioDB's artist search (its public test
 * key "123" unless THEAUDIODB_API_KEY is set) and, when LASTFM_API_KEY is set, a Last.fm
 * biography in French. Keys are sent the way each service takes them and never stored.
 *
 *   npx tsx examples/api-presets.ts "Daft Punk"
 *
 * DATACACHE_THEAUDIODB_URL and DATACACHE_LASTFM_URL point the presets elsewhere (a test server).
 */
import { getProviders, type ProviderConfig } from '../src/index.js';

const artist = process.argv[2] ?? 'Daft Punk';
const theaudiodbKey = process.env.THEAUDIODB_API_KEY;
const lastfmKey = process.env.LASTFM_API_KEY;
const config = (baseUrl: string | undefined, apiKey: string | undefined): ProviderConfig => ({
  ...(baseUrl === undefined ? {} : { baseUrl }),
  ...(apiKey === undefined ? {} : { apiKey }),
});
const providers = getProviders({
  userAgent: process.env.DATACACHE_USER_AGENT ?? 'datacache-example/0.1 ( https://www.npmjs.com/package/datacache )',
  providers: {
    theaudiodb: config(process.env.DATACACHE_THEAUDIODB_URL, theaudiodbKey),
    lastfm: config(process.env.DATACACHE_LASTFM_URL, lastfmKey),
  },
});

const search = await providers.api.cacheApiResponse<{ artists: { strArtist: string; strCountry?: string; strGenre?: string }[] | null }>({
  url: `https://www.theaudiodb.com/api/v1/json/${theaudiodbKey ?? '123'}/search.php?s=${encodeURIComponent(artist)}`,
  identifier: artist.toLowerCase(),
  provider: 'theaudiodb',
});
for (const found of search?.artists ?? []) console.log(`TheAudioDB: ${found.strArtist} (${found.strCountry ?? '?'}, ${found.strGenre ?? '?'})`);

if (lastfmKey !== undefined) {
  const bio = await providers.api.cacheArtistBio<{ artist?: { bio?: { summary?: string } } }>({
    url: `https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=${encodeURIComponent(artist)}&lang=fr&format=json`,
    artistIdentifier: artist,
    provider: 'lastfm',
    language: 'fr',
  });
  console.log(`Last.fm (fr): ${bio?.artist?.bio?.summary?.slice(0, 120) ?? 'no biography'}`);
}
await providers.close();
