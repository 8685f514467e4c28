import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ResolvedShared } from '../backends/postgres/connection-options.js';
import type { InvalidationFilter, SharedEntry, SharedPut } from '../backends/postgres/pg-entry-store.js';
import { PostgresTier } from '../backends/postgres/postgres-tier.js';
import { prepareRefreshStatements, type RefreshStatements } from '../backends/sqlite/refresh-statements.js';
import { refreshCandidates, takeRefreshBudget, type RefreshCandidate, type RefreshCandidateQuery } from './refresh-ahead.js';
import { join } from 'node:path';
import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { StorageClosedError } from '../errors.js';
import { AccessRecorder } from './access-recorder.js';
import { evictToLowWaterMark, type EvictionResult } from './budget.js';
import type {
  CacheStorage,
  IdentifierQuery,
  MaintenanceReport,
  PurgeFilter,
  Renewal,
  RetrieveOptions,
  StorageStats,
  StoreRequest,
} from './cache-storage.js';
import { CachedEntry, CachedEntrySummary } from './cached-entry.js';
import { prepareCacheDirectory } from './cache-directory-safety.js';
import type { VerifiedFolders } from './content/folders.js';
import { sha256Hex } from './content/hash.js';
import { BlobMemoryCache } from './content/memory-cache.js';
import { readBlob } from './content/read.js';
import { VerifiedFiles } from './content/verified-files.js';
import { removeBlobs } from './content/remove.js';
import { deleteChosenEntries } from './deletion.js';
import { writeBlob } from './content/write.js';
import { claimScheduledMaintenance, emptyMaintenanceReport, runMaintenancePass } from './maintenance.js';
import { resolveStorageOptions, type DataStorageOptions, type ResolvedStorageOptions } from './options.js';
import { purgeEntries } from './purge.js';
import {
  validateIdentifierListQuery,
  validateIdentifierQuery,
  validatePurgeFilter,
  validateRetrieveOptions,
  validateStoreRequest,
  validateUrl,
  type ValidatedStore,
} from './request-validation.js';
import type { SqliteConnection } from '../backends/sqlite/connection.js';
import { prepareEntryStatements, type EntryRow, type EntryStatements, type Statement } from '../backends/sqlite/entry-statements.js';
import { prepareHousekeepingStatements, type HousekeepingStatements } from '../backends/sqlite/housekeeping-statements.js';
import { DATABASE_FILE_NAME, openDatabase } from '../backends/sqlite/open-database.js';
import { WalCheckpointer } from '../backends/sqlite/wal-checkpointer.js';
import { listIdentifiers, type IdentifierListing, type IdentifierListQuery } from './identifier-listing.js';
import { collectStats } from './stats.js';
import { SharedTierLink } from './shared-tier-link.js';
import type { StorageInternals } from './storage-internals.js';
import { optionalString, requireFiniteNumber, requireName, requireOptionsObject } from '../validation.js';
import { isDatabaseFault } from '../errors.js';
import type { StoredValueType } from './value-codec.js';
import { prepareCompressionStatements } from '../backends/sqlite/compression-statements.js';
import type { EntryCompression } from './compression/compaction.js';
import { isTextLike } from './compression/text-like.js';
import { DictionaryRegistry } from './compression/dictionary-registry.js';
import { EntryCodec, type CompressedPayload, type Dictionary } from './compression/entry-codec.js';

/**
 * Starts the background checkpointer and turns off SQLite's checkpoints on the main thread;
 * where a worker thread cannot start, keeps SQLite's own (stalling, but working) checkpoints.
 */
function startCheckpointer(databasePath: string, connection: SqliteConnection, options: ResolvedStorageOptions): WalCheckpointer | undefined {
  try {
    // Writes waiting behind a checkpoint go on as soon as it ends, not when their backoff does.
    const checkpointer = WalCheckpointer.start(databasePath, options.logger, { onCheckpointed: () => { connection.lockMayBeFree(); } });
    connection.database.pragma('wal_autocheckpoint = 0');
    return checkpointer;
  } catch (error) {
    options.logger.warn('datacache: could not start the checkpoint worker; SQLite will checkpoint on the main thread', {
      error: String(error),
    });
    return undefined;
  }
}

/** Values up to this many bytes live in the database row; larger ones in a blob file. */
export const INLINE_LIMIT_BYTES = 16 * 1024;

const EMPTY = Buffer.alloc(0);
/** The most memory decoded hot entries take (a quarter of memoryCacheBytes when that is smaller). */
const DECODED_MEMORY_BYTES = 16 * 1024 * 1024;
/** The meta key counting the shared purges and deletions applied to this machine's tier. */
const INVALIDATION_GENERATION_KEY = 'shared.invalidations-applied';

/**
 * The SQLite storage engine: one database (`datacache.sqlite`) plus blob files in a cache
 * directory, safe to share between processes.
 *
 * @example
 * const storage = await DataStorage.open({ cacheDir: './cache' });
 * await storage.store({ url: 'https://example.org/a.json', identifier: 'daft punk', dataType: 'api',
 *                       provider: 'example', value: { hello: 'world' }, ttlSeconds: 3600 });
 * const entry = await storage.retrieveByUrl('https://example.org/a.json');
 * entry?.json(); // { hello: 'world' }
 * await storage.close();
 */
