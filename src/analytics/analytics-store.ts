import type { MinuteCounts } from './analytics-recorder.js';

/** What a store gives back to the report. */
export interface AnalyticsRows {
  rows: MinuteCounts[];
  latencies: Omit<LatencyCount, 'minute'>[];
  /** Oldest first. */
  queueDepth: QueueDepthSample[];
}

/** One latency histogram bucket of one minute: `count` durations in [2^bucket, 2^(bucket+1)) µs. */
export interface LatencyCount {
  minute: number;
  kind: 'hit' | 'fetch';
  bucket: number;
  count: number;
}

/** The queue's jobs of one provider by state ('' for the whole queue), as sampled once a minute. */
export interface QueueDepth {
  provider: string;
  /** Waiting to run: runnable now, or after a backoff or cool-down. */
  pending: number;
  running: number;
  failed: number;
}

/** One minute's sample of one provider's depth. */
export interface QueueDepthSample extends QueueDepth {
  minute: number;
}

/**
 * Where analytics are kept for every process to add to and read: the cache database, or the
 * shared tier's PostgreSQL so that a station's machines count together. The counting and the
 * report are the recorder's and the reader's, the same for both.
 */
export interface AnalyticsStore {
  /** Adds these counts to the minutes they belong to, in one transaction; drops minutes (and depth samples) before `pruneBefore` when given. */
  add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void>;
  /** Whether some process has already sampled the queue's depth in this minute. */
  hasQueueDepth(minute: number): Promise<boolean>;
  /**
   * Keeps the minute's sample unless one is there already (the first process to sample a
   * minute wins, whole). `depth` holds the whole queue as provider '' and each provider.
   */
  addQueueDepth(minute: number, depth: readonly QueueDepth[]): Promise<void>;
  /** Every minute's counts since `sinceMs`, oldest first, the latency buckets summed over them, and the depth samples. */
  read(sinceMs: number): Promise<AnalyticsRows>;
}
