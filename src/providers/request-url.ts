import { requireHttpUrl } from '../validation.js';
import { withoutApiKey } from './api/api-key.js';
import { presetOf, serviceBaseUrl } from './api/presets.js';
import type { Secret } from './secret.js';

/** What turns a provider's URL into the one it is fetched and cached under. */
export interface ProviderUrlSettings {
  /** Where the service moved (a mirror, a test server). */
  baseUrl?: string;
  /** Its key, taken out of URLs: the cache and the queue never hold it. */
  apiKey?: Secret;
}

/**
 * The URL a request of `provider` is fetched and cached under, whichever way it came in (a
 * provider method, `providers.getOrFetch`, the command line): moved from the service's
 * address to its configured base URL, and without its configured API key.
 *
 * @example
 * providerRequestUrl(settings, 'theaudiodb', 'https://www.theaudiodb.com/api/v1/json/KEY/search.php?s=air')
 * // 'http://mirror.lan/api/v1/json/apikey/search.php?s=air' with a mirror and that key configured
 */
export function providerRequestUrl(settings: ReadonlyMap<string, ProviderUrlSettings>, provider: string, url: string): string {
  requireHttpUrl('url', url);
  const configured = settings.get(provider);
  const service = serviceBaseUrl(provider);
  let moved = url;
  if (service !== undefined && configured?.baseUrl !== undefined && url.startsWith(`${service}/`)) {
    moved = configured.baseUrl + url.slice(service.length);
  }
  const preset = presetOf(provider);
  return preset !== undefined && configured?.apiKey !== undefined ? withoutApiKey(moved, preset.apiKey, configured.apiKey.reveal()) : moved;
}