export class DataStorage implements CacheStorage {
  /** The cache directory, absolute. */
  readonly cacheDir: string;
  readonly databasePath: string;
  private readonly options: ResolvedStorageOptions;
  private readonly connection: SqliteConnection;
  private readonly statements: EntryStatements;
  private readonly internals: StorageInternals;
  private readonly accessRecorder: AccessRecorder;
  private readonly blobMemory: BlobMemoryCache;
  private readonly blobFolders: VerifiedFolders = new Set<string>();
  /** Blob files already checked against their checksum by this process (or written from bytes it hashed). */
  private readonly verifiedFiles = new VerifiedFiles();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;
  private closed: Promise<void> | undefined;
  private budgetEnforcement: Promise<EvictionResult> | undefined;
  private maintenanceRun: Promise<MaintenanceReport> | undefined;
  /** The pass callers of `runMaintenance` get when they asked while `maintenanceRun` was under way. */
  private maintenanceFollowUp: Promise<MaintenanceReport> | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private readonly checkpointer: WalCheckpointer | undefined;
  /** The shared tier, when the storage has one: consulted on a local miss, written after a store. */
  private link: SharedTierLink | undefined;
  /** How text payloads are compressed (with `compression: false` only reading: entries already compressed are still read). */
  private readonly compression: EntryCompression;
  /** Decoded payloads of compressed entries recently read, by checksum, so a hot entry is decoded once. */
  private readonly decodedMemory: BlobMemoryCache;

  private constructor(options: ResolvedStorageOptions, connection: SqliteConnection) {
    this.options = options;
    this.cacheDir = options.cacheDir;
    this.databasePath = join(options.cacheDir, DATABASE_FILE_NAME);
    this.connection = connection;
    this.statements = prepareEntryStatements(connection.database);
    const housekeeping: HousekeepingStatements = prepareHousekeepingStatements(connection.database);
    this.accessRecorder = new AccessRecorder(connection, this.statements, options.accessFlushIntervalMs, options.logger);
    this.checkpointer = startCheckpointer(this.databasePath, connection, options);
    this.blobMemory = new BlobMemoryCache(options.memoryCacheBytes);
    const compressionStatements = prepareCompressionStatements(connection.database);
    this.compression = {
      codec: new EntryCodec(),
      dictionaries: new DictionaryRegistry(connection, compressionStatements, options.clock),
      statements: compressionStatements,
    };
    this.decodedMemory = new BlobMemoryCache(Math.min(options.memoryCacheBytes / 4, DECODED_MEMORY_BYTES));
    this.internals = {
      options,
      databasePath: this.databasePath,
      connection,
      statements: this.statements,
      housekeeping,
      accessRecorder: this.accessRecorder,
      blobMemory: this.blobMemory,
      blobFolders: this.blobFolders,
      compression: this.compression,
      checkpoint: (mode) => (this.checkpointer ? this.checkpointer.checkpoint(mode) : Promise.resolve(connection.checkpointHere(mode))),
      isClosing: () => this.closing,
    };
  }

  /**
   * Opens the cache in `options.cacheDir` (created 0700 if needed), migrating an older database.
   * Refuses, with CacheDirectoryUnsafeError, a directory other users can tamper with or one
   * holding links where datacache keeps its files. When maintenance is due it starts in the
   * background; `idle()` waits for it.
   */
  static async open(options?: DataStorageOptions): Promise<DataStorage> {
    const resolved = resolveStorageOptions(options);
    await prepareCacheDirectory(resolved.cacheDir, resolved.logger);
    const connection = await openDatabase(resolved.cacheDir, {
      busyTimeoutMs: resolved.busyTimeoutMs,
      lockTimeoutMs: resolved.lockTimeoutMs,
      onCorruptDatabase: resolved.onCorruptDatabase,
      logger: resolved.logger,
      now: () => resolved.clock.now(),
    });
    const storage = new DataStorage(resolved, connection);
    if (resolved.shared !== null) await storage.connectShared(resolved.shared, resolved.sharedMaxSizeBytes);
    storage.scheduleMaintenance();
    return storage;
  }

  /**
   * Stores a value under `url`, replacing what was there, and resolves to the stored entry.
   * With a shared tier it is put there too (before this resolves), so every machine gets it.
   */
  async store(request: StoreRequest): Promise<CachedEntry> {
    this.assertOpen('store');
    const validated = validateStoreRequest(request);
    const entry = await this.track(this.storeValidated(validated));
    if (this.link !== undefined) await this.track(this.link.put(sharedPutOf(entry, validated.storedType, validated.ttlMilliseconds), this.link.tier.processId));
    return entry;
  }

  /** The entry for `url`, or null. An expired entry is a miss unless `allowStale` is set. */
  async retrieveByUrl(url: string, options?: RetrieveOptions): Promise<CachedEntry | null> {
    this.assertOpen('retrieveByUrl');
    validateUrl(url);
    const allowStale = validateRetrieveOptions(options);
    const row = await this.connection.read('retrieveByUrl', () => this.statements.selectByUrl.get(url));
    // A fresh local hit never leaves the machine; a miss or an expired copy asks the shared tier.
    if (this.link === undefined || (row !== undefined && row.expiresAt > this.options.clock.now())) {
      return row === undefined ? null : this.answerOrShared(row, allowStale, true);
    }
    const generation = await this.invalidationGeneration();
    const shared = await this.link.lookup(url);
    if (shared !== null && (row === undefined || shared.expiresAt > row.expiresAt)) return this.adopt(shared, allowStale, generation);
    return row === undefined ? null : this.answer(row, allowStale, true);
  }

