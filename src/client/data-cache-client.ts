import { randomUUID } from 'node:crypto';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { MAX_TIMER_DELAY_MS, systemClock, type Clock } from '../clock.js';
import { AnalyticsRecorder, type AnalyticsSink } from '../analytics/analytics-recorder.js';
import { setWorkersPaused, workersPaused } from './worker-pause.js';
import { queueDepthSamplerFor } from './queue-depth.js';
import type { QueueDepthSampler } from '../analytics/queue-depth-sampler.js';
import { analyticsStoreFor } from '../analytics/analytics-store-for.js';
import { InvalidArgumentError, isDatabaseFault, ProviderCoolingDownError, RateLimitWaitError } from '../errors.js';
import { HttpClient } from '../http/http-client.js';
import { DownloadError, DownloadTimeoutError, HttpStatusError, JsonTooDeepError, UnexpectedContentError } from '../http/http-errors.js';
import { redactingLogger, silentLogger, type Logger } from '../logger.js';
import { redactUrl } from '../redaction.js';
import { drainQueue, type DrainOptions, type DrainReport } from '../queue/drain-queue.js';
import { QueueWorker, type JobOutcome } from '../queue/queue-worker.js';
import type { EnqueueOptions, JobQueue, QueuedJob } from '../queue/job-queue.js';
import { resolveRateLimits } from '../ratelimit/provider-limits.js';
import { SharedRateLimiter, type RequestPriority } from '../ratelimit/shared-rate-limiter.js';
import { CachedEntry } from '../storage/cached-entry.js';
import type { DataStorage } from '../storage/data-storage.js';
import { describeValue, optionalFiniteNumber, requireFiniteNumber, requireName, requireOptionsObject, requireString } from '../validation.js';
import { validateClientOptions } from './client-options.js';
import { ClientEventBus, type ClientEvents } from './events.js';
import { chainAuthorizers, fromJobRequest, providerSettings, resolveFetchRequest, toJobRequest, type FetchDefaults, type FetchRequest, type ProviderSettings, type RequestAuthorizer, type ResolvedFetch } from './fetch-request.js';
import { fetchWithRetries, type Sleep } from './fetch-with-retries.js';
import { checkContent, contentWatcher, type CheckedContent } from './check-content.js';
import { coordinationFor } from './coordination.js';
import type { ChangeFeed } from '../queue/change-feed.js';
import { handOverJson } from './entry-json.js';
import { ChainSteps, type ChainStep } from './chains.js';
import { RefreshAhead, resolveRefreshAhead, type RefreshAheadOptions } from './refresh-ahead.js';

/** How queued jobs are retried (`DataCacheClientOptions.jobRetries`). */
export interface JobRetries {
  /** Claims before a job is marked failed. Default 5. */
  attempts?: number;
  /** Delay before the second try, doubled for each later one (with jitter). Default 2000. */
  firstDelayMs?: number;
  /** The longest delay between tries. Default 600000 (10 min). */
  maxDelayMs?: number;
}

export interface DataCacheClientOptions {
  /** An open DataStorage; the client does not close it. */
  storage: DataStorage;
  /** Name your application and a contact: MusicBrainz refuses anonymous clients. */
  userAgent?: string;
  /** Rate, burst, TTL and timeout per provider, over the defaults. */
  providers?: Record<string, ProviderSettings>;
  /** TTL per data type, over the defaults (a provider's TTL wins). */
  ttlByDataType?: Record<string, number>;
  /** Answer with an expired copy when a fetch fails (network, 5xx, cool-down, timeout). Default true. */
  staleIfError?: boolean;
  /** How long a queued job's lease lasts. Default 60 s. */
  leaseMs?: number;
  /** How long finished queue rows are kept: done ones 1 h, failed ones (with their error) 24 h by default. */
  jobRetention?: { doneMs?: number; failedMs?: number };
  /**
   * How queued jobs are retried: claims before a job fails for good (default 5), the first
   * delay (default 2 s, doubled each try, with jitter) and the longest (default 10 min).
   */
  jobRetries?: JobRetries;
  logger?: Logger;
  /**
   * Where hits, misses, stale answers, fetches and errors are counted, with latencies. By
   * default the cache's own analytics, which `datacache stats` and the dashboard show (shared by
   * every process, and by every machine with a shared tier); `false` counts nothing.
   */
  analytics?: AnalyticsSink | false;
  clock?: Clock;
  /** Backoff sleeps go through this; tests pass one that does not wait. */
  sleep?: Sleep;
}

