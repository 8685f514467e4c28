import type { CachedEntry, CachedEntrySummary } from './cached-entry.js';
import type { JsonObject } from '../validation.js';
import type { StorableValue } from './value-codec.js';

/** What `store` takes. */
export interface StoreRequest {
  /** The cache key: a real URL or a synthetic key such as `musicbrainz://artist/…`. */
  url: string;
  /** What the entry is about, an artist say; random and listing reads group by it. May be empty. */
  identifier: string;
  /** thumbnail, logo, banner, fanart, cover, bio, api, musicbrainz … */
  dataType: string;
  provider: string;
  /** Bytes, a string or a JSON value (which may hold Buffers). */
  value: StorableValue;
  /** How long the entry is fresh. 0 stores an entry that is stale at once. */
  ttlSeconds: number;
  metadata?: JsonObject;
  /** 200 (the default) for content; another status such as 404 for a negative entry. */
  statusCode?: number;
  mimeType?: string;
  etag?: string;
  lastModified?: string;
  /**
   * The value's SHA-256 in hex when the caller computed it already (a download hashed as it
   * streamed), so it is not hashed twice. It is recorded as given and checked against the
   * bytes whenever they are next read from disk: a wrong one costs the entry, never wrong data.
   */
  checksum?: string;
}

export interface RetrieveOptions {
  /** Return an expired entry (marked `stale: true`) instead of a miss. */
  allowStale?: boolean;
}

/** What `renew` changes after a 304: the entry's freshness, and its validators when the origin sent new ones. */
export interface Renewal {
  ttlSeconds: number;
  etag?: string;
  lastModified?: string;
}

export interface IdentifierQuery {
  identifier: string;
  dataType: string;
  provider?: string;
}

/** Which entries `purge` removes: every given field must match. `all: true` empties the cache. */
export interface PurgeFilter {
  provider?: string;
  identifier?: string;
  dataType?: string;
  all?: boolean;
}

export interface EntryCount {
  entries: number;
  /** Bytes on disk (compressed payloads count compressed): what the byte budget counts. */
  bytes: number;
  /** The same payloads decoded: what readers get. */
  valueBytes: number;
}

/** How much compression saves, overall and by provider. */
export interface CompressionStats {
  /** Whether new entries are compressed (the `compression` option). */
  enabled: boolean;
  /** `zstd`, or `deflate` where this platform has no zstd binding. */
  codec: 'zstd' | 'deflate';
  /** Decoded bytes of all entries ÷ their bytes on disk (1 when nothing is compressed). */
  ratio: number;
  /** Ratio per provider. */
  byProvider: Record<string, number>;
  /** Dictionaries in use, one per provider and data type at most (older ones go once no entry names them). */
  dictionaries: number;
}

export interface StorageStats {
  entries: number;
  /** Payload bytes of all entries on disk, inline and in files (compressed ones as compressed). */
  bytes: number;
  /** The same payloads decoded. */
  valueBytes: number;
  compression: CompressionStats;
  inlineBytes: number;
  fileBytes: number;
  expiredEntries: number;
  expiredBytes: number;
  negativeEntries: number;
  byProvider: Record<string, EntryCount>;
  byDataType: Record<string, EntryCount>;
  budget: { maxSizeBytes: number; lowWaterMarkBytes: number; usedRatio: number };
  /** Size of the database file and its write-ahead log on disk. */
  databaseBytes: number;
  walBytes: number;
  lastMaintenanceAt: number | null;
  /** The shared tier (PostgreSQL), when the storage has one. */
  shared?: import('./shared-tier-link.js').SharedTierStats;
}

export interface MaintenanceReport {
  /** Rows past their expiry plus the stale-retention period, removed with their files. */
  expiredRemoved: number;
  /** Rows removed to bring the cache under its byte budget. */
  evictedEntries: number;
  evictedBytes: number;
  /** Rows whose blob file had gone missing. */
  orphanRowsRemoved: number;
  /** Blob files that no row named (older than the grace period), and left-over temporary files. */
  orphanFilesRemoved: number;
  /** Free database pages handed back to the file system. */
  vacuumedPages: number;
  /** Whether the write-ahead log was fully copied into the database. */
  walCheckpointed: boolean;
  /** False when the run stopped early because the storage was closing. */
  completed: boolean;
  durationMs: number;
  /** What the pass did on the shared tier, when the storage has one (and it could be reached). */
  shared?: { expiredRemoved: number; evictedEntries: number; evictedBytes: number };
  /** Dictionaries trained and entries compressed again (absent with `compression: false`). */
  compression?: import('./compression/compaction.js').CompactionReport;
}

/**
 * The contract every storage backend keeps: SQLite (`DataStorage`) today, a server database
 * later. Everything is asynchronous so a backend that talks over a network fits without
 * changing a caller. A miss is `null`.
 */
export interface CacheStorage {
  store(request: StoreRequest): Promise<CachedEntry>;
  retrieveByUrl(url: string, options?: RetrieveOptions): Promise<CachedEntry | null>;
  retrieveSummaryByUrl(url: string, options?: RetrieveOptions): Promise<CachedEntrySummary | null>;
  retrieveByCachekey(cachekey: string, options?: RetrieveOptions): Promise<CachedEntry | null>;
  retrieveByIdentifier(query: IdentifierQuery): Promise<CachedEntrySummary[]>;
  retrieveRandom(query: IdentifierQuery): Promise<CachedEntry | null>;
  renew(url: string, renewal: Renewal): Promise<CachedEntry | null>;
  delete(url: string): Promise<boolean>;
  purge(filter: PurgeFilter): Promise<number>;
  stats(): Promise<StorageStats>;
  runMaintenance(): Promise<MaintenanceReport>;
  close(): Promise<void>;
}
