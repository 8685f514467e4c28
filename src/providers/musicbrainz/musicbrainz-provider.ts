import type { FetchRequest } from '../../client/fetch-request.js';
import type { DataCacheClient } from '../../client/data-cache-client.js';
import { clientGetter, type ClientSource } from '../client-source.js';
import { InvalidArgumentError } from '../../errors.js';
import { describeValue, optionalBoolean, optionalFiniteNumber, requireOptionsObject, type JsonObject } from '../../validation.js';
import { normalizeArtistIdentifier } from '../identifiers.js';
import { escapeLuceneQuery, musicbrainzUrl, requireMbid } from './query.js';
import { entryJson } from '../../client/entry-json.js';

export interface MusicBrainzOptions {
  /** A mirror or a test server; default https://musicbrainz.org. */
  baseUrl?: string;
}

export interface SearchOptions {
  /** 1 to 100; MusicBrainz's default is 25. */
  limit?: number;
  offset?: number;
  /** Fetch now (default), or queue for a background worker and resolve null. */
  immediate?: boolean;
}

export interface LookupOptions {
  /** Sub-queries to include, such as ['aliases', 'tags', 'url-rels']. */
  inc?: string[];
  immediate?: boolean;
}

/** An artist, recording or release as ws/2 returns it; the fields every one has are typed, the rest is JSON. */
export type MusicBrainzEntity = JsonObject & {
  id: string;
  /** Artists have a name, recordings and releases a title. */
  name?: string;
  title?: string;
  /** In search answers: 0-100, how well it matched. */
  score?: number;
};

/** A ws/2 search answer as MusicBrainz returns it: `count`, `offset`, and `artists`, `recordings` or `releases`. */
export type SearchResult<Key extends string> = { created?: string; count: number; offset: number } & { [key in Key]: MusicBrainzEntity[] };

/**
 * MusicBrainz's ws/2 JSON API through the cache: one request per second across every process
 * of the app (MusicBrainz's own limit; its 503 "slow down" starts a shared cool-down), a 15 s
 * timeout and a 30-day TTL by default (the client's provider settings change them), and each
 * request URL built with its parameters in one order, so one search is one cache entry.
 *
 * MusicBrainz refuses anonymous clients: give the client a User-Agent naming your application
 * and a contact.
 *
 * @example
 * const musicbrainz = new MusicBrainzProvider(client);
 * const { artists } = (await musicbrainz.searchArtists('Daft Punk', { limit: 5 }))!;
 */
export class MusicBrainzProvider {
  readonly baseUrl: string;
  private readonly client: () => Promise<DataCacheClient>;

  constructor(client: ClientSource, options: MusicBrainzOptions = {}) {
    this.client = clientGetter(client);
    this.baseUrl = options.baseUrl ?? 'https://musicbrainz.org';
    if (!/^https?:\/\//.test(this.baseUrl)) throw new InvalidArgumentError(`baseUrl must be an http(s) URL, got ${describeValue(this.baseUrl)}.`);
  }

  searchArtists(query: string, options?: SearchOptions): Promise<SearchResult<'artists'> | null> {
    return this.search('artist', query, options);
  }

  searchRecordings(query: string, options?: SearchOptions): Promise<SearchResult<'recordings'> | null> {
    return this.search('recording', query, options);
  }

  searchReleases(query: string, options?: SearchOptions): Promise<SearchResult<'releases'> | null> {
    return this.search('release', query, options);
  }

  lookupArtist(mbid: string, options?: LookupOptions): Promise<MusicBrainzEntity | null> {
    return this.lookup('artist', mbid, options);
  }

  lookupRecording(mbid: string, options?: LookupOptions): Promise<MusicBrainzEntity | null> {
    return this.lookup('recording', mbid, options);
  }

  lookupRelease(mbid: string, options?: LookupOptions): Promise<MusicBrainzEntity | null> {
    return this.lookup('release', mbid, options);
  }

  /**
   * The URL (and so the cache key) of a search, without fetching: to ask the cache or the
   * queue about it.
   *
   * @example musicbrainz.searchUrl('artist', 'Daft Punk') // 'https://musicbrainz.org/ws/2/artist?fmt=json&query=Daft%20Punk'
   */
  searchUrl(entity: 'artist' | 'recording' | 'release', query: string, input?: Omit<SearchOptions, 'immediate'>): string {
    if (!['artist', 'recording', 'release'].includes(entity)) throw new InvalidArgumentError(`entity must be artist, recording or release, got ${describeValue(entity)}.`);
    const options = requireOptionsObject('search options', input);
    const limit = options.limit === undefined ? undefined : optionalFiniteNumber('limit', options.limit, 25, { min: 1, max: 100, integer: true });
    const offset = options.offset === undefined ? undefined : optionalFiniteNumber('offset', options.offset, 0, { min: 0, integer: true });
    return musicbrainzUrl(this.baseUrl, entity, { fmt: 'json', query: escapeLuceneQuery(query), limit, offset });
  }

  private async search<Key extends string>(entity: 'artist' | 'recording' | 'release', query: string, input?: SearchOptions): Promise<SearchResult<Key> | null> {
    const options = requireOptionsObject('search options', input);
    const url = this.searchUrl(entity, query, { limit: options.limit as number | undefined, offset: options.offset as number | undefined });
    return this.get(url, normalizeArtistIdentifier(query), optionalBoolean('immediate', options.immediate, true));
  }

  private async lookup(entity: string, mbid: string, input?: LookupOptions): Promise<MusicBrainzEntity | null> {
    const id = requireMbid('mbid', mbid);
    const options = requireOptionsObject('lookup options', input);
    const inc = options.inc === undefined ? undefined : requireIncludes(options.inc);
    const url = musicbrainzUrl(this.baseUrl, `${entity}/${id}`, { fmt: 'json', inc });
    return this.get(url, id, optionalBoolean('immediate', options.immediate, true));
  }

  /**
   * The request `searchArtists(name)` makes, for a caller that queues or chains it itself
   * (the artist chain's first step).
   */
  artistSearchRequest(name: string): FetchRequest {
    return fetchRequestOf(this.searchUrl('artist', name), normalizeArtistIdentifier(name), false);
  }

  private async get<T>(url: string, identifier: string, immediate: boolean): Promise<T | null> {
    const entry = await (await this.client()).getOrFetch(fetchRequestOf(url, identifier, immediate));
    return entry === null ? null : entryJson<T>(entry);
  }
}

/** Every MusicBrainz request: JSON, filed under `musicbrainz`. */
function fetchRequestOf(url: string, identifier: string, immediate: boolean): FetchRequest {
  return { url, identifier, dataType: 'musicbrainz', provider: 'musicbrainz', immediate, headers: { accept: 'application/json' }, expect: 'json' };
}

/** Includes are words such as `url-rels`; sorted and space-joined (sent as `a+b`) so the cache key is canonical. */
function requireIncludes(value: unknown): string {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !/^[a-z-]+$/.test(item))) {
    throw new InvalidArgumentError(`inc must be a list of MusicBrainz include names such as ['aliases', 'url-rels'], got ${describeValue(value)}.`);
  }
  return [...new Set(value as string[])].sort().join(' ');
}
