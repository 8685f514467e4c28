/**
 * MusicBrainz through the cache: search an artist, then look the best match up with its URL
 * relations. Run it twice: the second run is answered from the cache, without a request.
 *
 *   npx tsx examples/musicbrainz.ts "Daft Punk"
 *
 * Set DATACACHE_USER_AGENT to your application and contact (MusicBrainz asks every client to),
 * DATACACHE_MUSICBRAINZ_URL for a mirror, DATACACHE_DIR for another cache directory.
 */
import { getProviders } from '../src/index.js';

const providers = getProviders({
  userAgent: process.env.DATACACHE_USER_AGENT ?? 'datacache-example/0.1 ( https://www.npmjs.com/package/datacache )',
  providers: { musicbrainz: { baseUrl: process.env.DATACACHE_MUSICBRAINZ_URL ?? 'https://musicbrainz.org' } },
});

const query = process.argv[2] ?? 'Daft Punk';
const found = await providers.musicbrainz.searchArtists(query, { limit: 3 });
for (const artist of found?.artists ?? []) console.log(`${artist.score ?? ''}\t${artist.name ?? ''}\t${artist.id}`);

const best = found?.artists[0];
if (best !== undefined) {
  const details = await providers.musicbrainz.lookupArtist(best.id, { inc: ['url-rels'] });
  const relations = (details?.relations ?? []) as { type: string; url?: { resource: string } }[];
  for (const relation of relations) console.log(`${relation.type}: ${relation.url?.resource ?? ''}`);
}
await providers.close();
