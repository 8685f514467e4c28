import type { MinuteCounts } from './analytics-recorder.js';

/** One latency histogram bucket of one minute: `count` durations in [2^bucket, 2^(bucket+1)) µs. */
export interface LatencyCount {
  minute: number;
  kind: 'hit' | 'fetch';
  bucket: number;
  count: number;
}

/**
 * Where analytics are kept for every process to add to and read: the cache database, or the
 * shared tier's PostgreSQL so that a station's machines count together. The counting and the
 * report are the recorder's and the reader's, the same for both.
 */
export interface AnalyticsStore {
  /** Adds these counts to the minutes they belong to, in one transaction; drops minutes before `pruneBefore` when given. */
  add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void>;
  /** Every minute's counts since `sinceMs`, oldest first, and the latency buckets summed over them. */
  read(sinceMs: number): Promise<{ rows: MinuteCounts[]; latencies: Omit<LatencyCount, 'minute'>[] }>;
}