  /**
   * What is cached for `url` without reading its data or counting a read: a negative entry
   * (404 remembered) included. Null when nothing is, or when it expired (unless `allowStale`).
   */
  async retrieveSummaryByUrl(url: string, options?: RetrieveOptions): Promise<CachedEntrySummary | null> {
    this.assertOpen('retrieveSummaryByUrl');
    validateUrl(url);
    const allowStale = validateRetrieveOptions(options);
    const local = await this.connection.read('retrieveSummaryByUrl', () => this.statements.selectSummaryByUrl.get(url));
    const row = local ?? (this.link === undefined ? undefined : ((await this.link.lookup(url)) ?? undefined));
    if (row === undefined) return null;
    const stale = row.expiresAt <= this.options.clock.now();
    return stale && !allowStale ? null : new CachedEntrySummary(row, stale);
  }

  /** The entry with this cachekey, or null. */
  async retrieveByCachekey(cachekey: string, options?: RetrieveOptions): Promise<CachedEntry | null> {
    this.assertOpen('retrieveByCachekey');
    validateUrl(cachekey);
    const allowStale = validateRetrieveOptions(options);
    const row = await this.connection.read('retrieveByCachekey', () => this.statements.selectByCachekey.get(cachekey));
    if (row === undefined && this.link !== undefined) {
      const generation = await this.invalidationGeneration();
      const shared = await this.link.lookupByCachekey(cachekey);
      return shared === null ? null : this.adopt(shared, allowStale, generation);
    }
    return row === undefined ? null : this.answerOrShared(row, allowStale, true);
  }

  /** The live status-200 entries for an identifier and data type, newest first, without their data. */
  async retrieveByIdentifier(query: IdentifierQuery): Promise<CachedEntrySummary[]> {
    this.assertOpen('retrieveByIdentifier');
    const rows = await this.liveRowsOf('retrieveByIdentifier', query, this.statements.summaries, this.statements.summariesOfProvider);
    const local = rows.map((row) => new CachedEntrySummary(row, false));
    if (this.link === undefined) return local;
    const known = new Set(local.map((summary) => summary.url));
    const { identifier, dataType, provider } = validateIdentifierQuery(query);
    const shared = (await this.link.live(identifier, dataType, provider)).filter((row) => !known.has(row.url)).map((row) => new CachedEntrySummary(row, false));
    return [...local, ...shared].sort((a, b) => b.storedAt - a.storedAt);
  }

  /**
   * One live status-200 entry for the identifier and data type, chosen uniformly at random,
   * with its data. If the chosen entry's file is broken, another is tried.
   */
  async retrieveRandom(query: IdentifierQuery): Promise<CachedEntry | null> {
    this.assertOpen('retrieveRandom');
    if (this.link !== undefined) return this.retrieveRandomOfBothTiers(query);
    const candidates = await this.liveRowsOf('retrieveRandom', query, this.statements.candidateIds, this.statements.candidateIdsOfProvider);
    while (candidates.length > 0) {
      const index = Math.floor(Math.random() * candidates.length);
      const id = candidates[index]!;
      candidates[index] = candidates[candidates.length - 1]!;
      candidates.pop();
      const row = await this.connection.read('retrieveRandom', () => this.statements.selectById.get(id));
      if (row === undefined) continue; // deleted since we listed it
      const entry = await this.answer(row, false, false);
      if (entry !== null) return entry;
    }
    return null;
  }

  /**
   * Marks the entry for `url` fresh again for `ttlSeconds` without touching its data, as a 304
   * Not Modified allows. Resolves to the renewed entry, or null when there is none.
   */
  async renew(url: string, renewal: Renewal): Promise<CachedEntry | null> {
    this.assertOpen('renew');
    validateUrl(url);
    const ttlSeconds = requireFiniteNumber('ttlSeconds', (renewal as Partial<Renewal> | undefined)?.ttlSeconds, { min: 0 });
    const etag = optionalString('etag', renewal.etag, 1024) ?? null;
    const lastModified = optionalString('lastModified', renewal.lastModified, 1024) ?? null;
    const now = this.options.clock.now();
    const row = await this.connection.write('renew', () =>
      this.statements.renew.get({ url, expiresAt: now + Math.round(ttlSeconds * 1000), now, etag, lastModified }),
    );
    await this.link?.renew(url, Math.round(ttlSeconds * 1000), etag, lastModified);
    return row === undefined ? null : this.answer(row, false, true);
  }

  /** Removes the entry for `url`; resolves to whether there was one. */
  async delete(url: string): Promise<boolean> {
    this.assertOpen('delete');
    validateUrl(url);
    const deleted = (await this.track(this.deleteLocally(url))) > 0;
    // Every machine forgets it too, the shared tier included.
    await this.link?.invalidate({ url });
    return deleted;
  }

  /**
   * Removes every entry matching the filter and resolves to how many were removed.
   * @example await storage.purge({ provider: 'musicbrainz' })
   */
  async purge(filter: PurgeFilter): Promise<number> {
    this.assertOpen('purge');
    const validated = validatePurgeFilter(filter);
    const removed = await this.track(purgeEntries(this.internals, validated));
    // Honoured by every machine within seconds: they apply the same filter to their own tier.
    await this.link?.invalidate(validated);
    return removed;
  }

