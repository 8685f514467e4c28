import type { OutgoingRequest, RequestAuthorizer } from '../../client/fetch-request.js';
import type { Secret } from '../secret.js';
import type { ApiKeyPlacement } from './presets.js';

/** What stands for the key in a cached URL when the key sits in the path. */
export const PATH_KEY_PLACEHOLDER = 'apikey';

/**
 * The URL a request is cached and queued under: without the key, so that the key never
 * reaches the database and a new key keeps the cache. The key is taken out where the
 * provider takes it, and out of any query parameter that carries its exact value.
 *
 * @example withoutApiKey('https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&api_key=abc', { in: 'query', name: 'api_key' }, 'abc')
 * // 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo'
 */
export function withoutApiKey(url: string, placement: ApiKeyPlacement, key: string): string {
  const parsed = new URL(url);
  for (const [name, value] of [...parsed.searchParams]) {
    if (value === key || (placement.in === 'query' && name.toLowerCase() === placement.name.toLowerCase())) parsed.searchParams.delete(name, value);
  }
  if (placement.in === 'path') parsed.pathname = replaceSegmentAfter(parsed.pathname, placement.after, PATH_KEY_PLACEHOLDER);
  return parsed.toString();
}

/**
 * Puts the key where the provider takes it, as each request goes out, but only on a request
 * to one of `origins` (the service's own, or the configured mirror's): a URL of some other
 * host filed under the provider (an image CDN, a typo, a hostile answer) gets no key.
 */
export function apiKeyAuthorizer(placement: ApiKeyPlacement, key: Secret, origins: ReadonlySet<string>): RequestAuthorizer {
  return onlyFor(origins, (request) => {
    switch (placement.in) {
      case 'header':
        return { url: request.url, headers: { ...request.headers, [placement.name]: (placement.format ?? '{key}').replace('{key}', key.reveal()) } };
      case 'query': {
        const parsed = new URL(request.url);
        parsed.searchParams.set(placement.name, key.reveal());
        return { url: parsed.toString(), headers: request.headers };
      }
      case 'path': {
        const parsed = new URL(request.url);
        parsed.pathname = replaceSegmentAfter(parsed.pathname, placement.after, encodeURIComponent(key.reveal()));
        return { url: parsed.toString(), headers: request.headers };
      }
    }
  });
}

/** Adds configured headers (a mirror's password, a token) to requests to `origins` only. */
export function headersAuthorizer(headers: ReadonlyMap<string, Secret>, origins: ReadonlySet<string>): RequestAuthorizer {
  return onlyFor(origins, (request) => ({ url: request.url, headers: { ...request.headers, ...Object.fromEntries([...headers].map(([name, value]) => [name, value.reveal()])) } }));
}

/** Applies `authorize` to requests to one of `origins` only; any other goes as it is. */
export function onlyFor(origins: ReadonlySet<string>, authorize: (request: OutgoingRequest) => OutgoingRequest): RequestAuthorizer {
  return (request) => (origins.has(originOf(request.url)) ? authorize(request) : request);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The path segment right after `after` (TheAudioDB's key), or null when there is none. */
export function segmentAfter(pathname: string, after: string): string | null {
  const start = pathname.indexOf(after);
  if (start === -1) return null;
  const segmentStart = start + after.length;
  const segmentEnd = pathname.indexOf('/', segmentStart);
  return pathname.slice(segmentStart, segmentEnd === -1 ? undefined : segmentEnd);
}

/** `pathname` with the segment right after `after` replaced (unchanged when `after` is not in it). */
export function replaceSegmentAfter(pathname: string, after: string, replacement: string): string {
  const start = pathname.indexOf(after);
  if (start === -1) return pathname;
  const segmentStart = start + after.length;
  const segmentEnd = pathname.indexOf('/', segmentStart);
  return pathname.slice(0, segmentStart) + replacement + (segmentEnd === -1 ? '' : pathname.slice(segmentEnd));
}
