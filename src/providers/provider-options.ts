import { MAX_FETCH_TIMEOUT_MS, type ProviderSettings } from '../client/fetch-request.js';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DataStorageOptions } from '../storage/options.js';
import { describeValue, isPlainObject, optionalString, requireFiniteNumber, requireOptionsObject, requireString } from '../validation.js';
import { apiKeyAuthorizer } from './api/api-key.js';
import { presetOf } from './api/presets.js';

/** One provider's settings; each overrides its preset. */
export interface ProviderConfig {
  /** Where requests go instead of the service (a MusicBrainz mirror, a test server). */
  baseUrl?: string;
  /** Requests per second across every process; `Infinity` for none (a private mirror). */
  ratePerSecond?: number;
  /** Requests that may go at once before the rate applies. */
  burst?: number;
  ttlSeconds?: number;
  timeoutMs?: number;
  /** Sent the way the service takes it (see API_PRESETS), never stored, logged or shown. */
  apiKey?: string;
}

export interface DataCacheProvidersOptions {
  /** Default: `$DATACACHE_DIR`, else the OS user cache folder + `datacache`. */
  cacheDir?: string;
  /**
   * Name your application and a contact, as MusicBrainz requires of every client:
   * `'MyNowPlaying/2.1 ( dj@example.org )'`. The default names datacache, which is honest but
   * lets MusicBrainz tell your app's users apart from nobody else's.
   */
  userAgent?: string;
  /** Byte budget of the cache. Default 2 GiB. */
  maxSizeBytes?: number;
  /** Settings per provider: musicbrainz, theaudiodb, fanarttv, discogs, lastfm, wikimedia, cdn, or your own. */
  providers?: Record<string, ProviderConfig>;
  /** Where background work reports (anything with debug/info/warn/error, `console` included). Secrets are redacted. */
  logger?: Logger;
  /** How many days of per-minute analytics to keep. Default 7. */
  analyticsRetentionDays?: number;
  /** Further storage options (maintenance interval, lock timeout, memory tier …). */
  storage?: Omit<DataStorageOptions, 'cacheDir' | 'maxSizeBytes' | 'logger'>;
}

/** A checked provider entry: what the client needs, plus what the provider objects need. */
export interface ResolvedProvider {
  client: ProviderSettings;
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

/**
 * Checks the `providers` option and turns it, with the presets, into the client's settings:
 * rate and TTL from the preset unless overridden, an authorizer that adds the key as each
 * request goes out, and Discogs's lower anonymous rate when it has no key.
 */
export function resolveProviders(input: unknown): Map<string, ResolvedProvider> {
  const given = requireOptionsObject('providers', input);
  const names = new Set([...Object.keys(given), 'discogs', 'theaudiodb', 'fanarttv', 'lastfm', 'wikimedia']);
  const resolved = new Map<string, ResolvedProvider>();
  for (const name of names) {
    const config = Object.hasOwn(given, name) ? given[name] : {};
    if (!isPlainObject(config)) throw new InvalidArgumentError(`providers.${name} must be an object of settings, got ${describeValue(config)}.`);
    const preset = presetOf(name);
    const apiKey = optionalString(`providers.${name}.apiKey`, config.apiKey, 1024);
    if (apiKey !== undefined && (apiKey.trim() === '' || /[\s\r\n]/.test(apiKey))) {
      throw new InvalidArgumentError(`providers.${name}.apiKey must be the key itself, without spaces or line breaks.`);
    }
    if (apiKey !== undefined && preset === undefined) {
      throw new InvalidArgumentError(
        `providers.${name}.apiKey: datacache does not know how ${name} takes a key (it knows theaudiodb, fanarttv, discogs, lastfm and wikimedia); send it in the request's headers instead.`,
      );
    }
    const baseUrl = config.baseUrl === undefined ? undefined : requireBaseUrl(`providers.${name}.baseUrl`, config.baseUrl);
    const settings: ProviderSettings = {
      ttlSeconds: config.ttlSeconds === undefined ? preset?.ttlSeconds : requireFiniteNumber(`providers.${name}.ttlSeconds`, config.ttlSeconds, { min: 0 }),
      timeoutMs: config.timeoutMs === undefined ? preset?.timeoutMs : requireFiniteNumber(`providers.${name}.timeoutMs`, config.timeoutMs, { min: 1, max: MAX_FETCH_TIMEOUT_MS }),
      // The limiter checks these two itself.
      ratePerSecond: (config.ratePerSecond as number | undefined) ?? (apiKey === undefined ? preset?.anonymousRatePerSecond : undefined),
      burst: config.burst as number | undefined,
      authorize: apiKey !== undefined && preset !== undefined ? apiKeyAuthorizer(preset.apiKey, apiKey) : undefined,
    };
    // Leave out what nobody set, so the client's own defaults apply.
    const client = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as ProviderSettings;
    resolved.set(name, { client, baseUrl, apiKey });
  }
  return resolved;
}

function requireBaseUrl(name: string, value: unknown): string {
  const text = requireString(name, value, { maxLength: 2048 });
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InvalidArgumentError(`${name} must be an http(s) URL such as https://musicbrainz.example.org, got ${describeValue(value)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`${name} must be an http(s) URL, got ${describeValue(value)}.`);
  }
  return text.replace(/\/+$/, '');
}