  /**
   * The identifiers with live entries (the cached artists, for image types), each with its
   * entries and bytes by data type; for browsing what the cache holds.
   *
   * @example await storage.listIdentifiers({ search: 'daft', dataTypes: ['fanart', 'logo'] })
   * // [{ identifier: 'daft punk', dataType: 'fanart', entries: 20, bytes: 4_812_331, lastStoredAt: … }, …]
   */
  async listIdentifiers(query: IdentifierListQuery = {}): Promise<IdentifierListing[]> {
    this.assertOpen('listIdentifiers');
    const validated = validateIdentifierListQuery(query);
    const local = await listIdentifiers(this.internals, validated);
    if (this.link === undefined) return local;
    return mergeListings(local, await this.link.identifiers(validated.search ?? '', validated.dataTypes ?? null, validated.limit), validated.limit);
  }

  /**
   * The live entries read often and recently that expire within `withinMs`, the most read
   * first: what a worker refreshes ahead of expiry (client/refresh-ahead.ts). This machine's
   * tier only: its own reads are what make an entry hot here.
   *
   * @example await storage.refreshCandidates({ withinMs: 6 * 3_600_000, minReads: 3, readWithinMs: 7 * 86_400_000, limit: 100 })
   */
  async refreshCandidates(query: RefreshCandidateQuery): Promise<RefreshCandidate[]> {
    this.assertOpen('refreshCandidates');
    const input = requireOptionsObject('refreshCandidates query', query);
    const checked: RefreshCandidateQuery = {
      withinMs: requireFiniteNumber('withinMs', input.withinMs, { min: 0 }),
      minReads: requireFiniteNumber('minReads', input.minReads, { min: 0, integer: true }),
      readWithinMs: requireFiniteNumber('readWithinMs', input.readWithinMs, { min: 0 }),
      limit: requireFiniteNumber('limit', input.limit, { min: 1, max: 10_000, integer: true }),
    };
    return refreshCandidates(this.internals, this.refreshStatements(), checked);
  }

  /**
   * Takes up to `wanted` refreshes from the provider's budget for today (UTC), out of
   * `dailyLimit`, shared by every process of this machine; resolves to how many it got.
   */
  async takeRefreshBudget(provider: string, wanted: number, dailyLimit: number): Promise<number> {
    this.assertOpen('takeRefreshBudget');
    requireName('provider', provider);
    requireFiniteNumber('wanted', wanted, { min: 0, integer: true });
    requireFiniteNumber('dailyLimit', dailyLimit, { min: 0, integer: true });
    return takeRefreshBudget(this.internals, this.refreshStatements(), provider, wanted, dailyLimit);
  }

  private refreshStatementsPrepared: RefreshStatements | undefined;

  private refreshStatements(): RefreshStatements {
    this.refreshStatementsPrepared ??= prepareRefreshStatements(this.connection.database);
    return this.refreshStatementsPrepared;
  }

  /** Entries and bytes, by provider and data type, expired entries and the budget. */
  async stats(): Promise<StorageStats> {
    this.assertOpen('stats');
    const stats = await collectStats(this.internals);
    return this.link === undefined ? stats : { ...stats, shared: await this.link.stats() };
  }

  /**
   * Runs maintenance now: removes long-expired entries, repairs orphans in both directions,
   * enforces the budget, vacuums free pages and checkpoints the WAL. Resolves with the report
   * of a pass that started after this call, so it has seen everything the caller did before
   * asking: if a pass of this instance is already running (one started in the background, or
   * for an earlier caller), it is waited for and a new one runs after it, shared by every
   * caller who asked in the meantime. A pass asked for when `close()` comes does not start, and
   * resolves with an empty report marked `completed: false`.
   */
  async runMaintenance(): Promise<MaintenanceReport> {
    this.assertOpen('runMaintenance');
    const running = this.maintenanceRun;
    if (running === undefined) return this.startMaintenance();
    this.maintenanceFollowUp ??= this.track(
      running
        .catch(() => undefined) // that pass's failure was its callers'; this one runs anyway
        .then(() => {
          this.maintenanceFollowUp = undefined;
          return this.closing ? emptyMaintenanceReport() : this.startMaintenance();
        }),
    );
    return this.maintenanceFollowUp;
  }

  /**
   * The database connection, for datacache's own layers (rate limits, the queue) that keep
   * their tables in the same file: one connection per process, one lock protocol.
   * @internal
   */
  sharedConnection(): SqliteConnection {
    this.assertOpen('sharedConnection');
    return this.connection;
  }

  /** Resolves when background work started by this instance (maintenance, eviction, read recording) is done. */
  async idle(): Promise<void> {
    while (this.maintenanceRun || this.budgetEnforcement || this.inFlight.size > 0) {
      await Promise.allSettled([this.maintenanceRun, this.budgetEnforcement, ...this.inFlight]);
    }
    await this.accessRecorder.flush();
  }

