import type { ServerResponse } from 'node:http';
import { DataCacheError, InvalidArgumentError, ProviderCoolingDownError, RateLimitWaitError } from '../errors.js';
import { DownloadError, DownloadTimeoutError, HttpStatusError } from '../http/http-errors.js';
import { redactText } from '../redaction.js';
import type { CachedEntry } from '../storage/cached-entry.js';

/** Where an answer came from: the cache (fresh), the origin now, or an expired copy because the origin failed. */
export type CacheOutcome = 'HIT' | 'MISS' | 'STALE';

/**
 * On every answer: no sniffing, and no script should a browser open one (an SVG from the
 * internet could carry some, and it would run on the proxy's origin).
 */
const SAFETY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
};

/** A media type (`type/subtype` and parameters) Node can put into a header: stored ones imported from elsewhere may hold anything. */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,127}\/[a-z0-9!#$&^_.+-]{1,127}(?:\s*;[\t\x20-\x7e]{0,200})?$/iu;
/** A validator value as it may go into a header. */
const HEADER_VALUE = /^[\t\x20-\x7e]{1,512}$/u;

/** A refusal or failure the proxy answers itself, with its status (403 not a relay, 404 no route …). */
export class ProxyRefusal extends DataCacheError {
  readonly status: number;

  constructor(status: number, message: string) {
    super('ERR_DATACACHE_PROXY_REFUSED', message);
    this.status = status;
  }
}

/**
 * Answers with a cached entry as the origin sent it: its status, Content-Type and validators
 * (ETag, Last-Modified), `Age` since it was stored and `X-Cache`. A client's `If-None-Match`
 * that names the entry's ETag gets a 304.
 */
export function answerEntry(response: ServerResponse, entry: CachedEntry, outcome: CacheOutcome, now: number): void {
  const headers: Record<string, string | number> = {
    ...SAFETY_HEADERS,
    'content-type': entry.mimeType !== null && MEDIA_TYPE.test(entry.mimeType) ? entry.mimeType : 'application/octet-stream',
    age: Math.max(0, Math.floor((now - entry.storedAt) / 1000)),
    'x-cache': outcome,
  };
  if (entry.etag !== null && HEADER_VALUE.test(entry.etag)) headers.etag = entry.etag;
  if (entry.lastModified !== null && HEADER_VALUE.test(entry.lastModified)) headers['last-modified'] = entry.lastModified;
  if (typeof headers.etag === 'string' && matchesEtag(response.req.headers['if-none-match'], headers.etag)) {
    delete headers['content-type'];
    response.writeHead(304, headers);
    response.end();
    return;
  }
  headers['content-length'] = entry.data.length;
  response.writeHead(200, headers);
  response.end(response.req.method === 'HEAD' ? undefined : entry.data);
}

/** A remembered or just-fetched "not found" (the origin's 404, cached as a negative entry). */
export function answerNotFound(response: ServerResponse, outcome: CacheOutcome): void {
  answerJson(response, 404, { error: 'The origin answered 404 (not found).' }, { 'x-cache': outcome });
}

/**
 * Answers a failure: the origin's own status when it answered one (404, 401 …); 503 with
 * `Retry-After` when the provider's rate limit would keep the client waiting past its timeout
 * or the provider asked everyone to back off (as MusicBrainz itself answers); 504 on a timeout;
 * 502 when the origin could not be used; 400 for a request that makes no sense.
 */
export function answerError(response: ServerResponse, error: unknown, now: number): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = redactText(error instanceof Error ? error.message : String(error));
  const code = error instanceof DataCacheError ? error.code : undefined;
  const body = { error: message, ...(code === undefined ? {} : { code }) };
  if (error instanceof RateLimitWaitError || error instanceof ProviderCoolingDownError) {
    const waitMs = error instanceof RateLimitWaitError ? error.waitMs : error.until - now;
    answerJson(response, 503, body, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))), 'x-cache': 'MISS' });
  } else if (error instanceof ProxyRefusal) {
    answerJson(response, error.status, body, error.status === 405 ? { allow: 'GET, HEAD' } : {});
  } else if (error instanceof HttpStatusError) {
    answerJson(response, error.status, body, { 'x-cache': 'MISS' });
  } else if (error instanceof DownloadTimeoutError) {
    answerJson(response, 504, body, { 'x-cache': 'MISS' });
  } else if (error instanceof DownloadError) {
    answerJson(response, 502, body, { 'x-cache': 'MISS' });
  } else if (error instanceof InvalidArgumentError) {
    answerJson(response, 400, body);
  } else {
    answerJson(response, 500, body);
  }
}

/** A short JSON answer the proxy writes itself. */
export function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { ...SAFETY_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  response.end(response.req.method === 'HEAD' ? undefined : bytes);
}

/** `If-None-Match: "a", W/"b"` or `*` against the entry's ETag (weak comparison, as for GET). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const weak = (tag: string): string => tag.trim().replace(/^W\//u, '');
  return header.split(',').some((tag) => tag.trim() === '*' || weak(tag) === weak(etag));
}
