import type { EnqueueOptions, JobQueue, QueuedJob } from './job-queue.js';

/** What running a job came to. */
export type JobOutcome =
  /** `followUps`: the next steps of the job's chain, queued in the same transaction as it completes. */
  | { outcome: 'done'; followUps?: readonly EnqueueOptions[] }
  /** Worth another try, after the queue's backoff or at `retryAt`; `followUps` are queued if this was its last try. */
  | { outcome: 'retry'; error: string; retryAt?: number; followUps?: readonly EnqueueOptions[] }
  /** Final: the job is failed with this error (and its chain goes on with `followUps`). */
  | { outcome: 'failed'; error: string; followUps?: readonly EnqueueOptions[] }
  /** Not now, and not the job's fault (a provider cool-down): run it again at `until`, attempt not counted. */
  | { outcome: 'defer'; until: number };

export type JobRunner = (job: QueuedJob, signal: AbortSignal) => Promise<JobOutcome>;

/** Where a job ended up; `lost` when its lease had passed to another worker meanwhile. */
export type SettledAs = 'completed' | 'retried' | 'failed' | 'deferred' | 'released' | 'lost';

/**
 * Records a job's outcome in the queue under `owner`'s lease. A job aborted because its worker
 * is stopping goes back to the queue as it was (`released`), not counted as an attempt.
 */
export async function settleJob(queue: JobQueue, owner: string, job: QueuedJob, outcome: JobOutcome, stopping: boolean): Promise<SettledAs> {
  if (stopping) return (await queue.release(job, owner)) ? 'released' : 'lost';
  switch (outcome.outcome) {
    case 'done':
      return (await queue.complete(job, owner, outcome.followUps)) ? 'completed' : 'lost';
    case 'defer':
      return (await queue.release(job, owner, outcome.until)) ? 'deferred' : 'lost';
    case 'failed':
      return (await queue.fail(job, owner, outcome.error, { final: true, followUps: outcome.followUps })) === 'failed' ? 'failed' : 'lost';
    case 'retry': {
      const result = await queue.fail(job, owner, outcome.error, { retryAt: outcome.retryAt, followUps: outcome.followUps });
      return result === 'retrying' ? 'retried' : result === 'failed' ? 'failed' : 'lost';
    }
  }
}

/** Runs one claimed job, renewing its lease while it runs, and records the outcome. */
export async function runClaimedJob(
  queue: JobQueue,
  owner: string,
  job: QueuedJob,
  run: JobRunner,
  controller: AbortController,
  isStopping: () => boolean,
): Promise<SettledAs> {
  const heartbeat = setInterval(() => {
    void queue.extendLease(job, owner).catch(() => undefined);
  }, queue.leaseMs / 3).unref();
  try {
    const outcome = await run(job, controller.signal).catch(
      (error: unknown): JobOutcome => ({ outcome: 'retry', error: error instanceof Error ? error.message : String(error) }),
    );
    return await settleJob(queue, owner, job, outcome, controller.signal.aborted && isStopping());
  } finally {
    clearInterval(heartbeat);
  }
}
