import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { InvalidArgumentError, SharedTierUnavailableError } from '../../errors.js';
import type { EnqueueOptions, FailOptions, JobCount, JobQueue, JobState, QueuedJob } from '../../queue/job-queue.js';
import { PRIORITY } from '../../queue/job-queue.js';
import { QueuePolicy, type QueueOptions } from '../../queue/queue-policy.js';
import { describeValue, isPlainObject, optionalFiniteNumber, requireName, requireString, type JsonObject } from '../../validation.js';
import { QueueHousekeeping } from './pg-queue-housekeeping.js';
import * as sql from './pg-queue-sql.js';
import type { PgJobRow } from './pg-queue-sql.js';
import type { PostgresTier } from './postgres-tier.js';

export { QUEUE_CHANNEL } from './pg-queue-sql.js';

/** Finished rows removed per statement by removeFinished(). */
const REMOVE_BATCH = 500;

/**
 * The job queue of the shared tier: one queue in PostgreSQL that workers on every machine
 * drain, each job run once, with the same rules as the SQLite queue (QueuePolicy).
 *
 * - One row per URL, merged on enqueue as in SQLite. A job that may run now is `ready`; one
 *   deferred to a later time (a backoff, a release with a time, a cool-down) is `waiting`, out
 *   of the ready index, so a claim costs the same with 100,000 deferred jobs as with none.
 *   Both are `pending` to callers.
 * - A claim is one `UPDATE … FOR UPDATE SKIP LOCKED` statement taking the most urgent ready
 *   jobs, oldest first; machines claiming at once never wait for each other or take the same
 *   job. Due waiting jobs and leases that ran out are dealt with by QueueHousekeeping, through
 *   their own indexes: beside a claim (on another connection) at most every 100 ms per process,
 *   and before a second try whenever a claim finds nothing ready.
 * - Each claim takes a fresh fencing token from a sequence (QueuedJob.leaseToken). Completing,
 *   failing, releasing or extending checks the owner and the token, so a worker whose lease ran
 *   out and passed to another claim (even its own, later) can never settle that claim.
 * - Every time is the server's clock, so machines' clocks never have to agree. Times going in
 *   from a caller (a retry time, a release time) are turned into delays from now; times coming
 *   out (a job's times, busyUntil, nextDueAt) are turned into this process's clock, as
 *   `local now + (server time - server now)`.
 * - A change that makes a job runnable sends NOTIFY on QUEUE_CHANNEL (payload: the provider) in
 *   its own transaction, so idle workers on other machines wake when it commits.
 * - A server that cannot be reached fails calls with SharedTierUnavailableError (PostgresTier
 *   decides that); a mistake in a statement is a bug and surfaces as the driver's error.
 */
export class PostgresQueue implements JobQueue {
  readonly leaseMs: number;
  private readonly policy: QueuePolicy;
  private readonly housekeeping: QueueHousekeeping;

  constructor(
    private readonly tier: PostgresTier,
    options: QueueOptions = {},
  ) {
    this.policy = new QueuePolicy(options);
    this.leaseMs = this.policy.leaseMs;
    this.housekeeping = new QueueHousekeeping(tier, this.policy);
  }

  /**
   * Queues a fetch. Resolves to the job and whether a new run was queued (`added: false` when
   * the URL was already waiting or running: that job keeps going, at the more urgent priority).
   */
  async enqueue(options: EnqueueOptions): Promise<{ job: QueuedJob; added: boolean }> {
    const [row] = await this.rows<PgJobRow & { added: boolean }>(sql.ENQUEUE, enqueueValues(options));
    this.policy.onEnqueued();
    return { job: row!.job, added: row!.row.added };
  }

  /** Claims up to `limit` runnable jobs for `owner`, most urgent and oldest first. */
  async claim(owner: string, limit = 1, providers?: readonly string[]): Promise<QueuedJob[]> {
    requireString('owner', owner);
    const count = optionalFiniteNumber('limit', limit, 1, { integer: true, min: 0 });
    if (count === 0 || providers?.length === 0) return [];
    // A round due now runs beside the claim, on another connection: it costs the claim no wait.
    const [jobs, madeReady] = await Promise.all([this.claimReady(owner, count, providers), this.housekeeping.due ? this.housekeeping.run() : undefined]);
    // Nothing ready: due jobs may be waiting for a round (this one's, or one not run yet).
    if (jobs.length === 0 && (madeReady ?? (await this.housekeeping.run()))) jobs.push(...(await this.claimReady(owner, count, providers)));
    return jobs.sort((a, b) => a.priority - b.priority || a.id - b.id);
  }

