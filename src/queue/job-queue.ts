import type { JsonObject } from '../validation.js';

export type JobState = 'pending' | 'running' | 'done' | 'failed';

/** Lower runs first. Live (the track playing now) is 1, batch pre-caching 2; any whole number works. */
export const PRIORITY = { live: 1, batch: 2 } as const;

export interface QueuedJob {
  id: number;
  url: string;
  provider: string;
  priority: number;
  /** What the job needs to run, as given to enqueue(). */
  request: JsonObject;
  state: JobState;
  /** Claims so far, this one included while running. */
  attempts: number;
  /** Claims whose lease ran out before their worker settled the job: it died, froze or was cut off. */
  abandoned: number;
  availableAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /**
   * A number given with each claim (a fencing token), where the backend has one: settling a
   * job checks it, so a worker whose lease passed to another can never settle the new claim.
   */
  leaseToken?: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EnqueueOptions {
  url: string;
  provider: string;
  request: JsonObject;
  /** Default PRIORITY.batch. */
  priority?: number;
}

export interface FailOptions {
  /** Fail for good now, whatever the attempts left. */
  final?: boolean;
  /** When to try again (the provider said when), instead of the policy's backoff. */
  retryAt?: number;
  /** Queued with the failure when the job fails for good (a chain goes on without this step's answer). */
  followUps?: readonly EnqueueOptions[];
}

/** Jobs by state, priority and provider, as `counts()` answers them. */
export interface JobCount {
  state: JobState;
  priority: number;
  provider: string;
  jobs: number;
}

/**
 * A queue of fetches that any process may fill and any process's worker may drain, each job
 * run once: the cache database's (RequestQueue), the shared tier's (PostgreSQL), or both
 * behind one face. The rules (leases, attempts, backoff, retention) are in queue-policy.ts,
 * the same for every backend.
 */
export interface JobQueue {
  /** How long a claim holds a job before another worker may take it. */
  readonly leaseMs: number;
  /** Queues a fetch; `added: false` when the URL was already waiting or running (that job keeps going, at the more urgent priority). */
  enqueue(options: EnqueueOptions): Promise<{ job: QueuedJob; added: boolean }>;
  /** Claims up to `limit` runnable jobs for `owner`, most urgent and oldest first. */
  claim(owner: string, limit?: number, providers?: readonly string[]): Promise<QueuedJob[]>;
  /** Takes the URL's row for a fetch happening now (the lock on the URL), or says until when another owner holds it. */
  claimUrl(url: string, provider: string, owner: string, request: JsonObject): Promise<{ claimed: QueuedJob } | { busyUntil: number }>;
  completeAll(jobs: readonly QueuedJob[], owner: string): Promise<number>;
  /**
   * Marks a claimed job done; false when its lease was lost. `followUps` are queued in the
   * same transaction (a chain's next steps: a crash can never leave a step done and its
   * follow-ups unqueued), and only when this claim completed the job.
   */
  complete(job: QueuedJob, owner: string, followUps?: readonly EnqueueOptions[]): Promise<boolean>;
  /** Records a failed attempt; `followUps` are queued in the same transaction only if the job fails for good. */
  fail(job: QueuedJob, owner: string, error: string, options?: FailOptions): Promise<'retrying' | 'failed' | 'lost'>;
  release(job: QueuedJob, owner: string, availableAt?: number): Promise<boolean>;
  extendLease(job: QueuedJob, owner: string): Promise<boolean>;
  get(url: string): Promise<QueuedJob | null>;
  /** Whether a claim now would find something. */
  hasRunnableWork(providers?: readonly string[]): boolean | Promise<boolean>;
  /** When the next waiting job becomes runnable (or a running one's lease runs out), or null. */
  nextDueAt(): Promise<number | null>;
  counts(): Promise<JobCount[]>;
  list(options?: { state?: JobState; limit?: number }): Promise<QueuedJob[]>;
  /** The jobs whose last attempt failed, latest first. */
  recentErrors(limit?: number): Promise<QueuedJob[]>;
  removeFinished(): Promise<number>;
  retryFailed(): Promise<number>;
  clear(): Promise<number>;
}
