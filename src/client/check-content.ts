import { InvalidJsonError, JsonTooDeepError, UnexpectedContentError } from '../http/http-errors.js';
import type { ResolvedFetch } from './fetch-request.js';
import { JsonDepthTracker, MAX_JSON_DEPTH } from './json-depth.js';
import { sniffImage, type SniffedImage } from './sniff-image.js';

/** What checking a body found: the sniffed image, or the parsed JSON (handed to the caller, not parsed again). */
export interface CheckedContent {
  image?: SniffedImage;
  json?: { value: unknown };
}

/**
 * Checks a body against what the request expects while it streams in: a JSON answer's nesting
 * is followed chunk by chunk and refused past MAX_JSON_DEPTH before anything parses it.
 * Returns the per-chunk hook for the download, or undefined when there is nothing to follow.
 */
export function contentWatcher(fetch: ResolvedFetch): ((chunk: Buffer) => void) | undefined {
  if (fetch.expect !== 'json') return undefined;
  const depth = new JsonDepthTracker(MAX_JSON_DEPTH);
  return (chunk) => {
    if (!depth.add(chunk)) throw new JsonTooDeepError(fetch.url, MAX_JSON_DEPTH);
  };
}

/**
 * Checks a downloaded body against what the request expects, before anything is stored:
 * wrong data is never cached. An image is sniffed (its type and size go into the entry); JSON
 * is parsed once, here, and the value kept for the caller. Throws UnexpectedContentError or
 * InvalidJsonError.
 */
export function checkContent(fetch: ResolvedFetch, body: Buffer, contentType: string | undefined): CheckedContent {
  if (fetch.expect === 'image') {
    const image = sniffImage(body);
    if (image === null) throw new UnexpectedContentError(fetch.url, fetch.dataType, contentType);
    return { image };
  }
  if (fetch.expect === 'json') {
    try {
      return { json: { value: JSON.parse(body.toString('utf8')) as unknown } };
    } catch (error) {
      throw new InvalidJsonError(fetch.url, contentType, error);
    }
  }
  return {};
}