  /**
   * Takes the URL's row for a fetch happening now in this process (queued or not): `claimed`
   * with the job, or `busyUntil` (this process's clock) when another owner's lease holds it, so
   * the caller can wait for that result instead of fetching twice. The lock on a URL across
   * machines.
   */
  async claimUrl(url: string, provider: string, owner: string, request: JsonObject): Promise<{ claimed: QueuedJob } | { busyUntil: number }> {
    const text = JSON.stringify(request);
    for (let attempt = 1; ; attempt++) {
      const [claimed] = await this.rows<PgJobRow>(sql.CLAIM_URL, [url, provider, owner, text, this.leaseMs]);
      if (claimed !== undefined) return { claimed: claimed.job };
      const before = this.policy.clock.now();
      const { rows } = await this.tier.query<{ state: string; leaseOwner: string | null; leftMs: number | null }>(sql.LEASE_LEFT, [url]);
      const held = rows[0];
      const now = midpoint(before, this.policy.clock.now());
      if (held?.state === 'running' && held.leaseOwner !== owner && held.leftMs !== null && held.leftMs > 0) return { busyUntil: now + held.leftMs };
      // The other lease ended between the two statements: take the row again (a URL fought over
      // that hard is reported busy for a moment rather than looped on).
      if (attempt >= 5) return { busyUntil: now + 50 };
    }
  }

  /** Marks claimed jobs done in one statement (a batch drainer's complete); returns how many were still this owner's claims. */
  async completeAll(jobs: readonly QueuedJob[], owner: string): Promise<number> {
    if (jobs.length === 0) return 0;
    // Rows locked in id order, as every statement locking several rows does: no deadlock between them.
    const sorted = [...jobs].sort((a, b) => a.id - b.id);
    const result = await this.tier.query(sql.COMPLETE_ALL, [sorted.map((job) => job.id), sorted.map((job) => job.leaseToken ?? null), owner]);
    return result.rowCount ?? 0;
  }

  /** Marks a claimed job done. False when the claim was lost (its lease ran out and another claim took the job). */
  async complete(job: QueuedJob, owner: string, followUps: readonly EnqueueOptions[] = []): Promise<boolean> {
    const values = [job.id, owner, job.leaseToken ?? null];
    if (followUps.length === 0) return (await this.tier.query(sql.COMPLETE, values)).rowCount === 1;
    return this.settleWithFollowUps(sql.COMPLETE, values, followUps);
  }

