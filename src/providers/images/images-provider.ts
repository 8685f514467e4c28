import type { FetchRequest } from '../../client/fetch-request.js';
import { shuffle } from '../shuffle.js';
import type { DataCacheClient } from '../../client/data-cache-client.js';
import { IMAGE_DATA_TYPES } from '../../client/fetch-request.js';
import { InvalidArgumentError } from '../../errors.js';
import { PRIORITY } from '../../queue/job-queue.js';
import type { CachedEntry } from '../../storage/cached-entry.js';
import { describeValue, isPlainObject, optionalBoolean, optionalFiniteNumber, requireHttpUrl, requireName, type JsonObject } from '../../validation.js';
import { clientGetter, type ClientSource } from '../client-source.js';
import { normalizeArtistIdentifier } from '../identifiers.js';
import { providerRequestUrl, type ProviderUrlSettings } from '../request-url.js';

export interface ImageRequest {
  url: string;
  /** The artist's name (or any stable id); normalised, so "Daft Punk" and " daft  punk" are one artist. */
  artistIdentifier: string;
  /** thumbnail, logo, banner, fanart, cover, or a name of your own. */
  imageType: string;
  /** Whose rate limit the download counts against. Default `cdn`. */
  provider?: string;
  /** Download now (default, resolves to the entry), or queue it at batch priority and resolve null. */
  immediate?: boolean;
  metadata?: JsonObject;
  /** Default 14 days. */
  ttlSeconds?: number;
  /**
   * Whether the download may reach a private address (see FetchRequest.allowPrivateAddresses).
   * Unset: only when the URL itself names one. Pass false for a URL taken from a provider's answer.
   */
  allowPrivateAddresses?: boolean;
}

export type ArtistImageRequest = Omit<ImageRequest, 'imageType'>;

export interface ImageQuery {
  artistIdentifier: string;
  imageType: string;
  /** Only images downloaded for this provider. */
  provider?: string;
}

export interface FillQueueRequest {
  artistIdentifier: string;
  imageType: string;
  urls: readonly string[];
  /** Default `cdn`. */
  provider?: string;
  /** Queue at most this many of the URLs not cached yet, chosen at random. Default 15. */
  maxItems?: number;
  /**
   * Default false: these URLs usually come from a provider's answer (TheAudioDB's, fanart.tv's
   * JSON), so they may not lead to loopback or the local network. True for URLs you trust.
   */
  allowPrivateAddresses?: boolean;
}

/** A cached image, as getRandomImage hands it out. */
export interface RandomImage {
  data: Buffer;
  /** What was stored with it, plus the sniffed `width` and `height`. */
  metadata: JsonObject;
  url: string;
  cachekey: string;
  /** Sniffed from the bytes, not taken from the server's Content-Type. */
  mimeType: string | null;
}

const FOURTEEN_DAYS = 14 * 86_400;

/**
 * Artist artwork through the cache: many images per artist and type, downloads checked to be
 * images (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO, SVG) before they are stored, and a random one
 * handed out for overlays that rotate them.
 *
 * @example
 * await providers.images.fillQueue({ artistIdentifier: 'Daft Punk', imageType: 'fanart', urls });
 * const image = await providers.images.getRandomImage({ artistIdentifier: 'daft punk', imageType: 'fanart' });
 * if (image) response.type(image.mimeType ?? 'application/octet-stream').send(image.data);
 */
export class ImagesProvider {
  private readonly client: () => Promise<DataCacheClient>;
  private readonly settings: ReadonlyMap<string, ProviderUrlSettings>;

  /** `settings`: per provider, its configured base URL and key (a key is taken out of image URLs too). */
  constructor(client: ClientSource, settings: ReadonlyMap<string, ProviderUrlSettings> = new Map()) {
    this.client = clientGetter(client);
    this.settings = settings;
  }

  async cacheArtistThumbnail(request: ArtistImageRequest): Promise<CachedEntry | null> {
    return this.cacheImage({ ...requireRequest('cacheArtistThumbnail()', request), imageType: 'thumbnail' });
  }

  async cacheArtistLogo(request: ArtistImageRequest): Promise<CachedEntry | null> {
    return this.cacheImage({ ...requireRequest('cacheArtistLogo()', request), imageType: 'logo' });
  }

  async cacheArtistBanner(request: ArtistImageRequest): Promise<CachedEntry | null> {
    return this.cacheImage({ ...requireRequest('cacheArtistBanner()', request), imageType: 'banner' });
  }

  async cacheArtistFanart(request: ArtistImageRequest): Promise<CachedEntry | null> {
    return this.cacheImage({ ...requireRequest('cacheArtistFanart()', request), imageType: 'fanart' });
  }

