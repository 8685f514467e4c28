import { InvalidJsonError, UnexpectedContentError } from '../http/http-errors.js';
import type { ResolvedFetch } from './fetch-request.js';
import { sniffImage, type SniffedImage } from './sniff-image.js';

/**
 * Checks a downloaded body against what the request expects, before anything is stored:
 * wrong data is never cached. Resolves to the sniffed image for `image` (its type and size
 * go into the entry), undefined otherwise; throws UnexpectedContentError or InvalidJsonError.
 */
export function checkContent(fetch: ResolvedFetch, body: Buffer, contentType: string | undefined): SniffedImage | undefined {
  if (fetch.expect === 'image') {
    const image = sniffImage(body);
    if (image === null) throw new UnexpectedContentError(fetch.url, fetch.dataType, contentType);
    return image;
  }
  if (fetch.expect === 'json') {
    try {
      JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new InvalidJsonError(fetch.url, contentType, error);
    }
  }
  return undefined;
}
