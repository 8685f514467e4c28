import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { SqliteAnalyticsStore } from '../backends/sqlite/analytics-store.js';
import { SqliteConnection } from '../backends/sqlite/connection.js';
import type { AnalyticsStore, LatencyCount } from './analytics-store.js';

/** What the client counts. */
export type CountedEvent = 'hit' | 'miss' | 'stale' | 'fetch' | 'error';

/** Where the client reports what it did; the recorder below, or nothing. */
export interface AnalyticsSink {
  /** `durationMs` for hits and fetches (latency), `bytes` for fetches. */
  record(event: CountedEvent, provider: string, dataType: string, durationMs?: number, bytes?: number): void;
}

/** What is counted, per minute, provider and data type. */
export interface EventCounts {
  hits: number;
  misses: number;
  stale: number;
  fetches: number;
  errors: number;
  bytesFetched: number;
}

/** One row of `analytics_counts`. */
export interface MinuteCounts extends EventCounts {
  minute: number;
  provider: string;
  dataType: string;
}

export interface AnalyticsRecorderOptions {
  clock: Clock;
  logger: Logger;
  /** How often counts go to the database. Default 5 s. */
  flushIntervalMs?: number;
  /** How long minutes are kept. Default 7 days. */
  retentionMs?: number;
}

const MINUTE = 60_000;

/** The latency bucket of a duration: b for [2^b, 2^(b+1)) microseconds. */
export function latencyBucket(durationMs: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.max(1, durationMs * 1000))));
}

/**
 * Counts hits, misses, stale answers, fetches, errors and bytes per minute, provider and data
 * type, and latency histograms for hits and fetches, in memory; adds them to the database in
 * one transaction every few seconds, so a read never costs a write and every process's counts
 * end up in the same rows. Old minutes are deleted after the retention period.
 */
export class AnalyticsRecorder implements AnalyticsSink {
  private counts = new Map<string, MinuteCounts>();
  private latencies = new Map<string, LatencyCount>();
  private readonly timer: NodeJS.Timeout;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retentionMs: number;
  private lastPrunedAt = 0;
  private flushing: Promise<void> | undefined;
  private readonly store: AnalyticsStore;

  /** `store`: where the counts go (the cache's SQLite connection, or the shared tier's store). */
  constructor(store: SqliteConnection | AnalyticsStore, options: AnalyticsRecorderOptions) {
    this.store = store instanceof SqliteConnection ? new SqliteAnalyticsStore(store) : store;
    this.clock = options.clock;
    this.logger = options.logger;
    this.retentionMs = options.retentionMs ?? 7 * 86_400_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 5000).unref();
  }

  record(event: CountedEvent, provider: string, dataType: string, durationMs?: number, bytes?: number): void {
    const minute = Math.floor(this.clock.now() / MINUTE) * MINUTE;
    const key = `${minute}\u0000${provider}\u0000${dataType}`;
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = { minute, provider, dataType, hits: 0, misses: 0, stale: 0, fetches: 0, errors: 0, bytesFetched: 0 };
      this.counts.set(key, counts);
    }
    if (event === 'hit') counts.hits++;
    else if (event === 'miss') counts.misses++;
    else if (event === 'stale') counts.stale++;
    else if (event === 'error') counts.errors++;
    else {
      counts.fetches++;
      counts.bytesFetched += bytes ?? 0;
    }
    if (durationMs !== undefined && (event === 'hit' || event === 'fetch')) {
      const bucket = latencyBucket(durationMs);
      const latencyKey = `${minute}\u0000${event}\u0000${bucket}`;
      const latency = this.latencies.get(latencyKey);
      if (latency === undefined) this.latencies.set(latencyKey, { minute, kind: event, bucket, count: 1 });
      else latency.count++;
    }
  }

  /** Adds what was counted since the last flush to the database; resolves when it is there. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.counts.size === 0 && this.latencies.size === 0) return;
    const counts = [...this.counts.values()];
    const latencies = [...this.latencies.values()];
    this.counts = new Map();
    this.latencies = new Map();
    const now = this.clock.now();
    const prune = now - this.lastPrunedAt > 3_600_000;
    this.flushing = this.store
      .add(counts, latencies, prune ? now - this.retentionMs : null)
      .then(
        () => {
          if (prune) this.lastPrunedAt = now;
        },
        (error: unknown) => {
          // Analytics are worth less than the cache: dropped, not retried, when the database is unusable.
          this.logger.warn('datacache: could not record analytics; these counts are dropped', { error: String(error) });
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