  /** Runs a settling statement and, when it settled the claim, queues `followUps`: one transaction. */
  private async settleWithFollowUps(statement: string, values: unknown[], followUps: readonly EnqueueOptions[]): Promise<boolean> {
    // In URL order: two transactions inserting overlapping follow-ups lock the rows in the same order, never deadlocking.
    const inserts = [...followUps].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)).map(enqueueValues);
    const settled = await this.tier.transaction(async (client) => {
      if ((await client.query(statement, values)).rowCount !== 1) return false;
      for (const insert of inserts) await client.query(sql.ENQUEUE, insert);
      return true;
    });
    if (settled) this.policy.onEnqueued();
    return settled;
  }

  /**
   * Records a failed attempt. A retryable failure waits a backoff (or until `retryAt`, in this
   * process's clock, when the provider said when); the last attempt, or a final failure, marks
   * the job failed with its error.
   */
  async fail(job: QueuedJob, owner: string, error: string, options: FailOptions = {}): Promise<'retrying' | 'failed' | 'lost'> {
    if (this.policy.givesUp(job, options.final === true)) {
      const values = [job.id, owner, job.leaseToken ?? null, error];
      const followUps = options.followUps ?? [];
      const failed = followUps.length === 0 ? (await this.tier.query(sql.MARK_FAILED, values)).rowCount === 1 : await this.settleWithFollowUps(sql.MARK_FAILED, values, followUps);
      return failed ? 'failed' : 'lost';
    }
    const now = this.policy.clock.now();
    const retryAt = options.retryAt ?? this.policy.retryAt(job.attempts, now);
    return (await this.requeue(job, owner, retryAt - now, error, 0)) ? 'retrying' : 'lost';
  }

  /** Gives a claimed job back without counting the attempt, to run at `availableAt` (this process's clock; default now). */
  async release(job: QueuedJob, owner: string, availableAt?: number): Promise<boolean> {
    const delay = availableAt === undefined ? 0 : availableAt - this.policy.clock.now();
    return this.requeue(job, owner, delay, null, 1);
  }

  /** Extends a long job's lease from now; false when the claim was already lost. */
  async extendLease(job: QueuedJob, owner: string): Promise<boolean> {
    const result = await this.tier.query(sql.EXTEND, [job.id, owner, job.leaseToken ?? null, this.leaseMs]);
    return result.rowCount === 1;
  }

  async get(url: string): Promise<QueuedJob | null> {
    requireString('url', url);
    const [row] = await this.rows<PgJobRow>(sql.BY_URL, [url]);
    return row?.job ?? null;
  }

  /**
   * Whether a claim now would find something: a ready job, a due waiting one or a lease that
   * ran out (three index probes). A hint for a worker woken by a notification: while the
   * shared tier cannot be reached it answers false (nothing can be claimed; the tier wakes its
   * listeners when it is back) rather than failing the wake-up.
   */
  async hasRunnableWork(providers?: readonly string[]): Promise<boolean> {
    try {
      const { rows } =
        providers === undefined
          ? await this.tier.query<{ runnable: boolean }>(sql.RUNNABLE)
          : await this.tier.query<{ runnable: boolean }>(sql.RUNNABLE_PROVIDERS, [[...providers]]);
      return rows[0]?.runnable === true;
    } catch (error) {
      if (error instanceof SharedTierUnavailableError) return false;
      throw error;
    }
  }

  /**
   * When the next job becomes runnable, in this process's clock: now when a ready job is
   * there, else when the first waiting job falls due or the first lease runs out; null when
   * nothing is pending or running.
   */
  async nextDueAt(): Promise<number | null> {
    const before = this.policy.clock.now();
    const { rows } = await this.tier.query<{ dueInMs: number | null }>(sql.NEXT_DUE_IN);
    const dueInMs = rows[0]?.dueInMs ?? null;
    return dueInMs === null ? null : Math.round(midpoint(before, this.policy.clock.now()) + dueInMs);
  }

  /** Jobs by state (ready and waiting both `pending`), then priority and provider. */
  async counts(): Promise<JobCount[]> {
    return (await this.tier.query<JobCount>(sql.COUNTS)).rows;
  }

  /** Up to `limit` jobs (of one state, or all): running first, then pending by priority, failed, done. */
  async list(options: { state?: JobState; limit?: number } = {}): Promise<QueuedJob[]> {
    const state = options.state ?? null;
    if (state !== null && !['pending', 'running', 'done', 'failed'].includes(state)) {
      throw new InvalidArgumentError(`state must be pending, running, done or failed, got ${describeValue(state)}.`);
    }
    const limit = optionalFiniteNumber('limit', options.limit, 100, { min: 1, integer: true });
    const states = state === null ? null : state === 'pending' ? ['ready', 'waiting'] : [state];
    return (await this.rows<PgJobRow>(sql.LIST, [states, limit])).map((row) => row.job);
  }

  /** The jobs whose last attempt failed (given up, or waiting to retry), latest first, from every machine. */
  async recentErrors(limit = 20): Promise<QueuedJob[]> {
    const count = optionalFiniteNumber('limit', limit, 20, { min: 1, max: 1000, integer: true });
    return (await this.rows<PgJobRow>(sql.RECENT_ERRORS, [count])).map((row) => row.job);
  }

  /**
   * Removes done jobs older than `doneRetentionMs` and failed ones older than `retentionMs`
   * (by the server's clock); returns how many. In statements of at most 500 rows, yielding
   * between them, so a day of finished jobs never becomes one long transaction.
   */
  async removeFinished(): Promise<number> {
    let removed = 0;
    for (const [state, retention] of [['done', this.policy.doneRetentionMs], ['failed', this.policy.failedRetentionMs]] as const) {
      for (;;) {
        const changes = (await this.tier.query(sql.REMOVE_FINISHED, [state, Math.round(retention), REMOVE_BATCH])).rowCount ?? 0;
        removed += changes;
        if (changes < REMOVE_BATCH) break;
        await yieldToEventLoop();
      }
    }
    return removed;
  }

  /** Puts every failed job back to pending with fresh attempts; returns how many. */
  async retryFailed(): Promise<number> {
    const { rows } = await this.tier.query<{ changed: number }>(sql.RETRY_FAILED);
    return rows[0]?.changed ?? 0;
  }

  /** Removes every job that is not running, on every machine's behalf; returns how many. */
  async clear(): Promise<number> {
    return (await this.tier.query(sql.CLEAR)).rowCount ?? 0;
  }

  private async claimReady(owner: string, limit: number, providers: readonly string[] | undefined): Promise<QueuedJob[]> {
    const rows =
      providers === undefined
        ? await this.rows<PgJobRow>(sql.CLAIM, [owner, limit, this.leaseMs])
        : await this.rows<PgJobRow>(sql.CLAIM_PROVIDERS, [owner, limit, this.leaseMs, [...new Set(providers)]]);
    return rows.map((row) => row.job);
  }

  /** Sends a job back to wait `delayMs` (ready at once when not positive); $6 gives the attempt back. */
  private async requeue(job: QueuedJob, owner: string, delayMs: number, error: string | null, giveBackAttempt: 0 | 1): Promise<boolean> {
    const { rows } = await this.tier.query<{ changed: number }>(sql.REQUEUE, [job.id, owner, job.leaseToken ?? null, Math.round(delayMs), error, giveBackAttempt]);
    return rows[0]?.changed === 1;
  }

  /** Runs a statement returning job rows; each comes back with its job, times in this process's clock. */
  private async rows<Row extends PgJobRow>(text: string, values: unknown[]): Promise<{ row: Row; job: QueuedJob }[]> {
    const before = this.policy.clock.now();
    const { rows } = await this.tier.query<Row>(text, values);
    const local = midpoint(before, this.policy.clock.now());
    return rows.map((row) => ({ row, job: toJob(row, local - row.serverNow) }));
  }
}

