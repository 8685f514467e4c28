import { DatabaseChangeWatcher } from '../backends/sqlite/change-watcher.js';
import { SqliteRateLimitStore } from '../backends/sqlite/rate-limit-store.js';
import { RequestQueue } from '../backends/sqlite/sqlite-queue.js';
import { PgChangeFeed } from '../backends/postgres/pg-change-feed.js';
import { PostgresQueue } from '../backends/postgres/pg-queue.js';
import { PgRateLimitStore } from '../backends/postgres/pg-rate-limit-store.js';
import type { Clock } from '../clock.js';
import { MergedChangeFeed, type ChangeFeed } from '../queue/change-feed.js';
import { FailoverQueue } from '../queue/failover-queue.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { QueueOptions } from '../queue/queue-policy.js';
import type { RateLimit } from '../ratelimit/provider-limits.js';
import { SharedRateLimiter } from '../ratelimit/shared-rate-limiter.js';
import type { DataStorage } from '../storage/data-storage.js';

/** What the processes (and, with a shared tier, the machines) of a cache coordinate through. */
export interface Coordination {
  /** Wakes workers and waiters when any process queues, settles or stores something. */
  watcher: ChangeFeed;
  queue: JobQueue;
  limiter: SharedRateLimiter;
}

/**
 * The queue, the rate limits and the wake-ups for a storage: in its cache database alone, or,
 * when it has a shared tier, on PostgreSQL first with the machine's own behind it (a queue and
 * limits that keep working, per machine, while the tier is away).
 */
export function coordinationFor(storage: DataStorage, options: { queue: Omit<QueueOptions, 'onEnqueued'>; limitOf: (provider: string) => RateLimit; clock: Clock }): Coordination {
  const connection = storage.sharedConnection();
  const tier = storage.sharedTier();
  const local = new DatabaseChangeWatcher(connection);
  const watcher: ChangeFeed = tier === null ? local : new MergedChangeFeed([local, new PgChangeFeed(tier)]);
  const queueOptions: QueueOptions = { ...options.queue, onEnqueued: () => { watcher.notify(); } };
  const localQueue = new RequestQueue(connection, queueOptions);
  if (tier === null) return { watcher, queue: localQueue, limiter: new SharedRateLimiter(connection, options.limitOf, options.clock) };
  return {
    watcher,
    queue: new FailoverQueue(new PostgresQueue(tier, queueOptions), localQueue, () => tier.available),
    // The station's budget on the server; the machine's own while the server is away.
    limiter: new SharedRateLimiter([new PgRateLimitStore(tier, options.clock), new SqliteRateLimitStore(connection, options.clock)], options.limitOf, options.clock),
  };
}
