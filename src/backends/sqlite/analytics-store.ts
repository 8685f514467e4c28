import type { MinuteCounts } from '../../analytics/analytics-recorder.js';
import type { AnalyticsRows, AnalyticsStore, LatencyCount, QueueDepth, QueueDepthSample } from '../../analytics/analytics-store.js';
import type { SqliteConnection } from './connection.js';

/**
 * Analytics in the cache database (`analytics_counts`, `analytics_latency`), per minute: every
 * process of the machine adds its counts in batches, upserting the same rows.
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  private readonly statements;

  constructor(private readonly connection: SqliteConnection) {
    const database = connection.database;
    this.statements = {
      addCounts: database.prepare<[MinuteCounts]>(`
        INSERT INTO analytics_counts (minute, provider, data_type, hits, misses, stale, fetches, errors, bytes_fetched)
        VALUES (@minute, @provider, @dataType, @hits, @misses, @stale, @fetches, @errors, @bytesFetched)
        ON CONFLICT (minute, provider, data_type) DO UPDATE SET
          hits = hits + excluded.hits, misses = misses + excluded.misses, stale = stale + excluded.stale,
          fetches = fetches + excluded.fetches, errors = errors + excluded.errors, bytes_fetched = bytes_fetched + excluded.bytes_fetched`),
      addLatency: database.prepare<[LatencyCount]>(`
        INSERT INTO analytics_latency (minute, kind, bucket, count) VALUES (@minute, @kind, @bucket, @count)
        ON CONFLICT (minute, kind, bucket) DO UPDATE SET count = count + excluded.count`),
      pruneCounts: database.prepare<[number]>('DELETE FROM analytics_counts WHERE minute < ?'),
      pruneLatency: database.prepare<[number]>('DELETE FROM analytics_latency WHERE minute < ?'),
      pruneQueueDepth: database.prepare<[number]>('DELETE FROM analytics_queue_depth WHERE minute < ?'),
      hasQueueDepth: database.prepare<[number], number>('SELECT 1 FROM analytics_queue_depth WHERE minute = ? LIMIT 1').pluck(),
      addQueueDepth: database.prepare<[QueueDepthSample]>(
        'INSERT INTO analytics_queue_depth (minute, provider, pending, running, failed) VALUES (@minute, @provider, @pending, @running, @failed) ON CONFLICT DO NOTHING',
      ),
      queueDepth: database.prepare<[number], QueueDepthSample>('SELECT minute, provider, pending, running, failed FROM analytics_queue_depth WHERE minute >= ? ORDER BY minute, provider'),
      rows: database.prepare<[number], MinuteCounts>(
        `SELECT minute, provider, data_type AS dataType, hits, misses, stale, fetches, errors, bytes_fetched AS bytesFetched
         FROM analytics_counts WHERE minute >= ? ORDER BY minute`,
      ),
      latencies: database.prepare<[number], Omit<LatencyCount, 'minute'>>(
        'SELECT kind, bucket, sum(count) AS count FROM analytics_latency WHERE minute >= ? GROUP BY kind, bucket ORDER BY kind, bucket',
      ),
    };
  }

  async add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void> {
    await this.connection.write('recording analytics', () => {
      for (const row of counts) this.statements.addCounts.run(row);
      for (const row of latencies) this.statements.addLatency.run(row);
      if (pruneBefore !== null) {
        this.statements.pruneCounts.run(pruneBefore);
        this.statements.pruneLatency.run(pruneBefore);
        this.statements.pruneQueueDepth.run(pruneBefore);
      }
    });
  }

  async hasQueueDepth(minute: number): Promise<boolean> {
    return (await this.connection.read('reading the queue depth', () => this.statements.hasQueueDepth.get(minute))) !== undefined;
  }

  async addQueueDepth(minute: number, depth: readonly QueueDepth[]): Promise<void> {
    await this.connection.write('recording the queue depth', () => {
      // Another process may have sampled the minute since this one looked: the first sample stays whole.
      if (this.statements.hasQueueDepth.get(minute) !== undefined) return;
      for (const row of depth) this.statements.addQueueDepth.run({ minute, ...row });
    });
  }

  async read(sinceMs: number): Promise<AnalyticsRows> {
    return this.connection.read('reading analytics', () => ({
      rows: this.statements.rows.all(sinceMs),
      latencies: this.statements.latencies.all(sinceMs),
      queueDepth: this.statements.queueDepth.all(sinceMs),
    }));
  }
}
