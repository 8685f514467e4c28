import type { OutgoingRequest, RequestAuthorizer } from '../../client/fetch-request.js';
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

/** Puts the key where the provider takes it, as each request goes out. */
export function apiKeyAuthorizer(placement: ApiKeyPlacement, key: string): RequestAuthorizer {
  return (request: OutgoingRequest): OutgoingRequest => {
    switch (placement.in) {
      case 'header':
        return { url: request.url, headers: { ...request.headers, [placement.name]: (placement.format ?? '{key}').replace('{key}', key) } };
      case 'query': {
        const parsed = new URL(request.url);
        parsed.searchParams.set(placement.name, key);
        return { url: parsed.toString(), headers: request.headers };
      }
      case 'path': {
        const parsed = new URL(request.url);
        parsed.pathname = replaceSegmentAfter(parsed.pathname, placement.after, encodeURIComponent(key));
        return { url: parsed.toString(), headers: request.headers };
      }
    }
  };
}

function replaceSegmentAfter(pathname: string, after: string, replacement: string): string {
  const start = pathname.indexOf(after);
  if (start === -1) return pathname;
  const segmentStart = start + after.length;
  const segmentEnd = pathname.indexOf('/', segmentStart);
  return pathname.slice(0, segmentStart) + replacement + (segmentEnd === -1 ? '' : pathname.slice(segmentEnd));
}
