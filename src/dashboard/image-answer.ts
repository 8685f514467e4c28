import { IMAGE_DATA_TYPES } from '../client/fetch-request.js';
import { sniffImage } from '../client/sniff-image.js';
import { InvalidArgumentError } from '../errors.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import type { ImageQuery } from '../providers/images/images-provider.js';
import type { CachedEntry } from '../storage/cached-entry.js';
import { describeValue } from '../validation.js';

/** A cached image ready to be served: its entry and a Content-Type that is safe to send. */
export interface ServableImage {
  entry: CachedEntry;
  contentType: string;
}

/** `image/<token>` and nothing else: no parameters, no white space, nothing Node refuses in a header. */
const PLAIN_IMAGE_TYPE = /^image\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/iu;
/** An HTTP token (RFC 9110): what a header value can hold with no quoting and no way to break the header. */
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]{1,256}$/iu;

/**
 * The Content-Type to serve cached bytes with, or null when they are not an image we can
 * name. Rows imported from a whats-now-playing cache may hold any MIME type (CR/LF included,
 * which makes Node throw in writeHead), so the stored one is used only when it is a plain
 * `image/…` type; otherwise the bytes decide.
 */
export function imageContentType(mimeType: string | null, data: Uint8Array): string | null {
  if (mimeType !== null && PLAIN_IMAGE_TYPE.test(mimeType)) return mimeType;
  return sniffImage(data)?.mimeType ?? null;
}

/** Whether a stored string (a cache key, say) can be put into a response header as it is. */
export function isHeaderToken(text: string): boolean {
  return HEADER_TOKEN.test(text);
}

/** The `type` of `/image/random`: one of the image data types, since other entries (API answers) are no images. */
export function requireImageType(type: string): string {
  if (!IMAGE_DATA_TYPES.has(type)) throw new InvalidArgumentError(`type must be one of ${[...IMAGE_DATA_TYPES].join(', ')}; got ${describeValue(type)}.`);
  return type;
}

/**
 * One of the artist's live cached images of the type, chosen uniformly at random among those
 * that can be served, or null when none can. Unlike `getRandomImage`, an unusable pick (bytes
 * that are no image) does not end the search: an overlay should show another picture.
 */
export async function randomServableImage(providers: DataCacheProviders, query: ImageQuery): Promise<ServableImage | null> {
  const cachekeys = shuffle(await providers.images.getCacheKeysForIdentifier(query));
  for (const cachekey of cachekeys) {
    const entry = await providers.storage.retrieveByCachekey(cachekey);
    if (entry === null) continue; // expired or removed since the listing
    const contentType = imageContentType(entry.mimeType, entry.data);
    if (contentType !== null) return { entry, contentType };
  }
  return null;
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