export interface WaitOptions {
  /** Give up (resolve null) after this long. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WorkerHandle {
  stop(): Promise<void>;
  readonly counts: QueueWorker['counts'];
  /** Runs a refresh-ahead round now (they also run every `refreshAhead.intervalMs`); resolves to the refreshes queued. */
  refreshAhead(): Promise<number>;
}

const defaultSleep: Sleep = (milliseconds, signal) => sleepTimer(milliseconds, undefined, { signal });

/**
 * The fetch pipeline: answers from the cache, fetches what is missing now or queues it for a
 * background worker in any process, shares each provider's rate limit and cool-down with every
 * process, fetches each URL once however many ask, and degrades instead of failing: an expired
 * copy when the origin fails, uncached fetches when the database fails.
 *
 * @example
 * const client = new DataCacheClient({ storage, userAgent: 'MyNowPlaying/2.1 ( dj@example.org )' });
 * const entry = await client.getOrFetch({ url, identifier: 'daft punk', dataType: 'api', provider: 'theaudiodb' });
 */
export class DataCacheClient {
  readonly storage: DataStorage;
  readonly queue: JobQueue;
  readonly limiter: SharedRateLimiter;
  readonly http: HttpClient;
  private readonly events = new ClientEventBus();
  private readonly watcher: ChangeFeed;
  private readonly defaults: FetchDefaults;
  private readonly staleIfError: boolean;
  private readonly logger: Logger;
  /** The clock the client, its queue and its rate limits keep time by (jobs' times are in it). */
  readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly analytics: AnalyticsSink | undefined;
  /** The recorder this client made itself (no `analytics` option), closed with it. */
  private readonly ownAnalytics: AnalyticsRecorder | undefined;
  /** Samples the queue's depth once a minute, unless analytics are off. */
  private readonly depthSampler: QueueDepthSampler | undefined;
  private readonly owner = `client:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Map<string, Promise<CachedEntry | null>>();
  private readonly reportedFaults = new Set<string>();
  private readonly workers = new Set<QueueWorker>();
  private readonly refreshers = new Set<RefreshAhead>();
  private readonly chainSteps: ChainSteps;
  private readonly retentionTimer: NodeJS.Timeout;

  constructor(options: DataCacheClientOptions) {
    validateClientOptions(options);
    this.storage = options.storage;
    this.logger = redactingLogger(options.logger ?? silentLogger);
    this.chainSteps = new ChainSteps(this.logger);
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? defaultSleep;
    if (options.analytics === undefined) {
      this.ownAnalytics = new AnalyticsRecorder(analyticsStoreFor(this.storage), { clock: this.clock, logger: this.logger });
      this.analytics = this.ownAnalytics;
    } else {
      this.analytics = options.analytics === false ? undefined : options.analytics;
    }
    this.staleIfError = options.staleIfError ?? true;
    this.defaults = { providers: options.providers ?? {}, ttlByDataType: options.ttlByDataType ?? {} };
    ({ watcher: this.watcher, queue: this.queue, limiter: this.limiter } = coordinationFor(this.storage, {
      queue: {
        clock: this.clock,
        leaseMs: options.leaseMs,
        doneRetentionMs: options.jobRetention?.doneMs,
        retentionMs: options.jobRetention?.failedMs,
        maxAttempts: options.jobRetries?.attempts,
        backoffBaseMs: options.jobRetries?.firstDelayMs,
        backoffMaxMs: options.jobRetries?.maxDelayMs,
      },
      limitOf: resolveRateLimits(options.providers),
      clock: this.clock,
    }));
    this.http = new HttpClient({ userAgent: options.userAgent, clock: this.clock });
    this.depthSampler = options.analytics === false ? undefined : queueDepthSamplerFor(this.storage, this.queue, this.clock, this.logger);
    // Every fetch leaves its queue row (it is also the cross-process lock on the URL): done and
    // failed rows go after their retention periods, checked every minute, worker or not.
    this.retentionTimer = setInterval(() => {
      this.queue.removeFinished().catch((error: unknown) => {
        this.logger.warn('datacache: could not remove finished queue rows', { error: String(error) });
      });
    }, 60_000).unref();
  }

  /** Listens to an event; returns the function that stops listening. */
  on<Name extends keyof ClientEvents>(name: Name, listener: (event: ClientEvents[Name]) => void): () => void {
    return this.events.on(name, listener);
  }

  /**
   * The entry for `request.url`: from the cache when live; else fetched now (`immediate`, the
   * default) or queued for a background worker (resolves null at once). Resolves null for a
   * negative entry (a 404 remembered). Rejects with the fetch's typed error when there is no
   * copy to fall back on.
   */
  async getOrFetch(request: FetchRequest): Promise<CachedEntry | null> {
    const started = performance.now();
    const fetch = resolveFetchRequest(request, this.defaults);
    // The caller's timeout counts from now: a slot, another process's fetch, a connection, retries.
    const deadline = started + fetch.timeoutMs;
    const onComplete = request.onComplete;
    const cached = await this.cachedCopy(fetch.url);
    const event = { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType };
    if (cached !== null && !cached.stale && request.revalidate !== true && (fetch.expectedChecksum === null || cached.checksum === fetch.expectedChecksum)) {
      const negative = cached.statusCode !== 200;
      this.analytics?.record('hit', fetch.provider, fetch.dataType, performance.now() - started);
      this.events.emit('hit', { ...event, negative });
      const answer = negative ? null : cached;
      onComplete?.(answer);
      return answer;
    }
    this.analytics?.record('miss', fetch.provider, fetch.dataType);
    this.events.emit('miss', event);
    if (!fetch.immediate) {
      const { added } = await this.queue.enqueue({ url: fetch.url, provider: fetch.provider, priority: fetch.priority, request: toJobRequest(fetch) });
      this.events.emit('queued', { ...event, priority: fetch.priority, added });
      if (onComplete) void this.waitFor(fetch.url, { timeoutMs: 10 * 60_000 }).then(onComplete, () => { onComplete(null); });
      return null;
    }
    let pending = this.inFlight.get(fetch.url);
    if (!pending) {
      pending = this.fetchNow(fetch, cached, request.signal, deadline, request.authorize).finally(() => this.inFlight.delete(fetch.url));
      this.inFlight.set(fetch.url, pending);
    }
    const answer = await this.withinDeadline(pending, fetch, cached, deadline);
    onComplete?.(answer);
    return answer;
  }

  /**
   * A shared fetch's answer, or, when this caller's own deadline comes first (it joined a
   * fetch started by a caller with a longer timeout), its stale copy or a timeout error.
   */
  private withinDeadline(pending: Promise<CachedEntry | null>, fetch: ResolvedFetch, cached: CachedEntry | null, deadline: number): Promise<CachedEntry | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CachedEntry | null>((resolve, reject) => {
      timer = setTimeout(() => {
        try {
          resolve(this.fallBack(fetch, cached, new DownloadTimeoutError(fetch.url, fetch.timeoutMs)));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }, Math.max(0, deadline - performance.now()) + 50);
    });
    return Promise.race([pending, late]).finally(() => { clearTimeout(timer); });
  }

  /**
   * Resolves with the entry for `url` once any process has stored it (at once when it is
   * already cached), or null after `timeoutMs`.
   */
  async waitFor(url: string, options: WaitOptions = {}): Promise<CachedEntry | null> {
    requireString('url', url);
    const input = requireOptionsObject('waitFor options', options);
    const timeoutMs = input.timeoutMs === undefined ? 30_000 : requireFiniteNumber('timeoutMs', input.timeoutMs, { min: 0, max: MAX_TIMER_DELAY_MS });
    if (input.signal !== undefined && !(input.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`signal must be an AbortSignal (from an AbortController), got ${describeValue(input.signal)}.`);
    }
    return this.watchFor(url, timeoutMs, input.signal, false);
  }

  /**
   * `waitFor`, optionally also ending (with null) when another process's claim on the URL ends
   * without a stored answer: a fetch that failed (a 500, a 404, a timeout) stores nothing, and
   * its waiters used to sit out the rest of its 60 s lease.
   */
  private watchFor(url: string, timeoutMs: number, signal: AbortSignal | undefined, untilClaimEnds: boolean): Promise<CachedEntry | null> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const stops: (() => void)[] = [];
      const finish = (entry: CachedEntry | null): void => {
        if (settled) return;
        settled = true;
        for (const stop of stops) stop();
        resolve(entry);
      };
      const look = (): void => {
        this.storage.retrieveByUrl(url).then((entry) => {
          if (entry !== null && entry.statusCode === 200) finish(entry);
          else if (untilClaimEnds) {
            void this.queue.get(url).then(async (job) => {
              if (job !== null && job.state === 'running' && job.leaseOwner !== this.owner) return;
              // Their claim ended. A fetch that succeeded stored its answer before it settled the
              // job, maybe just after the read above: look once more, or this caller fetches it again.
              const stored = await this.storage.retrieveByUrl(url);
              finish(stored !== null && stored.statusCode === 200 ? stored : null);
            }).catch(() => undefined);
          }
        }, () => undefined);
      };
      stops.push(this.watcher.subscribe(look)); // stores by other processes
      stops.push(
        this.events.on('stored', (event) => {
          if (event.url === url) look(); // and by this one
        }),
      );
      const timer = setTimeout(() => { finish(null); }, timeoutMs);
      stops.push(() => { clearTimeout(timer); });
      if (signal) {
        const onAbort = (): void => {
          settled = true;
          for (const stop of stops) stop();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        stops.push(() => { signal.removeEventListener('abort', onAbort); });
      }
      look();
    });
  }

  /**
   * Queues a fetch for a worker even when the cache holds a live copy: the first step of a
   * chain, whose next steps must run wherever the answer comes from (a cached answer settles
   * at once, without a request). Resolves to whether a new job was queued.
   *
   * @example await client.queueFetch({ url, identifier: 'daft punk', dataType: 'api', provider: 'musicbrainz', chain: { kind: 'artist', state } })
   */
  async queueFetch(request: FetchRequest): Promise<{ added: boolean }> {
    const fetch = resolveFetchRequest({ ...(request as unknown as Record<string, unknown>), immediate: false }, this.defaults);
    const { added } = await this.queue.enqueue({ url: fetch.url, provider: fetch.provider, priority: fetch.priority, request: toJobRequest(fetch) });
    this.events.emit('queued', { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType, priority: fetch.priority, added });
    return { added };
  }

  /**
   * Teaches this process's workers a kind of chain: when a queued fetch with `chain.kind ===
   * kind` is settled (stored, found cached, or failed for good), `step` gives the fetches to
   * queue next, queued in the same transaction. Every process whose worker may settle such
   * fetches must register it (getProviders does, for the artist chain).
   */
  registerChainStep(kind: string, step: ChainStep): void {
    this.chainSteps.register(kind, step);
  }

  /**
   * Runs a background worker in this process until stopped. With it, refresh-ahead (on by
   * default; `refreshAhead: false` or options, see RefreshAheadOptions) queues refreshes of
   * the entries read often that expire soon, within a daily budget per provider.
   */
  startWorker(options: { concurrency?: number; providers?: readonly string[]; refreshAhead?: boolean | RefreshAheadOptions } = {}): WorkerHandle {
    const refreshOptions = resolveRefreshAhead(options.refreshAhead);
    const worker = new QueueWorker(this.queue, this.watcher, (job, signal) => this.runQueuedJob(job, signal), {
      concurrency: options.concurrency,
      providers: options.providers,
      logger: this.logger,
      isPaused: () => workersPaused(this.storage),
    });
    const refresher = new RefreshAhead(
      this.storage,
      (request) => this.queueFetch(request),
      async (url, failedSince) => {
        const job = await this.queue.get(url);
        return job !== null && (job.state === 'pending' || job.state === 'running' || (job.state === 'failed' && job.updatedAt >= failedSince));
      },
      () => this.clock.now(),
      refreshOptions,
      this.logger,
    );
    this.workers.add(worker);
    this.refreshers.add(refresher);
    worker.start();
    refresher.start();
    return {
      counts: worker.counts,
      refreshAhead: () => refresher.runOnce(),
      stop: async () => {
        this.workers.delete(worker);
        this.refreshers.delete(refresher);
        await refresher.stop();
        await worker.stop();
      },
    };
  }

  /**
   * Runs queued fetches in this process now, waiting for each provider's rate limit, and
   * reports what came of them; see drainQueue for the rules.
   *
   * @example const { processed, succeeded } = await client.processQueue({ providers: ['cdn'], limit: 50 });
   */
  async processQueue(options: DrainOptions = {}): Promise<DrainReport> {
    const input = requireOptionsObject('processQueue options', options);
    const limit = optionalFiniteNumber('limit', input.limit, Infinity, { min: 0, integer: true });
    const concurrency = optionalFiniteNumber('concurrency', input.concurrency, 3, { min: 1, max: 64, integer: true });
    const providers = input.providers === undefined ? undefined : requireNameList('providers', input.providers);
    return drainQueue(this.queue, (job, signal) => this.runQueuedJob(job, signal), { limit, concurrency, providers });
  }

  /** Stops this client's workers and closes its HTTP connections; the storage stays open. */
  async close(): Promise<void> {
    clearInterval(this.retentionTimer);
    await Promise.all([...this.refreshers].map((refresher) => refresher.stop()));
    this.refreshers.clear();
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    this.workers.clear();
    await this.http.close();
    await this.ownAnalytics?.close();
    await this.depthSampler?.close();
  }

  /**
   * Samples the queue's depth for the analytics' "queue over time", unless a process already
   * has this minute. Clients do it by themselves every 10 s; call it before reading the
   * analytics to include the minute under way. Does nothing with `analytics: false`.
   */
  async sampleQueueDepth(): Promise<void> {
    await this.depthSampler?.sample();
  }

  /**
   * Pauses (or resumes) every queue worker on this cache directory, in any process: paused
   * workers finish what they are running and claim nothing more until resumed; live fetches
   * go on. The pause stays across restarts until lifted.
   *
   * @example await client.pauseWorkers(true); // before a show; later: await client.pauseWorkers(false)
   */
  async pauseWorkers(paused: boolean): Promise<void> {
    if (typeof paused !== 'boolean') throw new InvalidArgumentError(`paused must be true or false, got ${describeValue(paused)}.`);
    await setWorkersPaused(this.storage, paused, this.clock.now());
  }

  /** Whether the workers on this cache directory are paused (see pauseWorkers). */
  async workersPaused(): Promise<boolean> {
    return workersPaused(this.storage);
  }

  /**
   * Counts an answer served from the cache outside `getOrFetch` (a random image for an overlay,
   * say), so the analytics see every read that served someone, once.
   *
   * @example client.countHit(entry.provider, entry.dataType, performance.now() - started)
   */
  countHit(provider: string, dataType: string, durationMs: number): void {
    this.analytics?.record('hit', provider, dataType, durationMs);
  }

  /** Fetches now in this process, unless another process is fetching the same URL already. */
  private async fetchNow(fetch: ResolvedFetch, cached: CachedEntry | null, signal: AbortSignal | undefined, deadline: number, authorize: RequestAuthorizer | undefined): Promise<CachedEntry | null> {
    const claim = await this.claimUrl(fetch);
    if (claim !== null && 'busyUntil' in claim) {
      // Their fetch may take its whole lease; this caller waits no longer than its own timeout.
      const untilTheirsEnds = Math.max(0, claim.busyUntil - this.clock.now());
      const untilDeadline = Math.max(0, deadline - performance.now());
      const theirs = await this.watchFor(fetch.url, Math.min(MAX_TIMER_DELAY_MS, untilTheirsEnds, untilDeadline), signal, true);
      if (theirs !== null) return theirs;
      // Timers may fire a hair before performance.now() reaches the deadline: a few ms left is none.
      if (deadline - performance.now() < 10) return this.fallBack(fetch, cached, new DownloadTimeoutError(fetch.url, fetch.timeoutMs));
      const again = await this.claimUrl(fetch);
      if (again !== null && 'busyUntil' in again) return this.fallBack(fetch, cached, new Error(`${redactUrl(fetch.url)} is still being fetched by another process`));
      return this.fetchAndStore(fetch, cached, 'live', again?.claimed ?? null, signal, deadline, false, authorize);
    }
    return this.fetchAndStore(fetch, cached, 'live', claim?.claimed ?? null, signal, deadline, false, authorize);
  }

  private async runQueuedJob(job: QueuedJob, signal: AbortSignal): Promise<JobOutcome> {
    const fetch = fromJobRequest(job.request);
    const cached = await this.cachedCopy(fetch.url);
    const event = { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType };
    // A refresh ahead of expiry fetches a fresh copy too (conditionally); a remembered 404 it leaves alone.
    if (cached !== null && !cached.stale && (!fetch.refresh || cached.statusCode !== 200)) {
      this.events.emit('completed', { ...event, outcome: 'already cached' });
      return { outcome: 'done', followUps: await this.followUpsOf(job, fetch.url, cached, null) };
    }
    let outcome: JobOutcome;
    try {
      // One attempt per claim: the queue's backoff spaces the retries, so no worker slot sleeps.
      const stored = await this.fetchAndStore({ ...fetch, retries: 0 }, cached, 'background', null, signal, performance.now() + fetch.timeoutMs, true);
      this.events.emit('completed', { ...event, outcome: 'stored' });
      return { outcome: 'done', followUps: await this.followUpsOf(job, fetch.url, stored, null) };
    } catch (error) {
      if (error instanceof ProviderCoolingDownError) return { outcome: 'defer', until: error.until };
      this.reportError(fetch, error);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof HttpStatusError) outcome = error.retryable ? { outcome: 'retry', error: message } : { outcome: 'failed', error: message };
      else if (error instanceof DownloadError && !error.retryable) outcome = { outcome: 'failed', error: message };
      else outcome = { outcome: 'retry', error: message };
    }
    // Queued only if the job fails for good (a retry's are dropped): the chain goes on without this answer.
    return { ...outcome, followUps: await this.followUpsOf(job, fetch.url, null, outcome.error) };
  }

  /** followUpsOf for a live fetch's claim: a chain that cannot be read (the database away) is not this caller's failure. */
  private liveFollowUps(job: QueuedJob, url: string, entry: CachedEntry | null, error: string | null): Promise<EnqueueOptions[]> {
    return this.followUpsOf(job, url, entry, error).catch(() => []);
  }

  /**
   * The next steps of the chain a settled job belongs to, as queue jobs. The chain is the
   * job's, or, when it had none when claimed, the row's now: a chain's step may have joined the
   * job while it ran (a live fetch holding the URL, a refresh).
   */
  private async followUpsOf(job: QueuedJob, url: string, entry: CachedEntry | null, error: string | null): Promise<EnqueueOptions[]> {
    let fetch = fromJobRequest(job.request);
    if (fetch.chain === null) {
      const current = await this.queue.get(job.url).catch(() => null);
      if (current === null || current.id !== job.id) return [];
      fetch = fromJobRequest(current.request);
      if (fetch.chain === null) return [];
    }
    return this.chainSteps.followUps(fetch.chain, { url, entry: entry !== null && entry.statusCode === 200 ? entry : null, error, priority: fetch.priority }, (request) => {
      const next = resolveFetchRequest(request, this.defaults);
      return { url: next.url, provider: next.provider, priority: next.priority, request: toJobRequest(next) };
    });
  }

  /**
   * Fetches, stores and answers. `job` is this process's claim on the URL's queue row, marked
   * done or failed at the end. With `rethrow`, failures propagate as they are (the worker
   * decides); otherwise they fall back to a stale copy when there is one.
   */
  private async fetchAndStore(
    fetch: ResolvedFetch,
    cached: CachedEntry | null,
    priority: RequestPriority,
    job: QueuedJob | null,
    signal: AbortSignal | undefined,
    deadline: number,
    rethrow = false,
    requestAuthorize?: RequestAuthorizer,
  ): Promise<CachedEntry | null> {
    const event = { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType };
    const started = performance.now();
    let checked: CheckedContent = {};
    try {
      const usable = cached !== null && cached.statusCode === 200;
      const download = await fetchWithRetries(fetch, {
        http: this.http,
        limiter: this.limiter,
        clock: this.clock,
        sleep: this.sleep,
        priority,
        deadline,
        etag: usable ? cached.etag : null,
        lastModified: usable ? cached.lastModified : null,
        signal,
        // The provider's credentials, then the request's own (a proxy client's key).
        authorize: chainAuthorizers([providerSettings(this.defaults, fetch.provider)?.authorize, requestAuthorize]),
        onRetry: (attempt, error, delayMs) => {
          this.events.emit('retry', { ...event, attempt: attempt + 1, attempts: fetch.retries + 1, delayMs, reason: error.message });
        },
        // Image types only ever hold images (anything else is refused and remembered, 415), JSON types only JSON.
        check: (attempt) => {
          if (attempt.status !== 304) checked = checkContent(fetch, attempt.body, attempt.contentType);
        },
        onChunk: contentWatcher(fetch),
      });
      const durationMs = performance.now() - started;
      this.analytics?.record('fetch', fetch.provider, fetch.dataType, durationMs, download.body.length);
      this.events.emit('fetch', { ...event, status: download.status, bytes: download.body.length, durationMs });
      const { image, json } = checked;
      let entry: CachedEntry | null;
      if (download.status === 304 && usable) {
        entry = await this.storeSafely('renew', () => this.storage.renew(fetch.url, { ttlSeconds: fetch.ttlSeconds, etag: download.etag, lastModified: download.lastModified }));
        entry ??= cached;
      } else {
        entry = await this.storeSafely('store', () =>
          this.storage.store({
            url: fetch.url,
            identifier: fetch.identifier,
            dataType: fetch.dataType,
            provider: fetch.provider,
            value: download.body,
            ttlSeconds: fetch.ttlSeconds,
            metadata: image ? { ...fetch.metadata, width: image.width, height: image.height } : fetch.metadata,
            mimeType: image?.mimeType ?? (download.contentType?.split(';')[0]?.trim() || undefined),
            etag: download.etag,
            lastModified: download.lastModified,
          }),
        );
        entry ??= uncachedEntry(fetch, download.body, download.sha256, download.contentType, this.clock.now());
        if (json !== undefined) handOverJson(entry, json.value);
        this.events.emit('stored', { ...event, bytes: download.body.length });
      }
      // A live fetch that took the URL's row settles whatever chain the row carries (a queued chain's step).
      if (job) await this.queue.complete(job, this.owner, await this.liveFollowUps(job, fetch.url, entry, null)).catch(() => undefined);
      return entry;
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404 && fetch.negativeTtlSeconds !== null) {
        await this.rememberNegative(fetch, 404, fetch.negativeTtlSeconds);
        if (job) await this.queue.complete(job, this.owner, await this.liveFollowUps(job, fetch.url, null, error.message)).catch(() => undefined);
        return null;
      }
      // Not fetched again for a while (the negative TTL when given, else a day), unless a good
      // copy is there to keep serving.
      if ((error instanceof UnexpectedContentError || error instanceof JsonTooDeepError) && cached?.statusCode !== 200) {
        await this.rememberNegative(fetch, 415, fetch.negativeTtlSeconds ?? 86_400);
      }
      if (job) {
        const message = error instanceof Error ? error.message : String(error);
        await this.queue.fail(job, this.owner, message, { final: true, followUps: await this.liveFollowUps(job, fetch.url, null, message) }).catch(() => undefined);
      }
      if (error instanceof ProviderCoolingDownError) this.events.emit('rate-limited', { provider: fetch.provider, until: error.until });
      if (error instanceof RateLimitWaitError) this.events.emit('rate-limited', { provider: fetch.provider, waitMs: error.waitMs });
      if (rethrow) throw error;
      return this.fallBack(fetch, cached, error);
    }
  }

  private async rememberNegative(fetch: ResolvedFetch, statusCode: number, ttlSeconds: number): Promise<void> {
    await this.storeSafely('store', () =>
      this.storage.store({ url: fetch.url, identifier: fetch.identifier, dataType: fetch.dataType, provider: fetch.provider, value: Buffer.alloc(0), ttlSeconds, statusCode }),
    );
  }

  /** After a failed fetch: the expired copy when that is allowed and the failure is the kind that passes, else the error. */
  private fallBack(fetch: ResolvedFetch, cached: CachedEntry | null, error: unknown): CachedEntry | null {
    const event = { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType };
    const passing =
      error instanceof ProviderCoolingDownError ||
      error instanceof RateLimitWaitError ||
      (error instanceof DownloadError && (error.retryable || !(error instanceof HttpStatusError)));
    if (this.staleIfError && passing && cached !== null && cached.statusCode === 200) {
      this.analytics?.record('stale', fetch.provider, fetch.dataType);
      this.events.emit('stale', { ...event, reason: error instanceof Error ? error.message : String(error) });
      return cached;
    }
    this.reportError(fetch, error);
    throw error;
  }

  /** A fetch that reached its caller or its worker as an error: counted, and told to listeners. */
  private reportError(fetch: ResolvedFetch, error: unknown): void {
    this.analytics?.record('error', fetch.provider, fetch.dataType);
    this.events.emit('error', { url: fetch.url, provider: fetch.provider, dataType: fetch.dataType, error: error instanceof Error ? error : new Error(String(error)) });
  }

  /** The cached copy, fresh or expired; null when none or when the database cannot be read. */
  private async cachedCopy(url: string): Promise<CachedEntry | null> {
    try {
      return await this.storage.retrieveByUrl(url, { allowStale: true });
    } catch (error) {
      if (!isDatabaseFault(error)) throw error;
      this.reportFault('reading the cache', error);
      return null;
    }
  }

  private async claimUrl(fetch: ResolvedFetch): Promise<Awaited<ReturnType<JobQueue['claimUrl']>> | null> {
    try {
      return await this.queue.claimUrl(fetch.url, fetch.provider, this.owner, toJobRequest(fetch));
    } catch (error) {
      if (!isDatabaseFault(error)) throw error;
      this.reportFault('claiming a fetch', error);
      return null;
    }
  }

  /** Runs a storage write; when the database cannot be written, reports it once and answers null. */
  private async storeSafely(operation: string, write: () => Promise<CachedEntry | null>): Promise<CachedEntry | null> {
    try {
      return await write();
    } catch (error) {
      if (!isDatabaseFault(error)) throw error;
      this.reportFault(operation, error);
      return null;
    }
  }

  /** A database fault is reported once per kind, not thrown at every caller. */
  private reportFault(operation: string, error: Error): void {
    const kind = (error as { code?: string }).code ?? error.name;
    if (this.reportedFaults.has(kind)) return;
    this.reportedFaults.add(kind);
    this.logger.error('datacache: the cache database cannot be used; fetching without caching until it can', { operation, error: error.message });
    this.events.emit('database-fault', { operation, error });
  }
}

function requireNameList(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${name} must be a list of provider names, got ${describeValue(value)}.`);
  return value.map((item, index) => requireName(`${name}[${index}]`, item));
}

/** An answer that could not be stored: fetched bytes wrapped as an entry with no cache key. */
function uncachedEntry(fetch: ResolvedFetch, body: Buffer, sha256: string, contentType: string | undefined, now: number): CachedEntry {
  return new CachedEntry(
    {
      url: fetch.url,
      cachekey: '',
      identifier: fetch.identifier,
      dataType: fetch.dataType,
      provider: fetch.provider,
      statusCode: 200,
      storedType: 'bytes',
      metadataText: JSON.stringify(fetch.metadata),
      mimeType: contentType ?? null,
      checksum: sha256,
      size: body.length,
      etag: null,
      lastModified: null,
      createdAt: now,
      storedAt: now,
      expiresAt: now + fetch.ttlSeconds * 1000,
      lastAccessed: now,
      accessCount: 0,
    },
    body,
    false,
  );
}
