/**
 * datacache: one cache for music data. The public API, re-exported from its layers.
 */
export { DataCacheClient, type DataCacheClientOptions, type JobRetries, type WaitOptions, type WorkerHandle } from './client/data-cache-client.js';
export {
  IMAGE_DATA_TYPES,
  type ExpectedContent,
  type FetchRequest,
  type OutgoingRequest,
  type ProviderSettings,
  type RequestAuthorizer,
} from './client/fetch-request.js';
export type { ClientEvents } from './client/events.js';
export { RequestQueue } from './backends/sqlite/sqlite-queue.js';
export { PRIORITY, type EnqueueOptions, type FailOptions, type JobCount, type JobQueue, type JobState, type QueuedJob } from './queue/job-queue.js';
export { QueuePolicy, type QueueOptions } from './queue/queue-policy.js';
export { MergedChangeFeed, type ChangeFeed } from './queue/change-feed.js';
export type { DrainOptions, DrainReport } from './queue/drain-queue.js';
export {
  createProviders,
  DataCacheProviders,
  getProviders,
  type ArtistWarmOptions,
  type ProcessQueueOptions,
  type ProviderFetchOptions,
  type ProvidersStats,
  type StatsOptions,
} from './providers/data-cache-providers.js';
export type { NowPlaying } from './providers/now-playing.js';
export { AnalyticsRecorder, type AnalyticsSink, type CountedEvent } from './analytics/analytics-recorder.js';
export { readAnalytics, type AnalyticsQuery, type AnalyticsReport, type CountTotals, type DepthCounts, type LatencyDistribution, type QueueDepthPoint } from './analytics/analytics-report.js';
export type { DataCacheProvidersOptions, ProviderConfig } from './providers/provider-options.js';
export { ApiProvider, type ApiRequest, type BioRequest } from './providers/api/api-provider.js';
export { API_PRESETS, type ApiKeyPlacement, type ApiPreset } from './providers/api/presets.js';
export {
  ImagesProvider,
  type ArtistImageRequest,
  type FillQueueRequest,
  type ImageQuery,
  type ImageRequest,
  type RandomImage,
} from './providers/images/images-provider.js';
export { MusicBrainzProvider, type LookupOptions, type MusicBrainzEntity, type MusicBrainzOptions, type SearchOptions, type SearchResult } from './providers/musicbrainz/musicbrainz-provider.js';
export { escapeLuceneQuery, musicbrainzUrl } from './providers/musicbrainz/query.js';
export { normalizeArtistIdentifier } from './providers/identifiers.js';
export { Secret } from './providers/secret.js';
export { redactText, redactUrl } from './redaction.js';
export { ACCEPTED_IMAGE_FORMATS, sniffImage, type SniffedImage } from './client/sniff-image.js';
export { DataStorage, INLINE_LIMIT_BYTES } from './storage/data-storage.js';
export type { DataStorageOptions } from './storage/options.js';
export type {
  CacheStorage,
  EntryCount,
  IdentifierQuery,
  MaintenanceReport,
  PurgeFilter,
  Renewal,
  RetrieveOptions,
  StorageStats,
  StoreRequest,
} from './storage/cache-storage.js';
export { CachedEntry, CachedEntrySummary } from './storage/cached-entry.js';
export type { StorableJson, StorableValue, ValueType } from './storage/value-codec.js';
export { defaultCacheDirectory } from './storage/cache-directory.js';
export { PgRateLimitStore } from './backends/postgres/pg-rate-limit-store.js';
export { PgAnalyticsStore } from './backends/postgres/pg-analytics-store.js';
export { SqliteRateLimitStore } from './backends/sqlite/rate-limit-store.js';
export { SqliteAnalyticsStore } from './backends/sqlite/analytics-store.js';
export type { RateLimitStore, LimitState } from './ratelimit/rate-limit-store.js';
export type { AnalyticsStore, LatencyCount } from './analytics/analytics-store.js';
export { PostgresTier } from './backends/postgres/postgres-tier.js';
export { PostgresQueue, QUEUE_CHANNEL } from './backends/postgres/pg-queue.js';
export { PgChangeFeed } from './backends/postgres/pg-change-feed.js';
export type { SharedConfig, SharedOption } from './backends/postgres/connection-options.js';
export type { SharedTierStats } from './storage/shared-tier-link.js';
export { SharedRateLimiter, type AcquireOptions, type Cooldown, type Grant, type RequestPriority } from './ratelimit/shared-rate-limiter.js';
export { DEFAULT_RATE_LIMITS, FALLBACK_RATE_LIMIT, resolveRateLimits, type RateLimit } from './ratelimit/provider-limits.js';
export { HttpClient, type Download, type DownloadRequest, type HttpClientOptions, type Lane } from './http/http-client.js';
export {
  ChecksumMismatchError,
  ContentEncodingError,
  DownloadError,
  DownloadTimeoutError,
  HttpStatusError,
  InvalidJsonError,
  JsonTooDeepError,
  NetworkError,
  PrivateAddressError,
  RedirectRefusedError,
  ResponseTooLargeError,
  TooManyRedirectsError,
  UnexpectedContentError,
} from './http/http-errors.js';
export { isPrivateAddress } from './http/address-policy.js';
export { entryJson } from './client/entry-json.js';
export { parseRetryAfter } from './http/retry-after.js';
export { DEFAULT_USER_AGENT } from './http/user-agent.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { redactingLogger, silentLogger, type Logger } from './logger.js';
export type { JsonObject, JsonValue } from './validation.js';
export {
  CacheDirectoryUnsafeError,
  DatabaseBusyError,
  DatabaseCorruptError,
  DatabaseUnavailableError,
  DataCacheError,
  InvalidArgumentError,
  isDatabaseFault,
  LibraryFormatError,
  ProviderCoolingDownError,
  RateLimitWaitError,
  SchemaVersionError,
  ForeignDatabaseError,
  SharedTierUnavailableError,
  StorageClosedError,
  StorageReadError,
  StorageWriteError,
} from './errors.js';