  /** Finishes pending writes, stops background work and closes the database. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearInterval(this.maintenanceTimer);
      await Promise.allSettled([this.maintenanceRun, this.budgetEnforcement, ...this.inFlight]);
      await this.accessRecorder.flush();
      await this.link?.close();
      this.connection.close();
      // Closed last, the worker's connection does the final checkpoint, off the main thread.
      await this.checkpointer?.close();
    })();
    return this.closed;
  }

  /**
   * Stores an entry; `stillWanted`, when given, is asked inside the write transaction, and
   * false there stores nothing (resolving to null).
   */
  private async storeValidated(request: ValidatedStore): Promise<CachedEntry>;
  private async storeValidated(request: ValidatedStore, stillWanted: () => boolean): Promise<CachedEntry | null>;
  private async storeValidated(request: ValidatedStore, stillWanted?: () => boolean): Promise<CachedEntry | null> {
    const checksum = request.checksum ?? (await sha256Hex(request.data));
    let compressed = await this.compressForStore(request);
    let inline = compressed !== null || request.data.length <= INLINE_LIMIT_BYTES;
    // Re-storing identical content (a cover re-stored on every play) reuses the existing file.
    let filePath = inline ? null : await this.reusableFile(request.url, checksum);
    let wroteFile = false;
    for (;;) {
      if (!inline && filePath === null) {
        // A checksum hashed here vouches for the file; one a caller passed is checked at the first read.
        filePath = await writeBlob(this.cacheDir, request.data, checksum, this.blobFolders, request.checksum === undefined ? this.verifiedFiles : undefined);
        wroteFile = true;
      }
      const now = this.options.clock.now();
      const chosenFile = filePath;
      let outcome: { row: EntryRow; previousFile: string | null; totalBytes: number } | 'file changed' | 'not wanted' | 'dictionary gone';
      const payload = compressed;
      try {
        outcome = await this.connection.write('store', () => {
          if (stillWanted !== undefined && !stillWanted()) return 'not wanted';
          const previousFile = this.statements.selectFileOfUrl.get(request.url)?.filePath ?? null;
          // The file we meant to reuse was replaced by another process meanwhile: write our own.
          if (!wroteFile && chosenFile !== null && previousFile !== chosenFile) return 'file changed';
          // Maintenance in another process dropped the dictionary: an entry must never name a missing one.
          if (payload?.dictionaryId != null && this.compression.statements.dictionaryExists.get(payload.dictionaryId) === undefined) return 'dictionary gone';
          const row = this.statements.upsert.get({
            url: request.url,
            cachekey: request.cachekey ?? randomUUID(),
            identifier: request.identifier,
            dataType: request.dataType,
            provider: request.provider,
            statusCode: request.statusCode,
            storedType: request.storedType,
            inlineData: payload !== null ? payload.data : inline ? request.data : null,
            filePath: chosenFile,
            size: payload !== null ? payload.data.length : request.data.length,
            valueSize: payload !== null ? request.data.length : null,
            codec: payload?.codec ?? null,
            dictionaryId: payload?.dictionaryId ?? null,
            checksum,
            mimeType: request.mimeType,
            metadata: request.metadata,
            etag: request.etag,
            lastModified: request.lastModified,
            now,
            expiresAt: request.expiresAt ?? now + request.ttlMilliseconds,
          })!;
          return { row, previousFile, totalBytes: this.statements.totals.get()!.bytes };
        });
      } catch (error) {
        // Our file is uniquely named and no committed row names it: safe to delete.
        if (wroteFile && filePath !== null) await removeBlobs(this.cacheDir, [filePath], this.options.logger, this.blobFolders);
        throw error;
      }
      if (outcome === 'file changed') {
        filePath = null;
        continue;
      }
      if (outcome === 'dictionary gone') {
        compressed = this.compressWith(request, null);
        inline = compressed !== null || request.data.length <= INLINE_LIMIT_BYTES;
        continue;
      }
      if (outcome === 'not wanted') {
        if (wroteFile && filePath !== null) await removeBlobs(this.cacheDir, [filePath], this.options.logger, this.blobFolders);
        return null;
      }
      if (outcome.previousFile !== null && outcome.previousFile !== filePath) {
        this.blobMemory.delete(outcome.previousFile);
        await removeBlobs(this.cacheDir, [outcome.previousFile], this.options.logger, this.blobFolders);
      }
      if (outcome.totalBytes > this.options.maxSizeBytes) {
        // The entry is committed: a failure to evict is reported, not thrown at this caller.
        await this.enforceBudget().catch((error: unknown) => {
          this.options.logger.warn('datacache: could not bring the cache under its byte budget; the next store or maintenance will retry', {
            error: String(error),
          });
        });
      }
      return new CachedEntry(outcome.row, request.data, outcome.row.expiresAt <= now);
    }
  }

  /**
   * The payload as it will be stored when compressing pays: text-like content (JSON, text,
   * XML), with the newest dictionary of its provider and data type, small enough to live in
   * the row afterwards. Null: store it as it is.
   */
  private async compressForStore(request: ValidatedStore): Promise<(CompressedPayload & { dictionaryId: number | null }) | null> {
    if (!this.compresses(request)) return null;
    const refresh = this.compression.dictionaries.refreshIfDue();
    if (refresh !== undefined) await refresh;
    return this.compressWith(request, this.compression.dictionaries.newestFor(request.provider, request.dataType));
  }

  /** Whether a store's payload is one compression applies to. */
  private compresses(request: ValidatedStore): boolean {
    return this.options.compression && request.statusCode === 200 && isTextLike(request.storedType, request.mimeType);
  }

