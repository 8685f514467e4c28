/** How a provider takes its API key. */
export type ApiKeyPlacement =
  /** In a header; `format` wraps the key (`Discogs token={key}`). */
  | { in: 'header'; name: string; format?: string }
  /** In a query parameter. */
  | { in: 'query'; name: string }
  /** As the path segment right after `after` (TheAudioDB: `/api/v1/json/<key>/search.php`). */
  | { in: 'path'; after: string };

/** What datacache knows of a public API beyond its rate limit (that is in DEFAULT_RATE_LIMITS). */
export interface ApiPreset {
  /** Where the service lives; URLs under it move to a configured `baseUrl` (a mirror, a test server). */
  baseUrl: string;
  /**
   * The origins its key is sent to (besides a configured `baseUrl`'s): a request of this
   * provider to any other host goes without it.
   */
  keyOrigins: readonly string[];
  ttlSeconds: number;
  /** How long a 404 ("no such artist") is remembered, so the next track does not ask again. */
  negativeTtlSeconds: number;
  timeoutMs: number;
  apiKey: ApiKeyPlacement;
  /** The rate for a client without a key, where the service allows fewer requests then. */
  anonymousRatePerSecond?: number;
  /** The largest JSON answer taken: a little above the largest the service sends, so a hostile one parses quickly. */
  maxJsonBytes: number;
}

const DAY = 86_400;
const KIB = 1024;

/**
 * The presets, from each service's documentation:
 * - TheAudioDB: v1 takes the key only in the path; the free tier allows 30 requests a minute.
 * - fanart.tv: the project key goes in an `api-key` header (it also takes `?api_key=`).
 * - Discogs: a personal token in `Authorization: Discogs token=…`; 60 requests a minute with
 *   it, 25 without (the rate limit drops to that when no key is set).
 * - Last.fm: `api_key` is a query parameter only.
 * - Wikimedia: no key needed; a personal API token, when given, goes in `Authorization: Bearer`,
 *   to Wikidata and the API portal (api.wikimedia.org) only. Articles change more often than
 *   discographies, so a day's TTL. A Wikidata entity of a well-known artist reaches 1 MB.
 * - The others' answers are tens of kilobytes: 512 KiB is plenty.
 */
export const API_PRESETS: Readonly<Record<string, ApiPreset>> = {
  theaudiodb: {
    baseUrl: 'https://www.theaudiodb.com',
    maxJsonBytes: 512 * KIB,
    keyOrigins: ['https://www.theaudiodb.com'],
    ttlSeconds: 7 * DAY,
    negativeTtlSeconds: DAY,
    timeoutMs: 15_000,
    apiKey: { in: 'path', after: '/api/v1/json/' },
  },
  fanarttv: {
    baseUrl: 'https://webservice.fanart.tv',
    maxJsonBytes: 512 * KIB,
    keyOrigins: ['https://webservice.fanart.tv'],
    ttlSeconds: 7 * DAY,
    negativeTtlSeconds: DAY,
    timeoutMs: 15_000,
    apiKey: { in: 'header', name: 'api-key' },
  },
  discogs: {
    baseUrl: 'https://api.discogs.com',
    maxJsonBytes: 512 * KIB,
    keyOrigins: ['https://api.discogs.com'],
    ttlSeconds: 7 * DAY,
    negativeTtlSeconds: DAY,
    timeoutMs: 15_000,
    apiKey: { in: 'header', name: 'authorization', format: 'Discogs token={key}' },
    anonymousRatePerSecond: 25 / 60,
  },
  lastfm: {
    baseUrl: 'https://ws.audioscrobbler.com',
    maxJsonBytes: 512 * KIB,
    keyOrigins: ['https://ws.audioscrobbler.com'],
    ttlSeconds: 7 * DAY,
    negativeTtlSeconds: DAY,
    timeoutMs: 15_000,
    apiKey: { in: 'query', name: 'api_key' },
  },
  wikimedia: {
    baseUrl: 'https://www.wikidata.org',
    maxJsonBytes: 2048 * KIB,
    keyOrigins: ['https://www.wikidata.org', 'https://api.wikimedia.org'],
    ttlSeconds: DAY,
    negativeTtlSeconds: DAY,
    timeoutMs: 15_000,
    apiKey: { in: 'header', name: 'authorization', format: 'Bearer {key}' },
  },
};

/** The preset for `provider`, if there is one. */
export function presetOf(provider: string): ApiPreset | undefined {
  return Object.hasOwn(API_PRESETS, provider) ? API_PRESETS[provider] : undefined;
}

/** Known services without a key, so without a preset: where they live. */
const KEYLESS_SERVICES: Readonly<Record<string, string>> = {
  musicbrainz: 'https://musicbrainz.org',
  coverartarchive: 'https://coverartarchive.org',
};

/**
 * Where a known service lives: the presets', MusicBrainz's and the Cover Art Archive's (which
 * have no key). A URL under it moves to the provider's configured `baseUrl`, whoever passes it in.
 */
export function serviceBaseUrl(provider: string): string | undefined {
  return Object.hasOwn(KEYLESS_SERVICES, provider) ? KEYLESS_SERVICES[provider] : presetOf(provider)?.baseUrl;
}
