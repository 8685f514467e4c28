import type { JobRetries } from '../client/data-cache-client.js';
import { chainAuthorizers, MAX_FETCH_TIMEOUT_MS, type ProviderSettings, type RequestAuthorizer } from '../client/fetch-request.js';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactUrl } from '../redaction.js';
import type { SharedOption } from '../backends/postgres/connection-options.js';
import type { DataStorageOptions } from '../storage/options.js';
import { describeValue, isPlainObject, optionalString, requireFiniteNumber, requireOptionsObject, requireString } from '../validation.js';
import { apiKeyAuthorizer, headersAuthorizer } from './api/api-key.js';
import { presetOf } from './api/presets.js';
import { Secret } from './secret.js';

/** One provider's settings; each overrides its preset. */
export interface ProviderConfig {
  /**
   * Where requests go instead of the service (a MusicBrainz mirror, a test server). A user name
   * and password in it (`http://dj:secret@mirror.lan:5000`) are sent as Basic authentication to
   * that origin only, and kept out of every URL that is stored or shown.
   */
  baseUrl?: string;
  /** Requests per second across every process; `Infinity` for none (a private mirror). */
  ratePerSecond?: number;
  /** Requests that may go at once before the rate applies. */
  burst?: number;
  ttlSeconds?: number;
  timeoutMs?: number;
  /**
   * Sent the way the service takes it (see API_PRESETS), only to the service's own origin or
   * the configured `baseUrl`; never stored, logged or shown.
   */
  apiKey?: string;
  /**
   * Headers sent with every request to the provider's own origin (its `baseUrl`, or the
   * service a preset knows), and to no other: a mirror's token, say. Never stored or shown;
   * each process adds its own, like keys. Needs a `baseUrl` for a provider datacache does not know.
   */
  headers?: Record<string, string>;
  /** The largest body accepted (default: 1 MiB for JSON, or the preset's cap; 25 MiB for images). */
  maxBytes?: number;
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
  /**
   * The shared tier: a `postgres://` URL (or a node-postgres pool config) that every machine of
   * a station gives, so they share one cache, one queue and one rate-limit budget. Each
   * machine's `cacheDir` stays its fast local tier. Without it nothing changes.
   */
  shared?: SharedOption;
  /** The shared tier's byte budget. Default: unlimited. */
  sharedMaxSizeBytes?: number;
  /** Settings per provider: musicbrainz, theaudiodb, fanarttv, discogs, lastfm, wikimedia, cdn, or your own. */
  providers?: Record<string, ProviderConfig>;
  /** Where background work reports (anything with debug/info/warn/error, `console` included). Secrets are redacted. */
  logger?: Logger;
  /** How many days of per-minute analytics to keep. Default 7. */
  analyticsRetentionDays?: number;
  /**
   * How long a worker's claim on a queued job lasts: a worker that dies (killed, its machine
   * gone) holds its jobs this long before another worker takes them over. Live workers renew
   * their claims, so a long fetch is not taken away. Default 60 s; at least 1 s.
   */
  leaseMs?: number;
  /**
   * How a queued job that failed is tried again: `{ attempts: 5, firstDelayMs: 2000,
   * maxDelayMs: 600000 }` by default. A precache of a library whose artists keep failing ends
   * after about 15-30 s of retries per job with these; a station may want more patience.
   */
  jobRetries?: JobRetries;
  /**
   * When the cache directory's database cannot be used (corrupt, unreadable, locked, written by
   * a newer datacache, an unsafe directory): `'stand-in'` (the default) answers through a
   * private, temporary cache of this process and says so once through the logger (see
   * `degradedBy`); `'throw'` fails every call with the error, for tools that only inspect the cache.
   */
  unusableCache?: 'stand-in' | 'throw';
  /** Further storage options (maintenance interval, lock timeout, memory tier …). */
  storage?: Omit<DataStorageOptions, 'cacheDir' | 'maxSizeBytes' | 'logger' | 'shared' | 'sharedMaxSizeBytes'>;
}

/** A checked provider entry: what the client needs, plus what the provider objects need. */
export interface ResolvedProvider {
  client: ProviderSettings;
  /** Without any user name or password (those are sent as Basic authentication). */
  baseUrl: string | undefined;
  apiKey: Secret | undefined;
}

