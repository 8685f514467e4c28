import type { MinuteCounts } from '../../analytics/analytics-recorder.js';
import type { AnalyticsRows, AnalyticsStore, LatencyCount, QueueDepth, QueueDepthSample } from '../../analytics/analytics-store.js';
import type { PostgresTier } from './postgres-tier.js';

/**
 * One statement per table, whatever the batch's size: the rows go as one array per column.
 * Rows are summed by key first (an upsert may not touch a row twice) and inserted in key order,
 * so that machines flushing overlapping minutes lock the rows in the same order and cannot
 * deadlock.
 */
const ADD_COUNTS = `
  INSERT INTO analytics_counts AS counts (minute, provider, data_type, hits, misses, stale, fetches, errors, bytes_fetched)
  SELECT minute, provider, data_type, sum(hits), sum(misses), sum(stale), sum(fetches), sum(errors), sum(bytes_fetched)
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
    AS batch (minute, provider, data_type, hits, misses, stale, fetches, errors, bytes_fetched)
  GROUP BY minute, provider, data_type
  ORDER BY minute, provider, data_type
  ON CONFLICT (minute, provider, data_type) DO UPDATE SET
    hits = counts.hits + excluded.hits, misses = counts.misses + excluded.misses, stale = counts.stale + excluded.stale,
    fetches = counts.fetches + excluded.fetches, errors = counts.errors + excluded.errors, bytes_fetched = counts.bytes_fetched + excluded.bytes_fetched`;

const ADD_LATENCY = `
  INSERT INTO analytics_latency AS latency (minute, kind, bucket, count)
  SELECT minute, kind, bucket, sum(count)
  FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[]) AS batch (minute, kind, bucket, count)
  GROUP BY minute, kind, bucket
  ORDER BY minute, kind, bucket
  ON CONFLICT (minute, kind, bucket) DO UPDATE SET count = latency.count + excluded.count`;

/** Deadlock detected, serialization failure: the transaction did nothing and may simply be run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * Analytics in the shared tier (`analytics_counts`, `analytics_latency`), per minute, so that a
 * station's machines count together: every process adds its batch to the same minute rows. The
 * recorder and the report are the same as with SQLite; only where the rows live differs.
 */
export class PgAnalyticsStore implements AnalyticsStore {
  constructor(private readonly tier: PostgresTier) {}

  async add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void> {
    if (counts.length === 0 && latencies.length === 0 && pruneBefore === null) return;
    const countColumns = [
      counts.map((row) => row.minute),
      counts.map((row) => row.provider),
      counts.map((row) => row.dataType),
      counts.map((row) => row.hits),
      counts.map((row) => row.misses),
      counts.map((row) => row.stale),
      counts.map((row) => row.fetches),
      counts.map((row) => row.errors),
      counts.map((row) => row.bytesFetched),
    ];
    const latencyColumns = [latencies.map((row) => row.minute), latencies.map((row) => row.kind), latencies.map((row) => row.bucket), latencies.map((row) => row.count)];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tier.transaction(async (client) => {
          if (counts.length > 0) await client.query(ADD_COUNTS, countColumns);
          if (latencies.length > 0) await client.query(ADD_LATENCY, latencyColumns);
          if (pruneBefore !== null) {
            await client.query('DELETE FROM analytics_counts WHERE minute < $1', [pruneBefore]);
            await client.query('DELETE FROM analytics_latency WHERE minute < $1', [pruneBefore]);
            await client.query('DELETE FROM analytics_queue_depth WHERE minute < $1', [pruneBefore]);
          }
        });
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS || !RETRYABLE.has(String((error as { code?: unknown }).code))) throw error;
      }
    }
  }

  async hasQueueDepth(minute: number): Promise<boolean> {
    return (await this.tier.query('SELECT 1 FROM analytics_queue_depth WHERE minute = $1 LIMIT 1', [minute])).rows.length > 0;
  }

  /**
   * One statement. The whole-queue row (provider '') goes in first and decides: a machine
   * sampling the same minute at once waits on its key, finds it taken and adds nothing, so the
   * minute holds one machine's whole sample, never a mix of two.
   */
  async addQueueDepth(minute: number, depth: readonly QueueDepth[]): Promise<void> {
    await this.tier.query(
      `WITH sample (provider, pending, running, failed) AS (SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[])),
            claimed AS (
              INSERT INTO analytics_queue_depth (minute, provider, pending, running, failed)
              SELECT $1, provider, pending, running, failed FROM sample WHERE provider = ''
              ON CONFLICT DO NOTHING RETURNING minute)
       INSERT INTO analytics_queue_depth (minute, provider, pending, running, failed)
       SELECT $1, provider, pending, running, failed FROM sample WHERE provider <> '' AND EXISTS (SELECT 1 FROM claimed)
       ON CONFLICT DO NOTHING`,
      [minute, depth.map((row) => row.provider), depth.map((row) => row.pending), depth.map((row) => row.running), depth.map((row) => row.failed)],
    );
  }

  async read(sinceMs: number): Promise<AnalyticsRows> {
    const [rows, latencies, queueDepth] = await Promise.all([
      this.tier.query<MinuteCounts>(
        `SELECT minute, provider, data_type AS "dataType", hits, misses, stale, fetches, errors, bytes_fetched AS "bytesFetched"
         FROM analytics_counts WHERE minute >= $1 ORDER BY minute, provider, data_type`,
        [sinceMs],
      ),
      // sum() of bigint is numeric, which would come back as a string: cast back.
      this.tier.query<Omit<LatencyCount, 'minute'>>(
        'SELECT kind, bucket, sum(count)::bigint AS count FROM analytics_latency WHERE minute >= $1 GROUP BY kind, bucket ORDER BY kind, bucket',
        [sinceMs],
      ),
      this.tier.query<QueueDepthSample>('SELECT minute, provider, pending, running, failed FROM analytics_queue_depth WHERE minute >= $1 ORDER BY minute, provider', [sinceMs]),
    ]);
    return { rows: rows.rows, latencies: latencies.rows, queueDepth: queueDepth.rows };
  }
}