  private compressWith(request: ValidatedStore, dictionary: Dictionary | null): (CompressedPayload & { dictionaryId: number | null }) | null {
    if (!this.compresses(request)) return null;
    const compressed = this.compression.codec.compress(request.data, dictionary);
    if (compressed === null || compressed.data.length > INLINE_LIMIT_BYTES) return null;
    return { ...compressed, dictionaryId: dictionary?.id ?? null };
  }

  /**
   * The decoded payload of a compressed inline row, from memory when it was decoded lately;
   * 'unreadable' when this process lacks its codec, 'corrupt' when it does not decode.
   */
  private async decodeRow(row: EntryRow, codec: string, inlineData: Buffer): Promise<Buffer | 'unreadable' | 'corrupt'> {
    const remembered = this.decodedMemory.get(row.checksum);
    if (remembered !== undefined && remembered.length === row.size) return remembered;
    const dictionary = row.dictionaryId === null ? null : await this.compression.dictionaries.byId(row.dictionaryId);
    if (row.dictionaryId !== null && dictionary === null) return 'corrupt';
    const decoded = this.compression.codec.decompress(codec, inlineData, dictionary, row.size);
    if (typeof decoded !== 'string') this.decodedMemory.set(row.checksum, decoded);
    return decoded;
  }

  /** Connects the shared tier (it never fails the open: an unreachable server is reported and tried again) and starts applying other machines' purges here. */
  private async connectShared(shared: ResolvedShared, maxSizeBytes: number): Promise<void> {
    const tier = await PostgresTier.connect(shared, { logger: this.options.logger, cacheDir: this.cacheDir });
    this.link = new SharedTierLink(tier, maxSizeBytes, this.options.logger, this.options.clock);
    await this.link.measureClock();
    const key = `shared.invalidations:${shared.server}/${shared.schema}`;
    await this.link.startSync(
      (filter) => this.applyInvalidation(filter),
      {
        read: async () => {
          const value = await this.connection.read('reading the shared tier cursor', () => this.internals.housekeeping.readMeta.get(key));
          return value === undefined ? undefined : Number(value);
        },
        write: (seq) => this.connection.write('saving the shared tier cursor', () => { this.internals.housekeeping.writeMeta.run(key, String(seq)); }),
      },
      {
        add: (url) => this.connection.write('remembering a write-back', () => { this.writeBackStatements().add.run(url, this.options.clock.now()); }),
        next: async (limit) => await this.connection.read('reading write-backs', () => this.writeBackStatements().next.all(limit)),
        remove: (url) => this.connection.write('forgetting a write-back', () => { this.writeBackStatements().remove.run(url); }),
        entryOf: (url) => this.sharedPutFromLocal(url),
      },
    );
  }

  /**
   * The shared tier, for the layers that coordinate through it (the queue, rate limits,
   * analytics, wake-ups), or null when the storage has none.
   */
  sharedTier(): PostgresTier | null {
    this.assertOpen('sharedTier');
    return this.link?.tier ?? null;
  }

  /**
   * Answers with an entry another machine fetched (same cache key, same expiry), and copies it
   * into this machine's tier in the background, so the next read is a local hit: the caller
   * waits for the shared tier's answer only, not for this machine's disk. The copy is not kept
   * if a purge or deletion was applied here since `generation` was read (before the lookup):
   * the entry may be one it removed.
   */
  private adopt(shared: SharedEntry, allowStale: boolean, generation: number): CachedEntry | null {
    const now = this.options.clock.now();
    const stale = shared.expiresAt <= now;
    // After this turn of the event loop: SQLite's write runs synchronously, and the caller is not to wait for it.
    void this.track(
      yieldToEventLoop().then(() => this.storeValidated({
        url: shared.url,
        identifier: shared.identifier,
        dataType: shared.dataType,
        provider: shared.provider,
        ttlMilliseconds: Math.max(0, shared.expiresAt - now),
        metadata: shared.metadataText,
        statusCode: shared.statusCode,
        mimeType: shared.mimeType,
        etag: shared.etag,
        lastModified: shared.lastModified,
        data: shared.data,
        storedType: shared.storedType,
        checksum: shared.checksum,
        cachekey: shared.cachekey,
        expiresAt: shared.expiresAt,
      }, () => this.readInvalidationGeneration() === generation)),
    ).catch((error: unknown) => {
      // This machine's database cannot take it now: the shared tier still has it.
      if (!isDatabaseFault(error)) this.options.logger.warn('datacache: could not keep a copy of a shared entry here', { url: shared.url, error: String(error) });
    });
    return stale && !allowStale ? null : new CachedEntry(shared, shared.data, stale);
  }

  /** retrieveRandom over both tiers: uniformly among this machine's live images and those only the shared tier has. */
  private async retrieveRandomOfBothTiers(query: IdentifierQuery): Promise<CachedEntry | null> {
    const { identifier, dataType, provider } = validateIdentifierQuery(query);
    const generation = await this.invalidationGeneration();
    const local = await this.liveRowsOf('retrieveRandom', query, this.statements.summaries, this.statements.summariesOfProvider);
    const known = new Set(local.map((row) => row.url));
    const shared = (await this.link!.live(identifier, dataType, provider)).filter((row) => !known.has(row.url));
    const candidates: ({ url: string } | { sharedId: number })[] = [...local.map((row) => ({ url: row.url })), ...shared.map((row) => ({ sharedId: row.id }))];
    while (candidates.length > 0) {
      const index = Math.floor(Math.random() * candidates.length);
      const candidate = candidates[index]!;
      candidates[index] = candidates[candidates.length - 1]!;
      candidates.pop();
      if ('url' in candidate) {
        const row = await this.connection.read('retrieveRandom', () => this.statements.selectByUrl.get(candidate.url));
        const entry = row === undefined ? null : await this.answerOrShared(row, false, false);
        if (entry !== null) return entry;
      } else {
        const found = await this.link!.lookupById(candidate.sharedId);
        const entry = found === null ? null : this.adopt(found, false, generation);
        if (entry !== null && entry.statusCode === 200) return entry;
      }
    }
    return null;
  }

