import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobQueue } from './job-queue.js';
import { runClaimedJob, type JobRunner } from './settle-job.js';

export interface DrainOptions {
  /** Run at most this many jobs. Default: all that are runnable. */
  limit?: number;
  /** Only jobs of these providers. Default: all. */
  providers?: readonly string[];
  /** Jobs run at once. Default 3. */
  concurrency?: number;
}

export interface DrainReport {
  /** Jobs run. */
  processed: number;
  /** Jobs whose fetch was stored (or found already cached). */
  succeeded: number;
  /** Jobs that did not succeed: failed for good, or back in the queue for a later retry or after a cool-down. */
  failed: number;
}

/**
 * Runs queued jobs in this process now, until none is runnable or `limit` have run, and
 * reports what came of them. Jobs waiting for a backoff or a cool-down are not waited for, and
 * a job is run at most once per drain (one that comes straight back, a 429 with `Retry-After:
 * 0` say, ends the drain instead of looping). Safe beside workers in other processes: jobs are
 * claimed with a lease like theirs.
 */
export async function drainQueue(queue: JobQueue, run: JobRunner, options: DrainOptions = {}): Promise<DrainReport> {
  const limit = options.limit ?? Infinity;
  const concurrency = options.concurrency ?? 3;
  const owner = `drain:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const report: DrainReport = { processed: 0, succeeded: 0, failed: 0 };
  const seen = new Set<number>();
  const running = new Set<Promise<void>>();
  let claimed = 0;
  let exhausted = false;
  for (;;) {
    const room = Math.min(concurrency - running.size, limit - claimed);
    if (!exhausted && room > 0) {
      const jobs = await queue.claim(owner, room, options.providers);
      if (jobs.length < room) exhausted = true;
      for (const job of jobs) {
        if (seen.has(job.id)) {
          await queue.release(job, owner);
          exhausted = true;
          continue;
        }
        seen.add(job.id);
        claimed++;
        const task = runClaimedJob(queue, owner, job, run, new AbortController(), () => false).then(
          (settled) => {
            report.processed++;
            if (settled === 'completed') report.succeeded++;
            else report.failed++;
          },
          () => {
            report.processed++;
            report.failed++;
          },
        );
        running.add(task);
        void task.finally(() => running.delete(task));
      }
    }
    if (running.size === 0 && (exhausted || claimed >= limit)) return report;
    if (running.size === 0) continue;
    await Promise.race(running);
    // A finished job may have made room for more that were not runnable a moment ago.
    if (claimed < limit) exhausted = false;
  }
}