  /**
   * Downloads and stores an image (immediate, the default: resolves to the entry, or null for
   * a URL remembered as not found), or queues it at batch priority (resolves null at once).
   * A body that is not an image rejects with UnexpectedContentError and is not stored.
   */
  async cacheImage(request: ImageRequest): Promise<CachedEntry | null> {
    requireRequest('cacheImage()', request);
    const imageType = requireName('imageType', request.imageType);
    const immediate = optionalBoolean('immediate', request.immediate, true);
    const provider = request.provider === undefined ? 'cdn' : requireName('provider', request.provider);
    const client = await this.client();
    return client.getOrFetch({
      url: providerRequestUrl(this.settings, provider, requireHttpUrl('url', request.url)),
      identifier: normalizeArtistIdentifier(request.artistIdentifier),
      dataType: imageType,
      provider,
      immediate,
      ...(request.allowPrivateAddresses === undefined ? {} : { allowPrivateAddresses: optionalBoolean('allowPrivateAddresses', request.allowPrivateAddresses, false) }),
      priority: immediate ? PRIORITY.live : PRIORITY.batch,
      metadata: request.metadata,
      ttlSeconds: request.ttlSeconds ?? (IMAGE_DATA_TYPES.has(imageType) ? undefined : FOURTEEN_DAYS),
      expect: 'image',
    });
  }

  /** One cached image of the artist and type, chosen uniformly at random, or null when there is none. */
  async getRandomImage(query: ImageQuery): Promise<RandomImage | null> {
    const client = await this.client();
    const started = performance.now();
    const entry = await client.storage.retrieveRandom(storageQuery(query));
    if (entry === null) return null;
    client.countHit(entry.provider, entry.dataType, performance.now() - started);
    return { data: entry.data, metadata: entry.metadata, url: entry.url, cachekey: entry.cachekey, mimeType: entry.mimeType };
  }

  /** The cache keys of the artist's live images of this type, newest first (for retrieveByCachekey). */
  async getCacheKeysForIdentifier(query: ImageQuery): Promise<string[]> {
    const client = await this.client();
    const summaries = await client.storage.retrieveByIdentifier(storageQuery(query));
    return summaries.map((summary) => summary.cachekey);
  }

  /**
   * Queues downloads of up to `maxItems` of `urls` at batch priority, chosen at random among
   * those not cached yet (a URL remembered as not found counts as cached), for a worker in any
   * process. Resolves to the URLs queued.
   */
  async fillQueue(request: FillQueueRequest): Promise<string[]> {
    requireRequest('fillQueue()', request);
    const identifier = normalizeArtistIdentifier(request.artistIdentifier);
    const imageType = requireName('imageType', request.imageType);
    const provider = request.provider === undefined ? 'cdn' : requireName('provider', request.provider);
    const maxItems = optionalFiniteNumber('maxItems', request.maxItems, 15, { min: 0, integer: true });
    const allowPrivateAddresses = optionalBoolean('allowPrivateAddresses', request.allowPrivateAddresses, false);
    if (!Array.isArray(request.urls)) throw new InvalidArgumentError(`urls must be a list of image URLs, got ${describeValue(request.urls)}.`);
    const urls = [...new Set(request.urls.map((url, index) => providerRequestUrl(this.settings, provider, requireHttpUrl(`urls[${index}]`, url))))];
    const client = await this.client();
    const missing: string[] = [];
    for (const url of urls) {
      if ((await client.storage.retrieveSummaryByUrl(url)) === null) missing.push(url);
    }
    const chosen = shuffle(missing).slice(0, maxItems);
    for (const url of chosen) {
      await client.getOrFetch(imageFetchRequest(url, identifier, imageType, provider, allowPrivateAddresses));
    }
    return chosen;
  }

  /**
   * The queued request `fillQueue` makes for one image URL (moved to the provider's base URL,
   * batch priority, an image expected), for a caller that chains it itself.
   */
  imageFetchRequest(request: { artistIdentifier: string; imageType: string; url: string; provider?: string; allowPrivateAddresses?: boolean }): FetchRequest {
    const provider = request.provider === undefined ? 'cdn' : requireName('provider', request.provider);
    const url = providerRequestUrl(this.settings, provider, requireHttpUrl('url', request.url));
    return imageFetchRequest(url, normalizeArtistIdentifier(request.artistIdentifier), requireName('imageType', request.imageType), provider, request.allowPrivateAddresses === true);
  }
}

function imageFetchRequest(url: string, identifier: string, imageType: string, provider: string, allowPrivateAddresses: boolean): FetchRequest {
  return { url, identifier, dataType: imageType, provider, immediate: false, priority: PRIORITY.batch, expect: 'image', allowPrivateAddresses };
}

function requireRequest<T>(method: string, request: T): T {
  if (!isPlainObject(request)) throw new InvalidArgumentError(`${method} takes a request object, got ${describeValue(request)}.`);
  return request;
}

function storageQuery(query: ImageQuery): { identifier: string; dataType: string; provider?: string } {
  requireRequest('an image query', query);
  return {
    identifier: normalizeArtistIdentifier(query.artistIdentifier),
    dataType: requireName('imageType', query.imageType),
    ...(query.provider === undefined ? {} : { provider: requireName('provider', query.provider) }),
  };
}

