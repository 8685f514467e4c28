import type { RequestAuthorizer } from '../../client/fetch-request.js';
import { isSecretParameterName } from '../../redaction.js';
import { onlyFor, PATH_KEY_PLACEHOLDER, replaceSegmentAfter, segmentAfter } from './api-key.js';
import { presetOf } from './presets.js';

/** A credential a caller put into a URL itself (a proxy client's own key). */
export type ClientKey = { in: 'query'; name: string; value: string } | { in: 'path'; after: string; value: string };

/** A URL taken apart: what it is cached under, and the keys that were in it. */
export interface ClientKeys {
  /** Without the keys: the cache and the queue never hold them. */
  url: string;
  keys: ClientKey[];
}

/**
 * Takes the keys a caller wrote into a URL out of it: every query parameter named like a
 * credential (api_key, token, sig … as redaction knows them) and, for a provider that takes its
 * key in the path (TheAudioDB), that segment (left as `apikey`, as a configured key is). What
 * remains is what the answer is cached under, so clients with different keys share one entry.
 *
 * @example takeClientKeys('lastfm', 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&api_key=abc')
 * // { url: 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo', keys: [{ in: 'query', name: 'api_key', value: 'abc' }] }
 */
export function takeClientKeys(provider: string, url: string): ClientKeys {
  const parsed = new URL(url);
  const keys: ClientKey[] = [];
  for (const [name, value] of [...parsed.searchParams]) {
    if (!isSecretParameterName(name)) continue;
    keys.push({ in: 'query', name, value });
    parsed.searchParams.delete(name, value);
  }
  const placement = presetOf(provider)?.apiKey;
  if (placement?.in === 'path') {
    const segment = segmentAfter(parsed.pathname, placement.after);
    if (segment !== null && segment !== '' && segment !== PATH_KEY_PLACEHOLDER) {
      keys.push({ in: 'path', after: placement.after, value: segment });
      parsed.pathname = replaceSegmentAfter(parsed.pathname, placement.after, PATH_KEY_PLACEHOLDER);
    }
  }
  return keys.length === 0 ? { url, keys } : { url: parsed.toString(), keys };
}

/**
 * Puts taken keys back as the request goes out, where they were (the path segment still
 * encoded as it came), and only on a request to one of `origins`: a redirect or a mirror
 * elsewhere never sees a client's key.
 */
export function clientKeyAuthorizer(keys: readonly ClientKey[], origins: ReadonlySet<string>): RequestAuthorizer | undefined {
  if (keys.length === 0 || origins.size === 0) return undefined;
  return onlyFor(origins, (request) => {
    const parsed = new URL(request.url);
    for (const key of keys) {
      if (key.in === 'query') parsed.searchParams.append(key.name, key.value);
      else parsed.pathname = replaceSegmentAfter(parsed.pathname, key.after, key.value);
    }
    return { url: parsed.toString(), headers: request.headers };
  });
}
