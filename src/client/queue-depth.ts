import { analyticsStoreFor } from '../analytics/analytics-store-for.js';
import type { QueueDepth } from '../analytics/analytics-store.js';
import { QueueDepthSampler } from '../analytics/queue-depth-sampler.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { DataStorage } from '../storage/data-storage.js';

/** The queue's jobs by provider: pending, running and failed (finished jobs are not depth). */
export async function queueDepthOf(queue: JobQueue): Promise<QueueDepth[]> {
  const byProvider = new Map<string, QueueDepth>();
  for (const row of await queue.counts()) {
    if (row.state === 'done') continue;
    let depth = byProvider.get(row.provider);
    if (depth === undefined) byProvider.set(row.provider, (depth = { provider: row.provider, pending: 0, running: 0, failed: 0 }));
    depth[row.state] += row.jobs;
  }
  return [...byProvider.values()].sort((a, b) => (a.provider < b.provider ? -1 : 1));
}

/** A client's sampler: the queue's depth once a minute into the analytics of the storage (its shared tier's, when it has one). */
export function queueDepthSamplerFor(storage: DataStorage, queue: JobQueue, clock: Clock, logger: Logger): QueueDepthSampler {
  return new QueueDepthSampler(analyticsStoreFor(storage), () => queueDepthOf(queue), { clock, logger });
}