  private deleteLocally(url: string): Promise<number> {
    return deleteChosenEntries(this.internals, 'delete', () => {
      const row = this.internals.housekeeping.idOfUrl.get(url);
      return row === undefined ? [] : [row];
    }).then((rows) => rows.length);
  }

  /**
   * A purge or deletion recorded on the shared tier (by any machine, this one included),
   * applied to this machine's tier. The generation goes up first, so that a copy of a shared
   * entry looked up before the purge is not kept here after it (see adopt).
   */
  private async applyInvalidation(filter: InvalidationFilter): Promise<void> {
    if (this.closing) return;
    await this.connection.write('counting a shared purge', () => {
      this.internals.housekeeping.writeMeta.run(INVALIDATION_GENERATION_KEY, String(this.readInvalidationGeneration() + 1));
    });
    if (filter.url !== undefined) await this.track(this.deleteLocally(filter.url));
    else await this.track(purgeEntries(this.internals, filter));
  }

  /** How many shared purges and deletions this machine has applied (every process's count, in its database). */
  private async invalidationGeneration(): Promise<number> {
    return await this.connection.read('reading the shared purge count', () => this.readInvalidationGeneration());
  }

  private readInvalidationGeneration(): number {
    return Number(this.internals.housekeeping.readMeta.get(INVALIDATION_GENERATION_KEY) ?? 0);
  }

  private writeBackSql: { add: Statement<[string, number]>; next: Statement<[number], string>; remove: Statement<[string]> } | undefined;

  private writeBackStatements(): { add: Statement<[string, number]>; next: Statement<[number], string>; remove: Statement<[string]> } {
    const database = this.connection.database;
    this.writeBackSql ??= {
      add: database.prepare<[string, number]>('INSERT INTO shared_write_backs (url, added_at) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET added_at = excluded.added_at'),
      next: database.prepare<[number], string>('SELECT url FROM shared_write_backs ORDER BY added_at LIMIT ?').pluck(),
      remove: database.prepare<[string]>('DELETE FROM shared_write_backs WHERE url = ?'),
    };
    return this.writeBackSql;
  }

  /** What to write back to the shared tier for an entry stored here while it was away (null when it is gone or broken). */
  private async sharedPutFromLocal(url: string): Promise<SharedPut | null> {
    const row = await this.connection.read('writing back to the shared tier', () => this.statements.selectByUrl.get(url));
    if (row === undefined) return null;
    const entry = await this.answer(row, true, false);
    if (entry === null) return null;
    return sharedPutOf(entry, row.storedType, Math.max(0, row.expiresAt - this.options.clock.now()));
  }

  private async reusableFile(url: string, checksum: string): Promise<string | null> {
    const current = await this.connection.read('store', () => this.statements.selectFileOfUrl.get(url));
    return current !== undefined && current.checksum === checksum ? current.filePath : null;
  }

  /**
   * `answer`, and when this machine's file of a live row turned out broken (its row is then
   * gone), the shared tier's copy: its bytes were checked when they were stored there.
   */
  private async answerOrShared(row: EntryRow, allowStale: boolean, lookAgainOnBrokenFile: boolean): Promise<CachedEntry | null> {
    const answered = await this.answer(row, allowStale, lookAgainOnBrokenFile);
    const link = this.link;
    if (answered !== null || link === undefined || this.closing) return answered;
    if (!allowStale && row.expiresAt <= this.options.clock.now()) return null;
    const generation = await this.invalidationGeneration();
    const shared = await link.lookup(row.url);
    return shared === null ? null : this.adopt(shared, allowStale, generation);
  }