/** ENQUEUE's values for a job, checked. */
function enqueueValues(options: EnqueueOptions): unknown[] {
  const url = requireString('url', options.url);
  const provider = requireName('provider', options.provider);
  const priority = optionalFiniteNumber('priority', options.priority, PRIORITY.batch, { integer: true, min: 0, max: 2 ** 31 - 1 });
  if (!isPlainObject(options.request)) throw new InvalidArgumentError(`request must be a JSON object, got ${describeValue(options.request)}.`);
  return [url, provider, priority, JSON.stringify(options.request)];
}

/** This process's now for a statement: halfway through its round trip, when the server most likely read its clock. */
function midpoint(before: number, after: number): number {
  return Math.round((before + after) / 2);
}

/** A row as the contract's job: ready and waiting are `pending`, times moved by `offset` into this process's clock. */
function toJob(row: PgJobRow, offset: number): QueuedJob {
  const job: QueuedJob = {
    id: row.id,
    url: row.url,
    provider: row.provider,
    priority: row.priority,
    request: JSON.parse(row.request) as JsonObject,
    state: row.state === 'ready' || row.state === 'waiting' ? 'pending' : row.state,
    attempts: row.attempts,
    abandoned: row.abandoned,
    availableAt: row.availableAt + offset,
    leaseOwner: row.leaseOwner,
    leaseUntil: row.leaseUntil === null ? null : row.leaseUntil + offset,
    lastError: row.lastError,
    createdAt: row.createdAt + offset,
    updatedAt: row.updatedAt + offset,
  };
  if (row.leaseToken !== null) job.leaseToken = row.leaseToken;
  return job;
}
