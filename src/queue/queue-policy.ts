import { systemClock, type Clock } from '../clock.js';
import { optionalFiniteNumber } from '../validation.js';
import type { QueuedJob } from './job-queue.js';

export interface QueueOptions {
  clock?: Clock;
  /** How long a claim holds a job before another worker may take it. Default 60 s. */
  leaseMs?: number;
  /**
   * Claims before a job is marked failed. Default 5. Counted when a job is claimed, not when it
   * is settled: a job whose worker never settles it (the job froze or crashed the process) is
   * failed once its last lease runs out, instead of taking down every worker in turn.
   */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt (with jitter) up to backoffMaxMs. Default 2 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Failed jobs (with their last error) are removed after this long. Default 24 h. */
  retentionMs?: number;
  /**
   * Done jobs are removed after this long. Default 1 h: a done row is only history (queueing
   * the URL again starts a new job either way), and a day of them, one per URL fetched, grew
   * the database by ~400 bytes per fetch outside any budget (found by the torture suite's soak).
   */
  doneRetentionMs?: number;
  /** Called after a job is queued in this process, to wake this process's worker at once. */
  onEnqueued?: () => void;
}

/**
 * The queue's rules, the same for every backend: how long leases last, how many claims a job
 * gets, how long a failure or a lost lease waits before the next try, how long finished rows
 * are kept. Backends keep the rows; this decides what happens to them.
 */
export class QueuePolicy {
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly failedRetentionMs: number;
  readonly doneRetentionMs: number;
  readonly onEnqueued: () => void;

  constructor(options: QueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.leaseMs = optionalFiniteNumber('leaseMs', options.leaseMs, 60_000, { min: 1 });
    this.maxAttempts = optionalFiniteNumber('maxAttempts', options.maxAttempts, 5, { min: 1, integer: true });
    this.backoffBaseMs = optionalFiniteNumber('backoffBaseMs', options.backoffBaseMs, 2000, { min: 0 });
    this.backoffMaxMs = optionalFiniteNumber('backoffMaxMs', options.backoffMaxMs, 600_000, { min: 0 });
    this.failedRetentionMs = optionalFiniteNumber('retentionMs', options.retentionMs, 86_400_000, { min: 0 });
    this.doneRetentionMs = optionalFiniteNumber('doneRetentionMs', options.doneRetentionMs, 3_600_000, { min: 0 });
    this.onEnqueued = options.onEnqueued ?? (() => undefined);
  }

  /** Whether a failed claim is the job's last: a final failure, or its claims are used up. */
  givesUp(job: Pick<QueuedJob, 'attempts'>, final: boolean): boolean {
    return final || job.attempts >= this.maxAttempts;
  }

  /** When a job that failed its `attempts`-th claim runs again: an exponential backoff with jitter. */
  retryAt(attempts: number, now: number): number {
    const backoff = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
    return now + backoff / 2 + Math.random() * (backoff / 2);
  }

  /**
   * What becomes of a running job whose lease ran out (its worker died, froze or was cut off):
   * failed, when its claims are used up, with why; otherwise back to waiting after a backoff
   * (as after a failure), so the jobs behind a job that kills its workers get their turn first.
   */
  afterLostLease(job: Pick<QueuedJob, 'attempts' | 'abandoned' | 'lastError'>, now: number): { failed: true; error: string } | { failed: false; availableAt: number } {
    const abandoned = job.abandoned + 1;
    if (job.attempts >= this.maxAttempts) {
      const times = abandoned === 1 ? 'time' : 'times';
      const before = job.lastError === null ? '' : ` (the last error before: ${job.lastError})`;
      return { failed: true, error: `its worker stopped ${abandoned} ${times} without settling it${before}` };
    }
    return { failed: false, availableAt: now + Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(job.abandoned, 30)) };
  }
}