  /**
   * Turns a row into an answer: a miss when expired (unless stale answers are allowed), the
   * inline data, or the verified file. A missing or corrupt file removes its row; when the
   * read was by URL or key, the row is looked up once more, in case another process had just
   * re-stored it with a new file.
   */
  private async answer(row: EntryRow, allowStale: boolean, lookAgainOnBrokenFile: boolean): Promise<CachedEntry | null> {
    const now = this.options.clock.now();
    const stale = row.expiresAt <= now;
    if (stale && !allowStale) return null;
    if (row.filePath === null && row.codec !== null && row.inlineData !== null) {
      const decoded = await this.decodeRow(row, row.codec, row.inlineData);
      if (decoded === 'unreadable') return null;
      if (decoded === 'corrupt') {
        if (this.closing) return null;
        const deleted = await this.connection.write('removing an entry that does not decode', () => this.statements.deleteIfUnchanged.get(row.id, row.storedAt, row.checksum));
        if (deleted !== undefined) this.options.logger.warn('datacache: a compressed entry did not decode; the entry was removed', { url: row.url });
        return null;
      }
      this.accessRecorder.record(row.url, now);
      return new CachedEntry(row, decoded, stale);
    }
    if (row.filePath === null) {
      this.accessRecorder.record(row.url, now);
      return new CachedEntry(row, row.inlineData ?? EMPTY, stale);
    }
    const remembered = this.blobMemory.get(row.filePath);
    if (remembered !== undefined) {
      this.accessRecorder.record(row.url, now);
      return new CachedEntry(row, remembered, stale);
    }
    const result = await readBlob(this.cacheDir, row.filePath, row.size, row.checksum, this.blobFolders, this.verifiedFiles);
    if ('data' in result) {
      this.accessRecorder.record(row.url, now);
      this.blobMemory.set(row.filePath, result.data);
      return new CachedEntry(row, result.data, stale);
    }
    if (this.closing) return null;
    const filePath = row.filePath;
    const deleted = await this.connection.write('removing an entry whose file is broken', () =>
      this.statements.deleteIfFileUnchanged.get(row.id, filePath),
    );
    if (deleted !== undefined) {
      this.options.logger.warn(`datacache: a cached file was ${result.problem}; the entry was removed`, {
        url: row.url,
        filePath,
      });
      if (result.problem === 'corrupt') await removeBlobs(this.cacheDir, [filePath], this.options.logger, this.blobFolders);
      return null;
    }
    if (!lookAgainOnBrokenFile) return null;
    const current = await this.connection.read('retrieveByUrl', () => this.statements.selectByUrl.get(row.url));
    return current === undefined || current.filePath === filePath ? null : this.answer(current, allowStale, false);
  }

  /** Runs the with- or without-provider form of an identifier query over live status-200 rows. */
  private liveRowsOf<Row>(
    operation: string,
    query: IdentifierQuery,
    anyProvider: Statement<[string, string, number], Row>,
    oneProvider: Statement<[string, string, string, number], Row>,
  ): Row[] | Promise<Row[]> {
    const { identifier, dataType, provider } = validateIdentifierQuery(query);
    const now = this.options.clock.now();
    return this.connection.read(operation, () =>
      provider === undefined ? anyProvider.all(identifier, dataType, now) : oneProvider.all(identifier, dataType, provider, now),
    );
  }

  /** Evicts down to the low-water mark; concurrent callers in this process share one run. */
  private enforceBudget(): Promise<EvictionResult> {
    this.budgetEnforcement ??= evictToLowWaterMark(this.internals).finally(() => (this.budgetEnforcement = undefined));
    return this.budgetEnforcement;
  }

  private startMaintenance(): Promise<MaintenanceReport> {
    this.maintenanceRun ??= runMaintenancePass(this.internals)
      .then(async (report) => {
        // The shared tier's long-expired entries and budget: whichever machine's pass comes.
        if (this.link === undefined || !report.completed) return report;
        return { ...report, shared: await this.link.maintain(this.options.staleRetentionSeconds * 1000) };
      })
      .finally(() => (this.maintenanceRun = undefined));
    return this.maintenanceRun;
  }

  /** Runs maintenance now if it is due, and checks again every interval while the storage is open. */
  private scheduleMaintenance(): void {
    const intervalSeconds = this.options.maintenanceIntervalSeconds;
    if (intervalSeconds === 0) return;
    const runIfDue = (): void => {
      if (this.closing || this.maintenanceRun) return;
      void this.track(
        claimScheduledMaintenance(this.internals)
          .then((claimed) => (claimed && !this.closing ? this.startMaintenance() : undefined))
          .catch((error: unknown) => {
            this.options.logger.warn('datacache: background maintenance failed; it will be tried again', {
              error: String(error),
            });
          }),
      );
    };
    runIfDue();
    this.maintenanceTimer = setInterval(runIfDue, Math.min(intervalSeconds * 1000, MAX_TIMER_DELAY_MS)).unref();
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    void operation.then(
      () => this.inFlight.delete(operation),
      () => this.inFlight.delete(operation),
    );
    return operation;
  }

  private assertOpen(operation: string): void {
    if (this.closing) throw new StorageClosedError(operation);
  }
}

/** The shared tier's copy of an entry just stored here. */
function sharedPutOf(entry: CachedEntry, storedType: StoredValueType, ttlMs: number): SharedPut {
  return {
    url: entry.url,
    cachekey: entry.cachekey,
    identifier: entry.identifier,
    dataType: entry.dataType,
    provider: entry.provider,
    statusCode: entry.statusCode,
    storedType,
    data: entry.data,
    checksum: entry.checksum,
    mimeType: entry.mimeType,
    metadataText: JSON.stringify(entry.metadata) === '{}' ? null : JSON.stringify(entry.metadata),
    etag: entry.etag,
    lastModified: entry.lastModified,
    ttlMs,
  };
}

/** Both tiers' identifier listings as one: where both have an identifier and data type, the tier with more of its entries. */
function mergeListings(local: IdentifierListing[], shared: IdentifierListing[], limit: number): IdentifierListing[] {
  const merged = new Map<string, IdentifierListing>();
  for (const row of [...shared, ...local]) {
    const key = `${row.identifier}\u0000${row.dataType}`;
    const other = merged.get(key);
    if (other === undefined || row.entries > other.entries) merged.set(key, row);
  }
  return [...merged.values()].sort((a, b) => a.identifier.localeCompare(b.identifier) || a.dataType.localeCompare(b.dataType)).slice(0, limit);
}
