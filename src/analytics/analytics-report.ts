import { SqliteAnalyticsStore } from '../backends/sqlite/analytics-store.js';
import { SqliteConnection } from '../backends/sqlite/connection.js';
import type { AnalyticsStore, QueueDepthSample } from './analytics-store.js';
import type { EventCounts, MinuteCounts } from './analytics-recorder.js';

export interface CountTotals extends EventCounts {
  /** hits / (hits + misses); NaN when nothing was asked. */
  hitRate: number;
  missRate: number;
  /** Misses answered with an expired copy because the fetch failed, per lookup. */
  staleRate: number;
}

/** A latency distribution from the histograms: each figure within a factor of √2 (the bucket's geometric middle). */
export interface LatencyDistribution {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AnalyticsReport {
  sinceMs: number;
  untilMs: number;
  totals: CountTotals;
  byProvider: Record<string, CountTotals>;
  byDataType: Record<string, CountTotals>;
  /**
   * One point per `bucketMinutes`, oldest first; minutes with nothing counted are left out.
   * `byProvider` splits each point's fetches and errors by provider.
   */
  timeline: ({ at: number; byProvider: Record<string, { fetches: number; errors: number }> } & CountTotals)[];
  latency: { hit: LatencyDistribution; fetch: LatencyDistribution };
  /**
   * The queue's depth over time: one point per `bucketMinutes` that has a sample (the bucket's
   * latest minute: depth is a level, not a sum), oldest first. Minutes no process sampled (none
   * was running) are left out.
   */
  queueDepth: QueueDepthPoint[];
}

/** Jobs waiting, running and failed. */
export interface DepthCounts {
  pending: number;
  running: number;
  failed: number;
}

/** The queue at one point of the timeline: the whole queue, and by provider (providers with no jobs left out). */
export interface QueueDepthPoint extends DepthCounts {
  at: number;
  byProvider: Record<string, DepthCounts>;
}

export interface AnalyticsQuery {
  /** From when. Default: the last 24 hours. */
  sinceMs?: number;
  /** Minutes per timeline point. Default 1. */
  bucketMinutes?: number;
}


/** Reads the analytics every process has recorded since `sinceMs`. */
export async function readAnalytics(source: SqliteConnection | AnalyticsStore, now: number, query: AnalyticsQuery = {}): Promise<AnalyticsReport> {
  const sinceMs = query.sinceMs ?? now - 86_400_000;
  const bucketMs = (query.bucketMinutes ?? 1) * 60_000;
  const store = source instanceof SqliteConnection ? new SqliteAnalyticsStore(source) : source;
  const { rows, latencies, queueDepth } = await store.read(sinceMs);
  const totals = emptyTotals();
  const byProvider = Object.create(null) as Record<string, CountTotals>;
  const byDataType = Object.create(null) as Record<string, CountTotals>;
  const timeline = new Map<number, CountTotals & { byProvider: Record<string, { fetches: number; errors: number }> }>();
  for (const row of rows) {
    add(totals, row);
    add((byProvider[row.provider] ??= emptyTotals()), row);
    add((byDataType[row.dataType] ??= emptyTotals()), row);
    const at = Math.floor(row.minute / bucketMs) * bucketMs;
    let point = timeline.get(at);
    if (point === undefined) timeline.set(at, (point = { ...emptyTotals(), byProvider: Object.create(null) as Record<string, { fetches: number; errors: number }> }));
    add(point, row);
    if (row.fetches + row.errors > 0) {
      const provider = (point.byProvider[row.provider] ??= { fetches: 0, errors: 0 });
      provider.fetches += row.fetches;
      provider.errors += row.errors;
    }
  }
  for (const counts of [totals, ...Object.values(byProvider), ...Object.values(byDataType), ...timeline.values()]) computeRates(counts);
  return {
    sinceMs,
    untilMs: now,
    totals,
    byProvider,
    byDataType,
    timeline: [...timeline].map(([at, counts]) => ({ at, ...counts })),
    latency: {
      hit: distribution(latencies.filter((row) => row.kind === 'hit')),
      fetch: distribution(latencies.filter((row) => row.kind === 'fetch')),
    },
    queueDepth: depthPoints(queueDepth, bucketMs),
  };
}

/** The samples (oldest first) as points, each bucket's latest minute. */
function depthPoints(samples: readonly QueueDepthSample[], bucketMs: number): QueueDepthPoint[] {
  const points = new Map<number, { minute: number; point: QueueDepthPoint }>();
  for (const sample of samples) {
    const at = Math.floor(sample.minute / bucketMs) * bucketMs;
    let entry = points.get(at);
    // A later minute of the bucket replaces what an earlier one left.
    if (entry === undefined || entry.minute < sample.minute) {
      entry = { minute: sample.minute, point: { at, pending: 0, running: 0, failed: 0, byProvider: Object.create(null) as Record<string, DepthCounts> } };
      points.set(at, entry);
    }
    const counts = { pending: sample.pending, running: sample.running, failed: sample.failed };
    if (sample.provider === '') Object.assign(entry.point, counts);
    else entry.point.byProvider[sample.provider] = counts;
  }
  return [...points.values()].map((entry) => entry.point);
}

function emptyTotals(): CountTotals {
  return { hits: 0, misses: 0, stale: 0, fetches: 0, errors: 0, bytesFetched: 0, hitRate: NaN, missRate: NaN, staleRate: NaN };
}

function add(totals: CountTotals, row: MinuteCounts): void {
  totals.hits += row.hits;
  totals.misses += row.misses;
  totals.stale += row.stale;
  totals.fetches += row.fetches;
  totals.errors += row.errors;
  totals.bytesFetched += row.bytesFetched;
}

function computeRates(totals: CountTotals): void {
  const lookups = totals.hits + totals.misses;
  totals.hitRate = lookups === 0 ? NaN : totals.hits / lookups;
  totals.missRate = lookups === 0 ? NaN : totals.misses / lookups;
  totals.staleRate = lookups === 0 ? NaN : totals.stale / lookups;
}

function distribution(buckets: { bucket: number; count: number }[]): LatencyDistribution {
  const count = buckets.reduce((sum, row) => sum + row.count, 0);
  const middleMs = (bucket: number): number => 2 ** (bucket + 0.5) / 1000;
  const percentile = (fraction: number): number => {
    if (count === 0) return NaN;
    let seen = 0;
    for (const row of buckets) {
      seen += row.count;
      if (seen >= fraction * count) return middleMs(row.bucket);
    }
    return middleMs(buckets[buckets.length - 1]!.bucket);
  };
  return { count, p50Ms: percentile(0.5), p90Ms: percentile(0.9), p99Ms: percentile(0.99), maxMs: count === 0 ? NaN : middleMs(buckets[buckets.length - 1]!.bucket) };
}
