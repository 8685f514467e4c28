import type { DataCacheClient } from '../../client/data-cache-client.js';
import type { FetchRequest } from '../../client/fetch-request.js';
import { InvalidArgumentError } from '../../errors.js';
import {
  describeValue,
  isPlainObject,
  optionalBoolean,
  optionalString,
  requireHttpUrl,
  requireName,
  requireString,
  type JsonObject,
  type JsonValue,
} from '../../validation.js';
import { clientGetter, type ClientSource } from '../client-source.js';
import { normalizeArtistIdentifier } from '../identifiers.js';
import { providerRequestUrl, type ProviderUrlSettings } from '../request-url.js';
import { presetOf } from './presets.js';
import { entryJson } from '../../client/entry-json.js';

export interface ApiRequest {
  url: string;
  /** What the answer is about (an artist name, an MBID); `purge` and `retrieveByIdentifier` use it. */
  identifier: string;
  /** A preset (theaudiodb, fanarttv, discogs, lastfm, wikimedia) or your own name for its rate limit and TTL. */
  provider: string;
  /** Default `api`. */
  dataType?: string;
  /** Fetch now (default), or queue for a background worker and resolve null. */
  immediate?: boolean;
  ttlSeconds?: number;
  headers?: Record<string, string>;
  metadata?: JsonObject;
}

export interface BioRequest {
  url: string;
  /** Normalised like every artist identifier (see normalizeArtistIdentifier). */
  artistIdentifier: string;
  provider: string;
  /** ISO 639-1 code of the biography's language, kept in the metadata. Default `en`. */
  language?: string;
  immediate?: boolean;
  ttlSeconds?: number;
  headers?: Record<string, string>;
}

/** Per provider: where its base URL moved to, and its key (taken out of cached URLs). */
export type ApiProviderSettings = ProviderUrlSettings;

/**
 * JSON APIs through the cache: TheAudioDB, fanart.tv, Discogs, Last.fm, Wikimedia (presets
 * for their rates, TTLs and keys) or any other. Answers are checked to be JSON before they
 * are stored, "not found" answers of a preset are remembered for a day, and a configured API
 * key is kept out of the cached URL: it is added as each request goes out.
 *
 * @example
 * const artist = await providers.api.cacheApiResponse({
 *   url: 'https://www.theaudiodb.com/api/v1/json/123/search.php?s=daft%20punk',
 *   identifier: 'daft punk',
 *   provider: 'theaudiodb',
 * });
 */
export class ApiProvider {
  private readonly client: () => Promise<DataCacheClient>;
  private readonly settings: ReadonlyMap<string, ApiProviderSettings>;

  constructor(client: ClientSource, settings: ReadonlyMap<string, ApiProviderSettings> = new Map()) {
    this.client = clientGetter(client);
    this.settings = settings;
  }

  /** Resolves to the parsed JSON, or null when queued (`immediate: false`) or not found. */
  async cacheApiResponse<T extends JsonValue = JsonValue>(request: ApiRequest): Promise<T | null> {
    const client = await this.client();
    const entry = await client.getOrFetch(this.apiFetchRequest(request));
    return entry === null ? null : entryJson<T>(entry);
  }

  /**
   * The request `cacheApiResponse(request)` makes (cache URL, the preset's negative TTL, JSON
   * expected), for a caller that queues or chains it itself.
   */
  apiFetchRequest(request: ApiRequest): FetchRequest {
    if (!isPlainObject(request)) throw new InvalidArgumentError(`cacheApiResponse() takes a request object, got ${describeValue(request)}.`);
    const provider = requireName('provider', request.provider);
    return this.jsonRequest(provider, {
      url: this.cacheUrl(provider, requireHttpUrl('url', request.url)),
      identifier: requireString('identifier', request.identifier, { allowEmpty: true, maxLength: 1024 }),
      dataType: request.dataType === undefined ? 'api' : requireName('dataType', request.dataType),
      immediate: optionalBoolean('immediate', request.immediate, true),
      ttlSeconds: request.ttlSeconds,
      headers: request.headers,
      metadata: request.metadata,
    });
  }

  /**
   * An artist biography (Last.fm's artist.getinfo, a Wikipedia extract …) filed under the
   * normalised artist, data type `bio`, with its language in the metadata.
   */
  async cacheArtistBio<T extends JsonValue = JsonValue>(request: BioRequest): Promise<T | null> {
    if (!isPlainObject(request)) throw new InvalidArgumentError(`cacheArtistBio() takes a request object, got ${describeValue(request)}.`);
    const provider = requireName('provider', request.provider);
    const language = optionalString('language', request.language, 35) ?? 'en';
    if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(language)) {
      throw new InvalidArgumentError(`language must be a language code such as 'en' or 'pt-BR', got ${describeValue(request.language)}.`);
    }
    return this.fetchJson<T>(provider, {
      url: this.cacheUrl(provider, requireHttpUrl('url', request.url)),
      identifier: normalizeArtistIdentifier(request.artistIdentifier),
      dataType: 'bio',
      immediate: optionalBoolean('immediate', request.immediate, true),
      ttlSeconds: request.ttlSeconds,
      headers: request.headers,
      metadata: { language },
    });
  }

  /**
   * The URL a request is cached under: moved to the provider's configured base URL, and
   * without the configured API key.
   */
  cacheUrl(provider: string, url: string): string {
    return providerRequestUrl(this.settings, requireName('provider', provider), url);
  }

  private async fetchJson<T>(provider: string, request: Omit<FetchRequest, 'provider' | 'negativeTtlSeconds' | 'expect'>): Promise<T | null> {
    const client = await this.client();
    const entry = await client.getOrFetch(this.jsonRequest(provider, request));
    return entry === null ? null : entryJson<T>(entry);
  }

  private jsonRequest(provider: string, request: Omit<FetchRequest, 'provider' | 'negativeTtlSeconds' | 'expect'>): FetchRequest {
    const headers = isPlainObject(request.headers) ? { accept: 'application/json', ...request.headers } : request.headers;
    return { ...request, headers, provider, negativeTtlSeconds: presetOf(provider)?.negativeTtlSeconds, expect: 'json' };
  }
}
