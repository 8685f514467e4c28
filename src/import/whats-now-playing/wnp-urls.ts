import { replaceSegmentAfter } from '../../providers/api/api-key.js';
import { takeClientKeys } from '../../providers/api/client-key.js';
import { API_PRESETS, presetOf } from '../../providers/api/presets.js';

/** What the importer needs to know of datacache's provider settings (a DataCacheProviders gives it). */
export interface ProviderUrlRules {
  /** The URL the providers cache a request under: moved to a configured mirror, without the configured key. */
  cacheUrl(provider: string, url: string): string;
  hasApiKey(provider: string): boolean;
}

/** A whats-now-playing URL as datacache files it, and whether a key or password was taken out of it. */
export interface MappedUrl {
  url: string;
  keyRemoved: boolean;
}

/**
 * The URL datacache's providers would cache the same request under, with no key left in it:
 *
 * - a user name and password, and every query parameter named like a secret (`api_key`,
 *   `apikey`, `token` …), are taken out;
 * - TheAudioDB's key, which whats-now-playing puts in the path, becomes what datacache puts
 *   there: `apikey` when a key is configured (it is added as the request goes out), else the
 *   public key `123` datacache asks with; the artist record is the same under either key;
 * - a service's own API address moves to https (whats-now-playing asks fanart.tv over http),
 *   then to a configured mirror, and a configured key's value comes out (`cacheUrl`).
 *
 * Keys whats-now-playing made up (`apicache://…`, `wnpmb://…`, `embedded://…`) are kept as they
 * are: they hold artist names and hashes, no keys. Image URLs keep their scheme: datacache
 * asks for them as the provider's answer names them.
 *
 * @example mapWnpUrl('http://webservice.fanart.tv/v3/music/abc?api_key=SECRET', 'fanarttv', rules)
 * // { url: 'https://webservice.fanart.tv/v3/music/abc', keyRemoved: true }
 */
export function mapWnpUrl(url: string, provider: string, rules: ProviderUrlRules): MappedUrl {
  if (!/^https?:\/\//iu.test(url)) return { url, keyRemoved: false };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, keyRemoved: false };
  }
  const hadCredentials = parsed.username !== '' || parsed.password !== '';
  parsed.username = '';
  parsed.password = '';
  if (parsed.protocol === 'http:' && SERVICE_HOSTS.has(parsed.host)) parsed.protocol = 'https:';
  // The keys a proxy client may put in a URL are the ones whats-now-playing did: one rule for both.
  const taken = takeClientKeys(provider, parsed.toString());
  const keyRemoved = hadCredentials || taken.keys.some((key) => !(key.in === 'path' && PUBLIC_THE_AUDIO_DB_KEYS.has(key.value)));
  let cleaned = taken.url;
  const pathKey = presetOf(provider)?.apiKey;
  // Without a configured key datacache asks TheAudioDB with its public key: file the answer there.
  if (pathKey?.in === 'path' && !rules.hasApiKey(provider)) {
    const withPublicKey = new URL(cleaned);
    withPublicKey.pathname = replaceSegmentAfter(withPublicKey.pathname, pathKey.after, '123');
    cleaned = withPublicKey.toString();
  }
  return { url: rules.cacheUrl(provider, cleaned), keyRemoved };
}

/** The hosts of the services datacache knows: their APIs are https (whats-now-playing asked some over http). */
const SERVICE_HOSTS: ReadonlySet<string> = new Set([
  'musicbrainz.org',
  ...Object.values(API_PRESETS).flatMap((preset) => [preset.baseUrl, ...preset.keyOrigins].map((origin) => new URL(origin).host)),
]);

/** TheAudioDB's published test keys: not secrets. */
const PUBLIC_THE_AUDIO_DB_KEYS: ReadonlySet<string> = new Set(['2', '123']);
