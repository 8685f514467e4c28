/**
 * Artist images through the cache: the first URL downloaded now as the thumbnail, the rest
 * queued as fanart and downloaded by processQueue (a `datacache worker` in another process
 * would do the same), then one fanart picked at random, as a rotating stream overlay does.
 *
 *   npx tsx examples/artist-images.ts "Daft Punk" https://…/thumb.jpg https://…/fanart-1.jpg https://…/fanart-2.jpg
 */
import { getProviders } from '../src/index.js';

const [artist, thumbnailUrl, ...fanartUrls] = process.argv.slice(2);
if (artist === undefined || thumbnailUrl === undefined) {
  console.error('usage: artist-images.ts ARTIST THUMBNAIL_URL [FANART_URL …]');
  process.exit(2);
}
const providers = getProviders({ userAgent: process.env.DATACACHE_USER_AGENT ?? 'datacache-example/0.1 ( https://www.npmjs.com/package/datacache )' });

const thumbnail = await providers.images.cacheArtistThumbnail({ url: thumbnailUrl, artistIdentifier: artist });
console.log(`thumbnail: ${thumbnail?.mimeType ?? 'none'} ${JSON.stringify(thumbnail?.metadata ?? {})}`);

// allowPrivateAddresses: these URLs come from whoever runs the example, not from a provider's
// answer (fillQueue refuses local addresses by default).
const queued = await providers.images.fillQueue({ artistIdentifier: artist, imageType: 'fanart', urls: fanartUrls, maxItems: 15, allowPrivateAddresses: true });
const report = await providers.processQueue({ provider: 'cdn' });
console.log(`fanart: ${queued.length} queued, ${report.succeeded} downloaded, ${report.failed} failed`);

const fanart = await providers.images.getRandomImage({ artistIdentifier: artist, imageType: 'fanart' });
if (fanart) console.log(`random fanart: ${fanart.url} (${fanart.mimeType ?? '?'}, ${fanart.data.length} bytes, ${JSON.stringify(fanart.metadata)})`);
const keys = await providers.images.getCacheKeysForIdentifier({ artistIdentifier: artist, imageType: 'fanart' });
console.log(`${keys.length} fanart cached for "${artist}"`);
await providers.close();
