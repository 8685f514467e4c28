/**
 * datacache: one cache for music data. The public API, re-exported from its layers.
 */
export { DataCacheClient, type DataCacheClientOptions, type WaitOptions, type WorkerHandle } from './client/data-cache-client.js';
export { IMAGE_DATA_TYPES, type FetchRequest, type ProviderSettings } from './client/fetch-request.js';
export type { ClientEvents } from './client/events.js';
export { PRIORITY, RequestQueue, type QueuedJob, type QueueOptions } from './queue/request-queue.js';
export { MusicBrainzProvider, type LookupOptions, type MusicBrainzOptions, type SearchOptions, type SearchResult } from './providers/musicbrainz/musicbrainz-provider.js';
export { escapeLuceneQuery, musicbrainzUrl } from './providers/musicbrainz/query.js';
export { normalizeArtistIdentifier } from './providers/identifiers.js';
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
export { SharedRateLimiter, type AcquireOptions, type Cooldown, type Grant, type RequestPriority } from './ratelimit/shared-rate-limiter.js';
export { DEFAULT_RATE_LIMITS, FALLBACK_RATE_LIMIT, resolveRateLimits, type RateLimit } from './ratelimit/provider-limits.js';
export { HttpClient, type Download, type DownloadRequest, type HttpClientOptions } from './http/http-client.js';
export {
  ChecksumMismatchError,
  DownloadError,
  DownloadTimeoutError,
  HttpStatusError,
  NetworkError,
  ResponseTooLargeError,
  TooManyRedirectsError,
  UnexpectedContentError,
} from './http/http-errors.js';
export { parseRetryAfter } from './http/retry-after.js';
export { DEFAULT_USER_AGENT } from './http/user-agent.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { silentLogger, type Logger } from './logger.js';
export type { JsonObject, JsonValue } from './validation.js';
export {
  DatabaseBusyError,
  DatabaseCorruptError,
  DatabaseUnavailableError,
  DataCacheError,
  InvalidArgumentError,
  isDatabaseFault,
  ProviderCoolingDownError,
  RateLimitWaitError,
  SchemaVersionError,
  StorageClosedError,
  StorageReadError,
  StorageWriteError,
} from './errors.js';
