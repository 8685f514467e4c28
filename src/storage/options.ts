import { resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { InvalidArgumentError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { describeValue, optionalBoolean, optionalFiniteNumber, requireOptionsObject, requireString } from '../validation.js';
import { resolveSharedOption, type ResolvedShared, type SharedOption } from '../backends/postgres/connection-options.js';
import { defaultCacheDirectory } from './cache-directory.js';

export interface DataStorageOptions {
  /** Where the database and blob files live. Default: `$DATACACHE_DIR`, else the OS user cache folder + `datacache`. */
  cacheDir?: string;
  /** Byte budget for stored payloads, enforced as entries are stored. Default 2 GiB. */
  maxSizeBytes?: number;
  /** When over budget, evict down to this fraction of it, so eviction does not run on every store. Default 0.9. */
  lowWaterMarkRatio?: number;
  /**
   * How long an expired entry is kept for `allowStale` readers (a stale answer beats none while
   * a provider is down) before maintenance deletes it. Expired entries are still the first to
   * go when the budget needs room. Default 7 days; 0 deletes them at the next maintenance.
   */
  staleRetentionSeconds?: number;
  /** Maintenance runs on open and then in the background when the last run (by any process) is older than this. Default 3600; 0 turns automatic runs off. */
  maintenanceIntervalSeconds?: number;
  /** Blob files younger than this are never swept as orphans: they may belong to a store in progress. Default 900. */
  orphanGraceSeconds?: number;
  /** Reads are recorded (for LRU eviction) in batches at most this often. Default 1000 ms. */
  accessFlushIntervalMs?: number;
  /**
   * How long SQLite may block the event loop waiting for a lock before we wait asynchronously
   * instead. Default 1 ms: SQLite's busy handler sleeps on the calling thread, so every retry
   * would cost the event loop this much while a checkpoint holds the lock.
   */
  busyTimeoutMs?: number;
  /** How long an operation keeps waiting for another process's lock before failing with DatabaseBusyError. Default 30 000 ms. */
  lockTimeoutMs?: number;
  /** What to do when the database file is not SQLite or is corrupt: throw (default), or move it aside and start empty. */
  onCorruptDatabase?: 'error' | 'reset';
  /**
   * Bytes of recently read blob files kept in memory, verified, for repeated hits (an overlay
   * rotating the same images). Default 64 MiB; 0 turns it off. A file over 1/8 of this is
   * never kept.
   */
  memoryCacheBytes?: number;
  /**
   * Compress text payloads (JSON, text, XML answers; never images) with zstd and dictionaries
   * trained on the cache's own entries. Reads always return exactly the stored bytes. Default
   * true; false stores new entries as they are (entries already compressed are still read).
   */
  compression?: boolean;
  /**
   * The shared tier: a `postgres://` URL (or a node-postgres pool config) of a PostgreSQL
   * server every machine of a station uses. This directory stays the fast local tier; entries
   * fetched by any machine are served by all. Without it nothing changes.
   */
  shared?: SharedOption;
  /** The shared tier's byte budget. Default: unlimited (the server's disk is the DBA's). */
  sharedMaxSizeBytes?: number;
  /** Source of time; tests pass a ManualClock. */
  clock?: Clock;
  logger?: Logger;
}

export type ResolvedStorageOptions = Required<Omit<DataStorageOptions, 'shared' | 'sharedMaxSizeBytes'>> & {
  shared: ResolvedShared | null;
  sharedMaxSizeBytes: number;
};

const GIBIBYTE = 1024 ** 3;

/** Checks every option and fills in the defaults. */
export function resolveStorageOptions(input: unknown): ResolvedStorageOptions {
  const options = requireOptionsObject('DataStorage options', input);
  const cacheDir = options.cacheDir === undefined ? defaultCacheDirectory() : resolve(requireString('cacheDir', options.cacheDir));
  const onCorruptDatabase = options.onCorruptDatabase ?? 'error';
  if (onCorruptDatabase !== 'error' && onCorruptDatabase !== 'reset') {
    throw new InvalidArgumentError(`onCorruptDatabase must be 'error' or 'reset', got ${describeValue(onCorruptDatabase)}.`);
  }
  const clock = (options.clock ?? systemClock) as Clock;
  if (typeof clock.now !== 'function') throw new InvalidArgumentError('clock must be an object with a now() method.');
  const logger = (options.logger ?? silentLogger) as Logger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function') {
      throw new InvalidArgumentError(`logger must have debug, info, warn and error methods; ${level} is missing.`);
    }
  }
  return {
    cacheDir,
    maxSizeBytes: optionalFiniteNumber('maxSizeBytes', options.maxSizeBytes, 2 * GIBIBYTE, { min: 1 }),
    lowWaterMarkRatio: optionalFiniteNumber('lowWaterMarkRatio', options.lowWaterMarkRatio, 0.9, { min: 0.1, max: 1 }),
    staleRetentionSeconds: optionalFiniteNumber('staleRetentionSeconds', options.staleRetentionSeconds, 7 * 86_400, { min: 0 }),
    maintenanceIntervalSeconds: optionalFiniteNumber('maintenanceIntervalSeconds', options.maintenanceIntervalSeconds, 3600, { min: 0 }),
    orphanGraceSeconds: optionalFiniteNumber('orphanGraceSeconds', options.orphanGraceSeconds, 900, { min: 0 }),
    accessFlushIntervalMs: optionalFiniteNumber('accessFlushIntervalMs', options.accessFlushIntervalMs, 1000, { min: 1 }),
    busyTimeoutMs: optionalFiniteNumber('busyTimeoutMs', options.busyTimeoutMs, 1, { min: 0, max: 1000, integer: true }),
    lockTimeoutMs: optionalFiniteNumber('lockTimeoutMs', options.lockTimeoutMs, 30_000, { min: 0 }),
    memoryCacheBytes: optionalFiniteNumber('memoryCacheBytes', options.memoryCacheBytes, 64 * 1024 * 1024, { min: 0 }),
    onCorruptDatabase,
    compression: optionalBoolean('compression', options.compression, true),
    shared: options.shared === undefined ? null : resolveSharedOption('shared', options.shared),
    sharedMaxSizeBytes: options.sharedMaxSizeBytes === undefined ? Infinity : optionalFiniteNumber('sharedMaxSizeBytes', options.sharedMaxSizeBytes, Infinity, { min: 1 }),
    clock,
    logger,
  };
}
