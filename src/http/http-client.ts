import { createHash } from 'node:crypto';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../clock.js';
import {
  ChecksumMismatchError,
  DownloadTimeoutError,
  HttpStatusError,
  NetworkError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from './http-errors.js';
import { parseRetryAfter } from './retry-after.js';
import { DEFAULT_USER_AGENT } from './user-agent.js';


/** The statuses whose body is the resource itself. */
const CONTENT_STATUSES: ReadonlySet<number> = new Set([200, 201, 203]);
export interface DownloadRequest {
  url: string;
  headers?: Record<string, string>;
  /** For the whole exchange: connecting, headers and body. */
  timeoutMs: number;
  /** The body is abandoned, and nothing kept, past this many bytes. */
  maxBytes: number;
  /** Lower-case hex SHA-256 the body must have. */
  expectedChecksum?: string;
  /** Revalidation: sent as If-None-Match / If-Modified-Since; a 304 comes back as `status: 304`. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
}

export interface Download {
  /** 2xx with a body, or 304 (not modified, empty body). */
  status: number;
  body: Buffer;
  /** Lower-case hex SHA-256 of the body, computed while it streamed in. */
  sha256: string;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

export interface HttpClientOptions {
  userAgent?: string;
  /** Redirects followed before TooManyRedirectsError. Default 5. */
  maxRedirections?: number;
  /** Open connections per origin. Default 6. */
  connectionsPerOrigin?: number;
  clock?: Clock;
}

/**
 * Downloads over HTTP with undici: connections kept alive and reused per origin, redirects
 * followed up to a limit, a whole-exchange timeout, a byte cap enforced while the body
 * streams, and the SHA-256 computed on the way in. Failures are typed `DownloadError`s that
 * say whether another try can help; retry policy and rate limits belong to the caller.
 *
 * @example
 * const http = new HttpClient({ userAgent: 'MyNowPlaying/2.1 ( dj@example.org )' });
 * const { body, sha256 } = await http.download({ url, timeoutMs: 30_000, maxBytes: 25 * 1024 * 1024 });
 */
export class HttpClient {
  readonly userAgent: string;
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  private readonly maxRedirections: number;
  private readonly clock: Clock;

  constructor(options: HttpClientOptions = {}) {
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.maxRedirections = options.maxRedirections ?? 5;
    this.clock = options.clock ?? systemClock;
    this.agent = new Agent({ connections: options.connectionsPerOrigin ?? 6, keepAliveTimeout: 30_000 });
    this.dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: this.maxRedirections }));
  }

  async download(download: DownloadRequest): Promise<Download> {
    const { url, timeoutMs, maxBytes } = download;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = download.signal === undefined ? timeout : AbortSignal.any([download.signal, timeout]);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: '*/*', ...download.headers };
    if (download.etag) headers['if-none-match'] = download.etag;
    if (download.lastModified) headers['if-modified-since'] = download.lastModified;

    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { dispatcher: this.dispatcher, method: 'GET', headers, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    } catch (error) {
      throw this.failure(url, error, download.signal, timeout, timeoutMs);
    }
    const { statusCode, body } = response;
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };

    if (statusCode === 304) {
      await discard(body);
      return { status: 304, body: Buffer.alloc(0), sha256: createHash('sha256').digest('hex'), contentType: header('content-type'), etag: header('etag'), lastModified: header('last-modified') };
    }
    if (statusCode >= 300 && statusCode < 400) {
      await discard(body);
      throw new TooManyRedirectsError(url, this.maxRedirections);
    }
    // Only a whole representation is content: not 204/205 (no body), 206 (a range we never asked
    // for: caching it as the whole would serve a fragment), 202 (not done yet) or 1xx.
    if (!CONTENT_STATUSES.has(statusCode)) {
      await discard(body);
      throw new HttpStatusError(url, statusCode, parseRetryAfter(header('retry-after'), this.clock.now()));
    }
    const declaredLength = Number(header('content-length'));
    if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
      await discard(body);
      throw new ResponseTooLargeError(url, maxBytes);
    }

    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        received += chunk.length;
        // Leaving the loop by throwing closes the stream (and its connection) cleanly.
        if (received > maxBytes) throw new ResponseTooLargeError(url, maxBytes);
        hash.update(chunk);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw error;
      throw this.failure(url, error, download.signal, timeout, timeoutMs);
    }
    const sha256 = hash.digest('hex');
    if (download.expectedChecksum !== undefined && download.expectedChecksum.toLowerCase() !== sha256) {
      throw new ChecksumMismatchError(url, download.expectedChecksum.toLowerCase(), sha256);
    }
    return { status: statusCode, body: Buffer.concat(chunks, received), sha256, contentType: header('content-type'), etag: header('etag'), lastModified: header('last-modified') };
  }

  /** Closes idle connections; downloads in progress finish first. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /** The caller's abort passes through as its reason; our timeout and anything else become typed errors. */
  private failure(url: string, error: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal, timeoutMs: number): unknown {
    if (callerSignal?.aborted) return callerSignal.reason;
    const code = (error as { code?: unknown }).code;
    if (timeout.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new DownloadTimeoutError(url, timeoutMs);
    }
    // undici notices a redirect that points back at itself before the limit does.
    if (error instanceof Error && /redirect loop/i.test(error.message)) return new TooManyRedirectsError(url, this.maxRedirections);
    return new NetworkError(url, error);
  }
}

/**
 * Throws away a body we will not use. undici's dump() reads a small body to the end, keeping
 * the connection reusable, and closes the connection past 128 KiB; a plain destroy() would
 * raise an "aborted" error that nobody listens to.
 */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}