/**
 * Checks the `providers` option and turns it, with the presets, into the client's settings:
 * rate and TTL from the preset unless overridden, an authorizer that adds the key, the
 * configured headers and a mirror's password as each request goes out (to the provider's own
 * origin only), and Discogs's lower anonymous rate when it has no key. Keys become Secrets.
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
        `providers.${name}.apiKey: datacache does not know how ${name} takes a key (it knows theaudiodb, fanarttv, discogs, lastfm and wikimedia); give its header in providers.${name}.headers, with its baseUrl.`,
      );
    }
    const mirror = config.baseUrl === undefined ? undefined : requireBaseUrl(`providers.${name}.baseUrl`, config.baseUrl);
    // Where credentials may go: the configured mirror, else the service the preset knows.
    const origins = new Set<string>(mirror === undefined ? (preset?.keyOrigins ?? []) : [new URL(mirror.url).origin]);
    const headers = requireSecretHeaders(`providers.${name}.headers`, config.headers);
    if (headers.size > 0 && origins.size === 0) {
      throw new InvalidArgumentError(`providers.${name}.headers needs providers.${name}.baseUrl: datacache sends credentials only to the origin they belong to.`);
    }
    const secret = apiKey === undefined ? undefined : new Secret(apiKey);
    const authorizers: RequestAuthorizer[] = [];
    if (mirror?.basic !== undefined) {
      if (preset?.apiKey.in === 'header' && preset.apiKey.name === 'authorization' && secret !== undefined) {
        throw new InvalidArgumentError(`providers.${name}: a password in baseUrl and an apiKey would both be sent as Authorization; keep one.`);
      }
      authorizers.push(headersAuthorizer(new Map([['authorization', mirror.basic]]), origins));
    }
    if (headers.size > 0) authorizers.push(headersAuthorizer(headers, origins));
    if (secret !== undefined && preset !== undefined) authorizers.push(apiKeyAuthorizer(preset.apiKey, secret, origins));
    const settings: ProviderSettings = {
      ttlSeconds: config.ttlSeconds === undefined ? preset?.ttlSeconds : requireFiniteNumber(`providers.${name}.ttlSeconds`, config.ttlSeconds, { min: 0 }),
      timeoutMs: config.timeoutMs === undefined ? preset?.timeoutMs : requireFiniteNumber(`providers.${name}.timeoutMs`, config.timeoutMs, { min: 1, max: MAX_FETCH_TIMEOUT_MS }),
      maxBytes: config.maxBytes === undefined ? undefined : requireFiniteNumber(`providers.${name}.maxBytes`, config.maxBytes, { min: 1 }),
      maxJsonBytes: preset?.maxJsonBytes,
      // The limiter checks these two itself.
      ratePerSecond: (config.ratePerSecond as number | undefined) ?? (apiKey === undefined ? preset?.anonymousRatePerSecond : undefined),
      burst: config.burst as number | undefined,
      authorize: chainAuthorizers(authorizers),
    };
    // Leave out what nobody set, so the client's own defaults apply.
    const client = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as ProviderSettings;
    resolved.set(name, { client, baseUrl: mirror?.url, apiKey: secret });
  }
  return resolved;
}

/** RFC 9110 token characters, and visible Latin-1 for values: what a header can carry. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function requireSecretHeaders(name: string, value: unknown): Map<string, Secret> {
  if (value === undefined) return new Map();
  if (!isPlainObject(value)) throw new InvalidArgumentError(`${name} must be an object of header names to values, got ${describeValue(value)}.`);
  const headers = new Map<string, Secret>();
  for (const [header, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(header)) throw new InvalidArgumentError(`${name}: ${JSON.stringify(header.slice(0, 60))} is not a valid header name.`);
    if (typeof text !== 'string' || !HEADER_VALUE.test(text)) throw new InvalidArgumentError(`${name}.${header} must be a single-line string of printable Latin-1 characters.`);
    headers.set(header.toLowerCase(), new Secret(text));
  }
  return headers;
}

/** A base URL, without a trailing slash, and the Basic credentials its user name and password make (taken out of it). */
function requireBaseUrl(name: string, value: unknown): { url: string; basic: Secret | undefined } {
  const text = requireString(name, value, { maxLength: 2048 });
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InvalidArgumentError(`${name} must be an http(s) URL such as https://musicbrainz.example.org, got ${JSON.stringify(redactUrl(text).slice(0, 100))}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`${name} must be an http(s) URL, got ${JSON.stringify(redactUrl(text).slice(0, 100))}.`);
  }
  let basic: Secret | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    basic = new Secret(`Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`);
    parsed.username = '';
    parsed.password = '';
  }
  return { url: parsed.toString().replace(/\/+$/, ''), basic };
}
