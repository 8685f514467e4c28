import type { Clock } from '../clock.js';
import { ProviderCoolingDownError } from '../errors.js';
import type { Download, HttpClient } from '../http/http-client.js';
import { DownloadError, DownloadTimeoutError, HttpStatusError } from '../http/http-errors.js';
import type { RequestPriority, SharedRateLimiter } from '../ratelimit/shared-rate-limiter.js';
import type { RequestAuthorizer, ResolvedFetch } from './fetch-request.js';

/** How long a 429 or 503 without a readable Retry-After cools the provider down. */
export const DEFAULT_COOLDOWN_MS = 60_000;

export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

export interface FetchContext {
  http: HttpClient;
  limiter: SharedRateLimiter;
  clock: Clock;
  sleep: Sleep;
  priority: RequestPriority;
  /**
   * When the caller stops waiting, in performance.now() time: every wait (a rate-limit slot, a
   * connection, the answer, the pause before a retry) ends by then.
   */
  deadline: number;
  /** Validators of the copy we hold, for a conditional request. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
  /** The provider's credentials, added to each attempt as it goes out. */
  authorize?: RequestAuthorizer;
  /** Told each time a token is taken and each time an attempt ends. */
  onAttempt?: (attempt: number, error?: unknown) => void;
  /** Told before sleeping between attempts: the attempt that failed (0 first), why, and how long until the next. */
  onRetry?: (attempt: number, error: DownloadError, delayMs: number) => void;
  /**
   * Checks a body before it counts as downloaded (is it an image, is it JSON); a retryable
   * DownloadError it throws (a truncated JSON answer) is retried like a network error.
   */
  check?: (download: Download) => void;
  /** Sees each chunk of the body as it arrives (a JSON answer's nesting is followed there). */
  onChunk?: (chunk: Buffer) => void;
}

/**
 * One fetch with its retries, all within the caller's deadline: every attempt takes a
 * rate-limit token first; network errors, timeouts, 5xx and bodies that fail a retryable check
 * (invalid JSON) retry after an exponential backoff with jitter, while the deadline leaves time
 * for it; other 4xx are final; a 429 or 503 puts the provider in a cool-down that every process
 * sees (from Retry-After, else 60 s) and ends the fetch with ProviderCoolingDownError instead
 * of sleeping through it.
 */
export async function fetchWithRetries(fetch: ResolvedFetch, context: FetchContext): Promise<Download> {
  const remaining = (): number => Math.max(0, context.deadline - performance.now());
  for (let attempt = 0; ; attempt++) {
    if (remaining() <= 0) throw new DownloadTimeoutError(fetch.url, fetch.timeoutMs);
    await context.limiter.acquire(fetch.provider, {
      priority: context.priority,
      signal: context.signal,
      // A live caller waits at most until its deadline; background work waits its turn.
      maxWaitMs: context.priority === 'live' ? remaining() : Infinity,
    });
    try {
      const headers = { ...fetch.headers };
      const outgoing = context.authorize ? context.authorize({ url: fetch.url, headers: { ...headers } }) : { url: fetch.url, headers };
      const download = await context.http.download({
        url: outgoing.url,
        headers: outgoing.headers,
        // What the authorizer added is a credential for this origin only.
        credentialHeaders: Object.keys(outgoing.headers).filter((name) => headers[name] !== outgoing.headers[name]),
        timeoutMs: Math.max(1, Math.min(fetch.timeoutMs, remaining())),
        maxBytes: fetch.maxBytes,
        expectedChecksum: fetch.expectedChecksum ?? undefined,
        etag: context.etag,
        lastModified: context.lastModified,
        signal: context.signal,
        lane: context.priority,
        ...(fetch.allowPrivateAddresses === null ? {} : { allowPrivateAddresses: fetch.allowPrivateAddresses }),
        onChunk: context.onChunk,
      });
      context.check?.(download);
      context.onAttempt?.(attempt);
      return download;
    } catch (error) {
      context.onAttempt?.(attempt, error);
      if (error instanceof HttpStatusError && (error.status === 429 || error.status === 503)) {
        const until = context.clock.now() + (error.retryAfterMs ?? DEFAULT_COOLDOWN_MS);
        await context.limiter.setCooldown(fetch.provider, until, `HTTP ${error.status} from ${new URL(fetch.url).host}`);
        throw new ProviderCoolingDownError(fetch.provider, until, `HTTP ${error.status}`);
      }
      if (!(error instanceof DownloadError) || !error.retryable || attempt >= fetch.retries) throw error;
      // 1 s, 2 s, 4 s … (capped at 30 s), each between half and all of that.
      const backoff = Math.min(30_000, 1000 * 2 ** attempt);
      const delayMs = backoff / 2 + Math.random() * (backoff / 2);
      // No time left for the pause and another try: the caller hears now, not at its deadline.
      if (delayMs >= remaining()) throw error;
      context.onRetry?.(attempt, error, delayMs);
      await context.sleep(delayMs, context.signal);
    }
  }
}
