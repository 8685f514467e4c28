import { isDatabaseFault } from '../errors.js';
import type { JsonObject } from '../validation.js';
import type { EnqueueOptions, FailOptions, JobCount, JobQueue, JobState, QueuedJob } from './job-queue.js';

/**
 * The shared queue, with this machine's own queue behind it for when the shared tier cannot be
 * reached: jobs are queued on the shared tier while it answers and on the machine's queue
 * otherwise, and workers drain both (the shared one first), so a station's machines keep
 * working through an outage and nothing queued meanwhile is lost. Each claimed job is settled
 * on the queue it came from.
 *
 * @example const queue = new FailoverQueue(new PostgresQueue(tier), new RequestQueue(connection), () => tier.available);
 */
export class FailoverQueue implements JobQueue {
  readonly leaseMs: number;
  private readonly origin = new WeakMap<QueuedJob, JobQueue>();

  constructor(
    private readonly shared: JobQueue,
    private readonly local: JobQueue,
    /** Whether the shared queue can be used now (a tier that cannot fails at once anyway). */
    private readonly sharedAvailable: () => boolean,
  ) {
    this.leaseMs = shared.leaseMs;
  }

  async enqueue(options: EnqueueOptions): Promise<{ job: QueuedJob; added: boolean }> {
    return this.either((queue) => queue.enqueue(options), (result, queue) => { this.origin.set(result.job, queue); });
  }

  async claim(owner: string, limit = 1, providers?: readonly string[]): Promise<QueuedJob[]> {
    const claimed: QueuedJob[] = [];
    if (this.sharedAvailable()) {
      const fromShared = await this.shared.claim(owner, limit, providers).catch((error: unknown) => this.faultOr(error, [] as QueuedJob[]));
      for (const job of fromShared) this.origin.set(job, this.shared);
      claimed.push(...fromShared);
    }
    if (claimed.length < limit) {
      const fromLocal = await this.local.claim(owner, limit - claimed.length, providers);
      for (const job of fromLocal) this.origin.set(job, this.local);
      claimed.push(...fromLocal);
    }
    return claimed;
  }

  async claimUrl(url: string, provider: string, owner: string, request: JsonObject): Promise<{ claimed: QueuedJob } | { busyUntil: number }> {
    return this.either((queue) => queue.claimUrl(url, provider, owner, request), (result, queue) => {
      if ('claimed' in result) this.origin.set(result.claimed, queue);
    });
  }

  async completeAll(jobs: readonly QueuedJob[], owner: string): Promise<number> {
    let completed = 0;
    for (const queue of [this.shared, this.local]) {
      const mine = jobs.filter((job) => this.queueOf(job) === queue);
      if (mine.length > 0) completed += await queue.completeAll(mine, owner);
    }
    return completed;
  }

  complete(job: QueuedJob, owner: string, followUps?: readonly EnqueueOptions[]): Promise<boolean> {
    // Follow-ups go where the job was: the same transaction holds both.
    return this.queueOf(job).complete(job, owner, followUps);
  }

  fail(job: QueuedJob, owner: string, error: string, options?: FailOptions): Promise<'retrying' | 'failed' | 'lost'> {
    return this.queueOf(job).fail(job, owner, error, options);
  }

  release(job: QueuedJob, owner: string, availableAt?: number): Promise<boolean> {
    return this.queueOf(job).release(job, owner, availableAt);
  }

  extendLease(job: QueuedJob, owner: string): Promise<boolean> {
    return this.queueOf(job).extendLease(job, owner);
  }

  async get(url: string): Promise<QueuedJob | null> {
    const shared = this.sharedAvailable() ? await this.shared.get(url).catch((error: unknown) => this.faultOr(error, null)) : null;
    return shared ?? this.local.get(url);
  }

  async hasRunnableWork(providers?: readonly string[]): Promise<boolean> {
    if (this.sharedAvailable() && (await Promise.resolve(this.shared.hasRunnableWork(providers)).catch((error: unknown) => this.faultOr(error, false)))) return true;
    return this.local.hasRunnableWork(providers);
  }

  async nextDueAt(): Promise<number | null> {
    const times = await Promise.all([this.sharedAvailable() ? this.shared.nextDueAt().catch((error: unknown) => this.faultOr(error, null)) : null, this.local.nextDueAt()]);
    const known = times.filter((time): time is number => time !== null);
    return known.length === 0 ? null : Math.min(...known);
  }

  async counts(): Promise<JobCount[]> {
    return (await this.both((queue) => queue.counts())).flat();
  }

  async list(options?: { state?: JobState; limit?: number }): Promise<QueuedJob[]> {
    const lists = await this.both((queue) => queue.list(options));
    return lists.flat().slice(0, options?.limit ?? 100);
  }

  async recentErrors(limit = 20): Promise<QueuedJob[]> {
    const lists = await this.both((queue) => queue.recentErrors(limit));
    return lists.flat().sort((a, b) => b.updatedAt - a.updatedAt).slice(0, limit);
  }

  async removeFinished(): Promise<number> {
    return (await this.both((queue) => queue.removeFinished())).reduce((sum, count) => sum + count, 0);
  }

  async retryFailed(): Promise<number> {
    return (await this.both((queue) => queue.retryFailed())).reduce((sum, count) => sum + count, 0);
  }

  async clear(): Promise<number> {
    return (await this.both((queue) => queue.clear())).reduce((sum, count) => sum + count, 0);
  }

  /** The shared queue when it answers, else the machine's. */
  private async either<T>(work: (queue: JobQueue) => Promise<T>, remember: (result: T, queue: JobQueue) => void): Promise<T> {
    if (this.sharedAvailable()) {
      try {
        const result = await work(this.shared);
        remember(result, this.shared);
        return result;
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
      }
    }
    const result = await work(this.local);
    remember(result, this.local);
    return result;
  }

  /** Both queues' answers (the shared one's left out while it cannot be reached). */
  private async both<T>(work: (queue: JobQueue) => Promise<T>): Promise<T[]> {
    const shared = this.sharedAvailable() ? await work(this.shared).then((value) => [value], (error: unknown) => this.faultOr(error, [] as T[])) : [];
    return [...shared, await work(this.local)];
  }

  private queueOf(job: QueuedJob): JobQueue {
    return this.origin.get(job) ?? (job.leaseToken === undefined ? this.local : this.shared);
  }

  private faultOr<T>(error: unknown, fallback: T): T {
    if (isDatabaseFault(error)) return fallback;
    throw error;
  }
}
