import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { AnalyticsRecorder } from '../analytics/analytics-recorder.js';
import { readAnalytics, type AnalyticsReport } from '../analytics/analytics-report.js';
import { analyticsStoreFor } from '../analytics/analytics-store-for.js';
import { validateJobRetries } from '../client/client-options.js';
import { DataCacheClient } from '../client/data-cache-client.js';
import { chainAuthorizers, type FetchRequest } from '../client/fetch-request.js';
import { systemClock, type Clock } from '../clock.js';
import { DatabaseBusyError, DatabaseCorruptError, DatabaseUnavailableError, DataCacheError, ForeignDatabaseError, InvalidArgumentError, SchemaVersionError, StorageClosedError, StorageWriteError } from '../errors.js';
import { redactingLogger, silentLogger, type Logger } from '../logger.js';
import type { DrainReport } from '../queue/drain-queue.js';
import type { JobState } from '../queue/job-queue.js';
import type { Cooldown } from '../ratelimit/shared-rate-limiter.js';
import type { StorageStats } from '../storage/cache-storage.js';
import type { CachedEntry } from '../storage/cached-entry.js';
import { defaultCacheDirectory } from '../storage/cache-directory.js';
import { DataStorage } from '../storage/data-storage.js';
import { describeValue, isPlainObject, optionalBoolean, optionalFiniteNumber, requireHttpUrl, requireName, requireOptionsObject, requireString } from '../validation.js';
import { ApiProvider } from './api/api-provider.js';
import { clientKeyAuthorizer, takeClientKeys, type ClientKey } from './api/client-key.js';
import { presetOf, serviceBaseUrl } from './api/presets.js';
import { ARTIST_CHAIN, artistChainStart, artistChainStep, type ArtistChainDependencies, type ChainArtist } from './artist-chain/artist-chain.js';
import { resolveArtworkLimits, type ArtworkType } from './artist-chain/artwork-sources.js';
import { runChainNow, type WarmReport } from './artist-chain/warm-now.js';
import { PRIORITY } from '../queue/job-queue.js';
import { ImagesProvider } from './images/images-provider.js';
import { MusicBrainzProvider } from './musicbrainz/musicbrainz-provider.js';
import { readNowPlaying, writeNowPlaying, type NowPlaying } from './now-playing.js';
import { resolveProviders, type DataCacheProvidersOptions, type ResolvedProvider } from './provider-options.js';
import { providerRequestUrl } from './request-url.js';
import { resolveSharedOption } from '../backends/postgres/connection-options.js';

/** Options of DataCacheProviders.getOrFetch. */
export interface ProviderFetchOptions {
  /**
   * The URL came from a client that put its own key into it (a proxy's client): every query
   * parameter named like a credential, and TheAudioDB's path key, are taken out of the cached
   * URL and sent with this request only, to the provider's own origin; a configured key wins
   * over them. Needs `immediate` (a queued request could not carry them). Default false.
   */
  clientKeys?: boolean;
}

export interface ProcessQueueOptions {
  /** Only this provider's jobs (or these providers'). Default: all. */
  provider?: string | readonly string[];
  /** Run at most this many jobs. Default: every runnable one. */
  limit?: number;
}

export interface ProvidersStats {
  storage: StorageStats;
  /** Jobs by state, and by provider and state. */
  queue: { byState: Record<JobState, number>; byProvider: Record<string, Partial<Record<JobState, number>>> };
  /** Providers cooling down after a 429 or 503, shared by every process. */
  cooldowns: Record<string, Cooldown>;
  /** Hits, misses, stale answers, fetches, errors, bytes and latencies, from every process. */
  analytics: AnalyticsReport;
}

export interface StatsOptions {
  /** Analytics from this moment (ms since the epoch). Default: the last 24 hours. */
  sinceMs?: number;
  /** Minutes per point of the analytics timeline. Default 1. */
  bucketMinutes?: number;
}

interface Opened {
  storage: DataStorage;
  client: DataCacheClient;
  analytics: AnalyticsRecorder;
  /** The temporary directory of a stand-in cache, removed at close. */
  standIn?: string;
}

/** Faults of the cache directory's database that the providers work around, uncached, instead of failing every call. */
function isUnusableCache(error: unknown): error is DataCacheError {
  return (
    error instanceof DatabaseCorruptError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof DatabaseBusyError ||
    error instanceof SchemaVersionError ||
    error instanceof ForeignDatabaseError ||
    error instanceof StorageWriteError ||
    (error instanceof DataCacheError && error.code === 'ERR_DATACACHE_CACHE_DIRECTORY_UNSAFE')
  );
}

