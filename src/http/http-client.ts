import { createHash } from 'node:crypto';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../clock.js';
import { InvalidArgumentError } from '../errors.js';
import { isPrivateAddress, literalAddressOf, PrivateAddressLookupError, publicOnlyLookup, resolvesToPrivateAddress, type AddressClassifier } from './address-policy.js';
import { readBody } from './body-reader.js';
import {
  ChecksumMismatchError,
  DownloadTimeoutError,
  HttpStatusError,
  NetworkError,
  PrivateAddressError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from './http-errors.js';
import { headersForHop, REDIRECT_STATUSES, redirectTarget } from './redirects.js';
import { parseRetryAfter } from './retry-after.js';
import { DEFAULT_USER_AGENT } from './user-agent.js';

/** The statuses whose body is the resource itself. */
const CONTENT_STATUSES: ReadonlySet<number> = new Set([200, 201, 203]);

/**
 * Which connections a request uses. Live requests (the track playing now) and background
 * work have separate pools, so a worker's six slow downloads from one CDN never make a live
 * request wait for a connection.
 */
export type Lane = 'live' | 'background';

export interface DownloadRequest {
  url: string;
  headers?: Record<string, string>;
  /**
   * For everything, from the moment download() is called: waiting for a connection, redirects,
   * headers and body.
   */
  timeoutMs: number;
  /** The body is abandoned, and nothing kept, past this many bytes (after decoding). */
  maxBytes: number;
  /** Lower-case hex SHA-256 the body must have. */
  expectedChecksum?: string;
  /** Revalidation: sent as If-None-Match / If-Modified-Since; a 304 comes back as `status: 304`. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
  /** Default `live`. */
  lane?: Lane;
  /**
   * Headers that carry credentials (an API key added for this origin): dropped, with every
   * header whose name looks like a credential, when a redirect leaves the URL's origin.
   */
  credentialHeaders?: readonly string[];
  /**
   * `false`: the request may not reach a private address at all (the URL came from a third
   * party's answer). `true`: anything goes. Unset: a redirect may lead to a private address
   * only when the URL itself names one (a mirror on the local network).
   */
  allowPrivateAddresses?: boolean;
  /** Sees each decoded chunk of the body as it arrives; what it throws ends the download. */
  onChunk?: (chunk: Buffer) => void;
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
  /** Where the body came from, after redirects. */
  finalUrl: string;
}

export interface HttpClientOptions {
  userAgent?: string;
  /** Redirects followed before TooManyRedirectsError. Default 5. */
  maxRedirections?: number;
  /** Open connections per origin, in each lane. Default 6. */
  connectionsPerOrigin?: number;
  clock?: Clock;
  /**
   * Which addresses count as private (default: loopback, local networks, link-local and
   * reserved ranges). Tests, which have no internet, name a loopback address that stands for it.
   */
  isPrivateAddress?: AddressClassifier;
}

/** What ends a download early: the caller's abort, or its deadline. */
interface Stop {
  signal: AbortSignal;
  /** Rejects when the download must end, with the reason to throw. */
  stopped: Promise<never>;
  clear(): void;
}

/**
 * Downloads over HTTP with undici: connections kept alive per origin (in two lanes, live and
 * background), redirects followed by hand up to a limit (credentials stay with their origin,
 * private addresses stay out of reach when asked), one deadline for the whole exchange that
 * holds even while undici is still waiting for a free connection (it ignores an abort there),
 * bodies decoded and capped while they stream, and the SHA-256 computed on the way in.
 * Failures are typed `DownloadError`s that say whether another try can help; retry policy and
 * rate limits belong to the caller.
 *
 * @example
 * const http = new HttpClient({ userAgent: 'MyNowPlaying/2.1 ( dj@example.org )' });
 * const { body, sha256 } = await http.download({ url, timeoutMs: 30_000, maxBytes: 25 * 1024 * 1024 });
 */
export class HttpClient {
  readonly userAgent: string;
  private readonly maxRedirections: number;
  private readonly connectionsPerOrigin: number;
  private readonly clock: Clock;
  private readonly isPrivate: AddressClassifier;
  private readonly agents = new Map<string, Agent>();

  constructor(options: HttpClientOptions = {}) {
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.maxRedirections = options.maxRedirections ?? 5;
    this.connectionsPerOrigin = options.connectionsPerOrigin ?? 6;
    this.clock = options.clock ?? systemClock;
    this.isPrivate = options.isPrivateAddress ?? isPrivateAddress;
  }

  async download(download: DownloadRequest): Promise<Download> {
    const stop = this.stopFor(download);
    try {
      return await this.follow(download, stop);
    } catch (error) {
      throw this.failure(download.url, error, download, stop);
    } finally {
      stop.clear();
    }
  }

  /** Closes idle connections of every lane; downloads in progress finish first. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    this.agents.clear();
  }

  /** Requests the URL, then each redirect, until an answer that is not one. */
  private async follow(download: DownloadRequest, stop: Stop): Promise<Download> {
    const meantFor = new URL(download.url);
    let current = meantFor;
    let headers: Record<string, string> = { 'user-agent': this.userAgent, accept: '*/*', 'accept-encoding': 'gzip, deflate, br', ...download.headers };
    if (download.etag) headers['if-none-match'] = download.etag;
    if (download.lastModified) headers['if-modified-since'] = download.lastModified;
    // Unset policy: whether the URL's own host is private decides, asked only when a redirect comes.
    let publicOnly = download.allowPrivateAddresses === false;
    let policyKnown = download.allowPrivateAddresses !== undefined;
    const visited = new Set<string>();
    for (let hop = 0; ; hop++) {
      visited.add(current.href);
      this.assertAddressAllowed(current, download.url, publicOnly);
      const response = await this.send(current, headers, download, stop, publicOnly);
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      if (!REDIRECT_STATUSES.has(response.statusCode)) return this.answer(download, current, response, header, stop);
      await discard(response.body);
      if (hop >= this.maxRedirections) throw new TooManyRedirectsError(download.url, this.maxRedirections);
      const next = redirectTarget(current.href, header('location'));
      // Back to a URL already asked: a loop, however many hops are left.
      if (visited.has(next.href)) throw new TooManyRedirectsError(download.url, this.maxRedirections);
      if (!policyKnown) {
        publicOnly = !(await raceStop(resolvesToPrivateAddress(literalAddressOf(meantFor) ?? meantFor.hostname, this.isPrivate), stop));
        policyKnown = true;
      }
      headers = headersForHop(headers, meantFor, next, download.credentialHeaders ?? []);
      current = next;
    }
  }

  /** One GET, raced against the stop: undici keeps a request waiting for a connection even after its signal aborted. */
  private async send(url: URL, headers: Record<string, string>, download: DownloadRequest, stop: Stop, publicOnly: boolean): Promise<Dispatcher.ResponseData> {
    const pending = request(url, { dispatcher: this.agent(download.lane ?? 'live', publicOnly), method: 'GET', headers, signal: stop.signal });
    try {
      return await Promise.race([pending, stop.stopped]);
    } catch (error) {
      // Given up on while queued: when undici does send it, its answer goes nowhere.
      pending.then((late) => { late.body.destroy(); }, () => undefined);
      throw error;
    }
  }

  /** Turns the final answer into a Download, or a typed error. */
  private async answer(
    download: DownloadRequest,
    url: URL,
    response: Dispatcher.ResponseData,
    header: (name: string) => string | undefined,
    stop: Stop,
  ): Promise<Download> {
    const { statusCode, body } = response;
    const described = { contentType: header('content-type'), etag: header('etag'), lastModified: header('last-modified'), finalUrl: url.href };
    if (statusCode === 304) {
      await discard(body);
      return { status: 304, body: Buffer.alloc(0), sha256: createHash('sha256').digest('hex'), ...described };
    }
    // Only a whole representation is content: not 204/205 (no body), 206 (a range we never asked
    // for: caching it as the whole would serve a fragment), 202 (not done yet), 1xx or 3xx.
    if (!CONTENT_STATUSES.has(statusCode)) {
      await discard(body);
      throw new HttpStatusError(download.url, statusCode, parseRetryAfter(header('retry-after'), this.clock.now()));
    }
    const declared = header('content-length') === undefined ? NaN : Number(header('content-length'));
    if (Number.isFinite(declared) && declared > download.maxBytes) {
      await discard(body);
      throw new ResponseTooLargeError(download.url, download.maxBytes);
    }
    const { body: data, sha256 } = await raceStop(
      readBody(body, {
        url: download.url,
        maxBytes: download.maxBytes,
        declaredLength: Number.isFinite(declared) ? declared : undefined,
        contentEncoding: header('content-encoding'),
        onChunk: download.onChunk,
      }),
      stop,
    );
    if (download.expectedChecksum !== undefined && download.expectedChecksum.toLowerCase() !== sha256) {
      throw new ChecksumMismatchError(download.url, download.expectedChecksum.toLowerCase(), sha256);
    }
    return { status: statusCode, body: data, sha256, ...described };
  }

  /** A URL naming a private address literally never reaches the lookup: refused here when it must be public. */
  private assertAddressAllowed(url: URL, original: string, publicOnly: boolean): void {
    const literal = literalAddressOf(url);
    if (publicOnly && literal !== undefined && this.isPrivate(literal)) throw new PrivateAddressError(original, `${url.host} is one`);
  }

  /** The connection pool for a lane, and for whether its connections must all go to public addresses. */
  private agent(lane: Lane, publicOnly: boolean): Agent {
    const key = `${lane}:${publicOnly ? 'public' : 'any'}`;
    let agent = this.agents.get(key);
    if (agent === undefined) {
      agent = new Agent({
        connections: this.connectionsPerOrigin,
        keepAliveTimeout: 30_000,
        ...(publicOnly ? { connect: { lookup: publicOnlyLookup(this.isPrivate) } } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** One deadline from now, and the caller's abort, as a signal for undici and a promise to race. */
  private stopFor(download: DownloadRequest): Stop {
    const controller = new AbortController();
    let reject!: (reason: unknown) => void;
    const stopped = new Promise<never>((_resolve, rejectWith) => { reject = rejectWith; });
    stopped.catch(() => undefined); // raced, not always awaited
    const end = (reason: unknown): void => {
      controller.abort(reason);
      reject(reason);
    };
    const timer = setTimeout(() => { end(new DownloadTimeoutError(download.url, download.timeoutMs)); }, download.timeoutMs);
    const onAbort = (): void => { end(download.signal?.reason); };
    if (download.signal?.aborted) onAbort();
    download.signal?.addEventListener('abort', onAbort, { once: true });
    return {
      signal: controller.signal,
      stopped,
      clear: () => {
        clearTimeout(timer);
        download.signal?.removeEventListener('abort', onAbort);
      },
    };
  }

  /** The caller's abort passes through as its reason; our deadline and everything else become typed errors. */
  private failure(url: string, error: unknown, download: DownloadRequest, stop: Stop): unknown {
    if (download.signal?.aborted) return download.signal.reason;
    if (stop.signal.aborted && stop.signal.reason instanceof DownloadTimeoutError) return stop.signal.reason;
    if (error instanceof DownloadTimeoutError || error instanceof InvalidArgumentError) return error;
    if (error instanceof Error && error.name !== 'AbortError' && 'retryable' in error) return error; // already a DownloadError
    const code = (error as { code?: unknown }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new DownloadTimeoutError(url, download.timeoutMs);
    const lookupRefusal = findCause(error, (cause): cause is PrivateAddressLookupError => cause instanceof PrivateAddressLookupError);
    if (lookupRefusal !== undefined) return new PrivateAddressError(url, `${lookupRefusal.hostname} resolves to ${lookupRefusal.address}`);
    // A header undici cannot send is the caller's mistake, not the network's: another try would fail the same way.
    if (error instanceof undiciErrors.InvalidArgumentError) return new InvalidArgumentError(`${url}: ${error.message}`);
    return new NetworkError(url, error);
  }
}

/** Awaits `work` unless the download is stopped first. */
function raceStop<T>(work: Promise<T>, stop: Stop): Promise<T> {
  return Promise.race([work, stop.stopped]);
}

/** The first error in a cause chain that passes `test`. */
function findCause<T>(error: unknown, test: (cause: unknown) => cause is T): T | undefined {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (test(cause)) return cause;
  }
  return undefined;
}

/**
 * Throws away a body we will not use. undici's dump() reads a small body to the end, keeping
 * the connection reusable, and closes the connection past 128 KiB; a plain destroy() would
 * raise an "aborted" error that nobody listens to.
 */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}