// Moving from whats-now-playing
export {
  importWnpCache,
  importWnpCacheInto,
  type ImportWnpCacheOptions,
  type ImportWnpOptions,
  type WnpImportProgress,
  type WnpImportReport,
} from './import/whats-now-playing/import-wnp-cache.js';
export { defaultWnpCacheDirectory, type WnpLocationOptions } from './import/whats-now-playing/wnp-locations.js';
export type { WnpSkipReason } from './import/whats-now-playing/wnp-entry.js';
export type { WnpPendingSkipReason } from './import/whats-now-playing/wnp-pending.js';
export type { WnpReadMode } from './import/whats-now-playing/wnp-database.js';

// Pre-caching a DJ library
export { artistCandidates, ArtistSet, type ArtistCandidate } from './precache/artist-names.js';
export { matchArtist } from './providers/artist-chain/artist-match.js';
export { ARTWORK_TYPES, DEFAULT_ARTWORK_LIMITS, type ArtworkType } from './providers/artist-chain/artwork-sources.js';
export { LIBRARY_FORMATS, readLibraryArtists, readLibraryTracks, type LibraryFormat, type ReadLibraryOptions } from './precache/library/read-library.js';
export { LibraryReadReport, type LibraryTrack } from './precache/library/library-track.js';
export { findLibraries, type FoundLibrary } from './precache/library/library-locations.js';
export type { ChainStep, ChainStepContext } from './client/chains.js';
export type { ChainLink } from './client/fetch-request.js';
export type { ChainArtist } from './providers/artist-chain/artist-chain.js';
export type { WarmReport } from './providers/artist-chain/warm-now.js';
export { precacheArtists, type PrecacheFailureReason, type PrecacheOptions, type PrecacheProgress } from './precache/precache.js';

// The dashboard
export { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/dashboard-server.js';
// The caching proxy, for programs in any language:
//   const proxy = await startProxy(getProviders(), { port: 8788 });
//   // curl 'http://127.0.0.1:8788/musicbrainz/ws/2/artist?query=air&fmt=json'
export { startProxy, type CachingProxy, type ProxyOptions } from './proxy/proxy-server.js';
export { BUILT_IN_IMAGE_HOSTS } from './proxy/image-hosts.js';
export type { IdentifierListing, IdentifierListQuery } from './storage/identifier-listing.js';