/** The byte budget of a stand-in cache: it lives in the temporary folder for one process's lifetime. */
const STAND_IN_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * The application's entry point: the MusicBrainz, images and API providers over one cache.
 * The cache opens on first use (or at `initialize()`); `close()` releases it.
 *
 * @example
 * const providers = getProviders({ userAgent: 'MyNowPlaying/2.1 ( dj@example.org )' });
 * const { artists } = (await providers.musicbrainz.searchArtists('Daft Punk'))!;
 */
export class DataCacheProviders {
  readonly cacheDir: string;
  readonly musicbrainz: MusicBrainzProvider;
  readonly images: ImagesProvider;
  readonly api: ApiProvider;
  /**
   * A digest of the options as given, for getProviders() to tell a second, different call
   * apart (a digest: the options hold keys).
   */
  readonly fingerprint: string;
  // Private fields (#), not TypeScript's `private`: util.inspect and console.log show the
  // latter, and the options hold keys and passwords.
  readonly #options: DataCacheProvidersOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #settings: Map<string, ResolvedProvider>;
  #opening: Promise<Opened> | undefined;
  #opened: Opened | undefined;
  #closing: Promise<void> | undefined;
  #degradedBy: DataCacheError | null = null;

  constructor(options: DataCacheProvidersOptions = {}) {
    const input = requireOptionsObject('providers options', options) as DataCacheProvidersOptions;
    this.#options = input;
    this.cacheDir = input.cacheDir === undefined ? defaultCacheDirectory() : resolve(requireString('cacheDir', input.cacheDir));
    if (input.userAgent !== undefined) requireString('userAgent', input.userAgent, { maxLength: 512 });
    if (input.userAgent !== undefined && /[\r\n]/.test(input.userAgent)) throw new InvalidArgumentError('userAgent must be one line.');
    optionalFiniteNumber('maxSizeBytes', input.maxSizeBytes, 0, { min: 1 });
    optionalFiniteNumber('analyticsRetentionDays', input.analyticsRetentionDays, 7, { min: 0 });
    optionalFiniteNumber('leaseMs', input.leaseMs, 60_000, { min: 1000, max: 3_600_000, integer: true });
    if (input.jobRetries !== undefined) validateJobRetries('jobRetries', input.jobRetries);
    if (input.unusableCache !== undefined && !['stand-in', 'throw'].includes(input.unusableCache)) {
      throw new InvalidArgumentError(`unusableCache must be 'stand-in' or 'throw', got ${describeValue(input.unusableCache)}.`);
    }
    this.#logger = redactingLogger(input.logger ?? silentLogger);
    this.#clock = input.storage?.clock ?? systemClock;
    this.#settings = resolveProviders(input.providers);
    const given = JSON.stringify({ cacheDir: this.cacheDir, userAgent: input.userAgent, maxSizeBytes: input.maxSizeBytes, providers: input.providers, storage: input.storage, analyticsRetentionDays: input.analyticsRetentionDays, leaseMs: input.leaseMs, jobRetries: input.jobRetries, unusableCache: input.unusableCache, shared: input.shared, sharedMaxSizeBytes: input.sharedMaxSizeBytes });
    // A bad shared option is the caller's mistake: say so now, naming it, not at the first call.
    if (input.shared !== undefined) resolveSharedOption('shared', input.shared);
    this.fingerprint = createHash('sha256').update(given).digest('hex');
    const client = (): Promise<DataCacheClient> => this.#open().then((opened) => opened.client);
    this.musicbrainz = new MusicBrainzProvider(client, { baseUrl: this.#settings.get('musicbrainz')?.baseUrl });
    this.images = new ImagesProvider(client, this.#settings);
    this.api = new ApiProvider(client, this.#settings);
  }

  /**
   * Why the cache directory's database cannot be used (corrupt, unreadable, locked, newer, an
   * unsafe directory), or null when it can. When set, the providers answer through a private,
   * temporary cache of this process (fetches go on, rate limits hold per process), and the
   * fault was reported once through the logger. Known after initialize() or the first call.
   */
  get degradedBy(): DataCacheError | null {
    return this.#degradedBy;
  }

  /**
   * Any URL through the cache, on the providers' rules: moved to the provider's configured
   * base URL, its key taken out of the cached URL and added as the request leaves, its
   * credentials sent to its own origin only, artist identifiers normalised. The client's
   * getOrFetch with everything the provider methods do; what `datacache get` uses.
   *
   * @example await providers.getOrFetch({ url, provider: 'fanarttv', dataType: 'api', identifier: 'daft punk' })
   */
  async getOrFetch(request: FetchRequest, options: ProviderFetchOptions = {}): Promise<CachedEntry | null> {
    if (!isPlainObject(request)) throw new InvalidArgumentError(`getOrFetch() takes a request object, got ${describeValue(request)}.`);
    const input = requireOptionsObject('getOrFetch options', options);
    const provider = requireName('provider', request.provider);
    const { url, keys } = this.#requestUrl(provider, request.url, input);
    // The configured key wins: the client's would only make a second, different request.
    const own = this.hasApiKey(provider) ? undefined : clientKeyAuthorizer(keys, this.#keyOrigins(provider));
    const authorize = chainAuthorizers([own, request.authorize]);
    const { client } = await this.#open();
    return client.getOrFetch({ ...request, url, ...(authorize === undefined ? {} : { authorize }) });
  }

  /**
   * The URL `getOrFetch(request, options)` caches a request of `provider` under: moved to its
   * base URL, without its configured key, and (with `clientKeys`) without a client's keys.
   *
   * @example providers.cacheUrl('lastfm', 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air&api_key=abc', { clientKeys: true })
   * // 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air'
   */
  cacheUrl(provider: string, url: string, options: ProviderFetchOptions = {}): string {
    return this.#requestUrl(requireName('provider', provider), url, requireOptionsObject('cacheUrl options', options)).url;
  }

  #requestUrl(provider: string, url: unknown, options: Record<string, unknown>): { url: string; keys: ClientKey[] } {
    const moved = providerRequestUrl(this.#settings, provider, requireHttpUrl('url', url));
    return optionalBoolean('clientKeys', options.clientKeys, false) ? takeClientKeys(provider, moved) : { url: moved, keys: [] };
  }

  /** Where a provider's credentials may go: its configured base URL, else the service's key origins, else its own origin. */
  #keyOrigins(provider: string): Set<string> {
    const baseUrl = this.#settings.get(provider)?.baseUrl;
    if (baseUrl !== undefined) return new Set([new URL(baseUrl).origin]);
    const preset = presetOf(provider);
    if (preset !== undefined) return new Set(preset.keyOrigins);
    const service = serviceBaseUrl(provider);
    return new Set(service === undefined ? [] : [new URL(service).origin]);
  }

  /** Shows where the cache is and which providers are configured; never a key or a password. */
  [inspect.custom](): string {
    return `DataCacheProviders { cacheDir: ${JSON.stringify(this.cacheDir)}, providers: [${[...this.#settings.keys()].join(', ')}]${this.#degradedBy === null ? '' : ', degraded'} }`;
  }

  toJSON(): { cacheDir: string; providers: string[] } {
    return { cacheDir: this.cacheDir, providers: [...this.#settings.keys()] };
  }

  /** Opens the cache now (it opens on first use otherwise), so a problem with it shows at start-up. */
  async initialize(): Promise<void> {
    await this.#open();
  }

  /** Whether an API key is configured for `provider` (the key itself is never handed out). */
  hasApiKey(provider: string): boolean {
    return this.#settings.get(requireName('provider', provider))?.apiKey !== undefined;
  }

  /**
   * Whether a `baseUrl` is configured for `provider`: a mirror or a test server the user set
   * up, whose answers (image URLs on the local network included) are trusted like the user.
   */
  isMirrored(provider: string): boolean {
    return this.#settings.get(requireName('provider', provider))?.baseUrl !== undefined;
  }

  /**
   * Queues an artist's whole chain (MusicBrainz search → the artist picked → TheAudioDB's
   * lookup, then fanart.tv's when a key is configured → a sample of the images they list) for
   * any worker on the cache to carry to the end, each step queued as the one before completes.
   * Resolves at once; `added: false` when its search was queued already.
   *
   * @example await providers.queueArtist({ name: 'Simon & Garfunkel', parts: ['Simon', 'Garfunkel'] })
   */
  async queueArtist(artist: ChainArtist, options: ArtistWarmOptions = {}): Promise<{ added: boolean }> {
    const checked = checkChainArtist(artist);
    const { client } = await this.#open();
    const start = artistChainStart(this.#artistChainDependencies(client), checked, this.#chainOptions(options, PRIORITY.batch));
    return client.queueFetch(start);
  }

  /**
   * Warms an artist the app expects next (the rest of the playlist, say), so the artwork is
   * there when the track starts: `immediate` (the default) runs the whole chain now, in this
   * process, at live priority, and resolves when it is done; `immediate: false` queues it for
   * a worker, as queueArtist does. Takes a name, or `{ name, parts }` for a name that may be
   * several artists (see artistCandidates).
   *
   * @example await providers.warmArtist('Daft Punk') // { fetched: 9, failed: 0 }
   */
  async warmArtist(artistOrName: string | ChainArtist, options: ArtistWarmOptions & { immediate?: boolean } = {}): Promise<WarmReport> {
    const input = requireOptionsObject('warmArtist options', options);
    const artist = checkChainArtist(typeof artistOrName === 'string' ? { name: artistOrName } : artistOrName);
    if (input.immediate === false) {
      await this.queueArtist(artist, options);
      return { fetched: 0, failed: 0 };
    }
    const { client } = await this.#open();
    const dependencies = this.#artistChainDependencies(client);
    return runChainNow(client, artistChainStart(dependencies, artist, this.#chainOptions(options, PRIORITY.live)), artistChainStep(dependencies));
  }

  #chainOptions(options: ArtistWarmOptions, priority: number): { sources: string[]; limits: Record<ArtworkType, number>; priority: number } {
    const limits = resolveArtworkLimits(options.artworkLimits);
    return { sources: this.hasApiKey('fanarttv') ? ['theaudiodb', 'fanarttv'] : ['theaudiodb'], limits, priority: optionalFiniteNumber('priority', options.priority, priority, { min: 0, integer: true }) };
  }

  #artistChainDependencies(client: DataCacheClient): ArtistChainDependencies {
    return {
      searchRequest: (name) => this.musicbrainz.artistSearchRequest(name),
      lookupRequest: (provider, url, identifier) => this.api.apiFetchRequest({ url, provider, identifier, immediate: false }),
      imageRequest: (identifier, imageType, url, allowPrivateAddresses) => this.images.imageFetchRequest({ artistIdentifier: identifier, imageType, url, allowPrivateAddresses }),
      isMirrored: (provider) => this.isMirrored(provider),
      storage: client.storage,
      queue: client.queue,
    };
  }

  /**
   * Tells every process of this machine which artist is on air, for the dashboard's
   * `/overlay/now` (an OBS browser source that always shows the playing artist's art). Unless
   * `queue: false`, the artist's chain is queued at live priority too, so a worker fetches
   * what is not cached yet. `null` clears it; it also lapses after 12 hours without a report.
   *
   * @example await providers.setNowPlaying('Daft Punk') // { artist: 'Daft Punk', identifier: 'daft punk', since: … }
   */
  async setNowPlaying(artist: string | null, options: { queue?: boolean } = {}): Promise<NowPlaying | null> {
    const input = requireOptionsObject('setNowPlaying options', options);
    const queue = optionalBoolean('queue', input.queue, true);
    if (artist !== null) {
      requireString('artist', artist, { maxLength: 1024 });
      if (artist.trim() === '') throw new InvalidArgumentError('artist must name someone (or be null when nothing is on air).');
    }
    const { storage } = await this.#open();
    const playing = await writeNowPlaying(storage, artist, this.#clock.now());
    if (artist !== null && queue) await this.queueArtist({ name: artist }, { priority: PRIORITY.live });
    return playing;
  }

  /** The artist on air, as the last `setNowPlaying` of any process of this machine said; null when none. */
  async nowPlaying(): Promise<NowPlaying | null> {
    const { storage } = await this.#open();
    return readNowPlaying(storage);
  }

  /** The client underneath (after initialize()). */
  get client(): DataCacheClient {
    return this.#requireOpened('client').client;
  }

  /** The storage underneath (after initialize()). */
  get storage(): DataStorage {
    return this.#requireOpened('storage').storage;
  }

  /**
   * Runs queued fetches now, in this process, and reports what came of them. Waits for each
   * provider's rate limit; does not wait for jobs held back by a backoff or a cool-down.
   *
   * @example await providers.processQueue({ provider: 'cdn', limit: 20 }); // { processed: 20, succeeded: 19, failed: 1 }
   */
  async processQueue(options: ProcessQueueOptions = {}): Promise<DrainReport> {
    const input = requireOptionsObject('processQueue options', options);
    const providers = input.provider === undefined ? undefined : typeof input.provider === 'string' ? [requireName('provider', input.provider)] : input.provider;
    if (providers !== undefined && !Array.isArray(providers)) {
      throw new InvalidArgumentError(`provider must be a provider name or a list of them, got ${describeValue(input.provider)}.`);
    }
    const { client } = await this.#open();
    return client.processQueue({ providers: providers as string[] | undefined, limit: input.limit as number | undefined });
  }

  /** Entries and bytes (in total, by provider and data type, against the budget), the queue, cool-downs and the analytics. */
  async stats(options: StatsOptions = {}): Promise<ProvidersStats> {
    const { storage, client } = await this.#open();
    const [report, storageStats, rows, cooldowns] = await Promise.all([this.analytics(options), storage.stats(), client.queue.counts(), client.limiter.activeCooldowns()]);
    const byState: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    const byProvider = Object.create(null) as ProvidersStats['queue']['byProvider'];
    for (const row of rows) {
      byState[row.state] += row.jobs;
      const provider = (byProvider[row.provider] ??= {});
      provider[row.state] = (provider[row.state] ?? 0) + row.jobs;
    }
    return { storage: storageStats, queue: { byState, byProvider }, cooldowns, analytics: report };
  }

  /**
   * The analytics every process (and, with a shared tier, every machine) recorded: hits,
   * misses, fetches, errors and bytes by provider and data type, a timeline, latencies and the
   * queue's depth over time. This process's latest counts and the queue's depth now are
   * recorded first, so the report includes them.
   *
   * @example const { totals } = await providers.analytics({ sinceMs: Date.now() - 3_600_000 }); // the last hour
   */
  async analytics(options: StatsOptions = {}): Promise<AnalyticsReport> {
    const input = requireOptionsObject('analytics options', options);
    const sinceMs = input.sinceMs === undefined ? undefined : optionalFiniteNumber('sinceMs', input.sinceMs, 0, { min: 0 });
    const bucketMinutes = optionalFiniteNumber('bucketMinutes', input.bucketMinutes, 1, { min: 1, max: 1440, integer: true });
    const { storage, client, analytics } = await this.#open();
    await Promise.all([analytics.flush(), client.sampleQueueDepth()]);
    return readAnalytics(analyticsStoreFor(storage), this.#clock.now(), { sinceMs, bucketMinutes });
  }

  /** Stops workers, closes connections and the database. getProviders() opens a fresh one afterwards. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      sharedProviders.delete(this.cacheDir, this);
      const opened = await this.#opening?.catch(() => undefined);
      if (opened === undefined) return;
      await opened.client.close();
      await opened.analytics.close();
      await opened.storage.close();
      if (opened.standIn !== undefined) await rm(opened.standIn, { recursive: true, force: true });
    })();
    return this.#closing;
  }

  #open(): Promise<Opened> {
    if (this.#closing) return Promise.reject(new StorageClosedError('DataCacheProviders'));
    this.#opening ??= (async () => {
      const options = this.#options;
      let storage: DataStorage;
      let standIn: string | undefined;
      try {
        storage = await DataStorage.open({
          ...options.storage,
          cacheDir: this.cacheDir,
          maxSizeBytes: options.maxSizeBytes,
          logger: this.#logger,
          ...(options.shared === undefined ? {} : { shared: options.shared }),
          ...(options.sharedMaxSizeBytes === undefined ? {} : { sharedMaxSizeBytes: options.sharedMaxSizeBytes }),
        });
      } catch (error) {
        if (!isUnusableCache(error) || options.unusableCache === 'throw') throw error;
        // The app keeps working: fetches go on through a private cache of this process, and the
        // fault is said once, not thrown at every caller.
        this.#degradedBy = error;
        standIn = await mkdtemp(join(tmpdir(), 'datacache-stand-in-'));
        this.#logger.error('datacache: the cache cannot be used; answering through a temporary cache of this process until it can (restart to retry)', {
          cacheDir: this.cacheDir,
          error: error.message,
        });
        storage = await DataStorage.open({
          ...options.storage,
          cacheDir: standIn,
          maxSizeBytes: Math.min(options.maxSizeBytes ?? STAND_IN_BUDGET_BYTES, STAND_IN_BUDGET_BYTES),
          onCorruptDatabase: 'error',
          logger: this.#logger,
        });
      }
      const analytics = new AnalyticsRecorder(analyticsStoreFor(storage), { clock: this.#clock, logger: this.#logger, retentionMs: options.analyticsRetentionDays === undefined ? undefined : options.analyticsRetentionDays * 86_400_000 });
      try {
        const client = new DataCacheClient({
          storage,
          userAgent: options.userAgent,
          providers: Object.fromEntries([...this.#settings].map(([name, settings]) => [name, settings.client])),
          logger: this.#logger,
          clock: this.#clock,
          analytics,
          ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
          ...(options.jobRetries === undefined ? {} : { jobRetries: options.jobRetries }),
        });
        // Any worker of this process carries artist chains on, whoever queued them.
        client.registerChainStep(ARTIST_CHAIN, artistChainStep(this.#artistChainDependencies(client)));
        this.#opened = { storage, client, analytics, ...(standIn === undefined ? {} : { standIn }) };
        return this.#opened;
      } catch (error) {
        await analytics.close();
        await storage.close();
        if (standIn !== undefined) await rm(standIn, { recursive: true, force: true });
        throw error;
      }
    })();
    // A failed open (bad options, say) can be tried again.
    this.#opening.catch(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  #requireOpened(what: string): Opened {
    if (this.#closing) throw new StorageClosedError(`DataCacheProviders.${what}`);
    if (this.#opened === undefined) throw new InvalidArgumentError(`DataCacheProviders.${what} is there after initialize(); await providers.initialize() first.`);
    return this.#opened;
  }
}

/** One DataCacheProviders per cache directory for getProviders(). */
const sharedProviders = {
  byDirectory: new Map<string, DataCacheProviders>(),
  delete(cacheDir: string, providers: DataCacheProviders): void {
    if (this.byDirectory.get(cacheDir) === providers) this.byDirectory.delete(cacheDir);
  },
};

/**
 * The process's shared providers for a cache directory: every call with the same directory
 * gets the same object (so one part of an app does not open the cache twice). Options count
 * on the first call; a later call with different options is refused, as that is almost always
 * a mistake; use createProviders() for an independent one.
 *
 * @example
 * const providers = getProviders({ userAgent: 'MyNowPlaying/2.1 ( dj@example.org )' });
 */
export function getProviders(options: DataCacheProvidersOptions = {}): DataCacheProviders {
  const candidate = new DataCacheProviders(options);
  const existing = sharedProviders.byDirectory.get(candidate.cacheDir);
  if (existing === undefined) {
    sharedProviders.byDirectory.set(candidate.cacheDir, candidate);
    return candidate;
  }
  if (Object.keys(options).some((key) => key !== 'cacheDir') && existing.fingerprint !== candidate.fingerprint) {
    throw new InvalidArgumentError(
      `getProviders(): the providers for ${candidate.cacheDir} were already made with other options; pass the same options, none, or use createProviders() for an independent set.`,
    );
  }
  return existing;
}

/** Options of queueArtist and warmArtist. */
export interface ArtistWarmOptions {
  /** How many images of each type the artist keeps. Default thumbnail 3, logo 3, banner 3, fanart 20. */
  artworkLimits?: Partial<Record<ArtworkType, number>>;
  /** Queue priority of the chain's fetches. Default batch (2) for queueArtist, live (1) for warmArtist. */
  priority?: number;
}

/** Parts of one artist field searched at most. */
const MAX_PARTS = 20;

function checkChainArtist(artist: unknown): ChainArtist {
  if (!isPlainObject(artist)) throw new InvalidArgumentError(`an artist is { name, parts? }, got ${describeValue(artist)}.`);
  const name = requireString('name', artist.name, { maxLength: 512 });
  if (name.trim() === '') throw new InvalidArgumentError('name is empty: an artist has a name.');
  if (artist.parts === undefined) return { name };
  if (!Array.isArray(artist.parts)) throw new InvalidArgumentError(`parts must be a list of names, got ${describeValue(artist.parts)}.`);
  // A credit list of a charity single names dozens: the first 20 are searched, the chain's state stays small.
  return { name, parts: artist.parts.slice(0, MAX_PARTS).map((part, index) => requireString(`parts[${index}]`, part, { maxLength: 512 })) };
}

/** An independent DataCacheProviders (its own connection, client and workers), not shared. */
export function createProviders(options: DataCacheProvidersOptions = {}): DataCacheProviders {
  return new DataCacheProviders(options);
}
