import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { InvalidArgumentError } from '../../errors.js';
import type { EnqueueOptions, FailOptions, JobCount, JobQueue, JobState, QueuedJob } from '../../queue/job-queue.js';
import { PRIORITY } from '../../queue/job-queue.js';
import { QueuePolicy, type QueueOptions } from '../../queue/queue-policy.js';
import { describeValue, isPlainObject, optionalFiniteNumber, requireName, requireString, type JsonObject } from '../../validation.js';
import type { SqliteConnection } from './connection.js';
import type { Statement } from './entry-statements.js';

export type { EnqueueOptions, JobState, QueuedJob } from '../../queue/job-queue.js';
export type { QueueOptions } from '../../queue/queue-policy.js';

/** A job as its row holds it: the request still JSON text. */
type JobRow = Omit<QueuedJob, 'request' | 'leaseToken'> & { request: string };

const jobColumns = `id, url, provider, priority, request, state, attempts, abandoned, available_at AS availableAt,
  lease_owner AS leaseOwner, lease_until AS leaseUntil, last_error AS lastError, created_at AS createdAt, updated_at AS updatedAt`;

/**
 * A queue of fetches in the cache database that any process may fill and any process's
 * worker may drain, with each job run once.
 *
 * - One row per URL. Enqueueing a URL already waiting or running keeps that row and raises
 *   its priority if the new one is more urgent; a finished or failed URL is queued afresh.
 * - A claim is one `BEGIN IMMEDIATE` transaction: leases that ran out go back to pending
 *   (a worker that died loses its jobs to the others, nothing to restart), then
 *   `UPDATE … RETURNING` takes the most urgent jobs, oldest first within a priority.
 * - A claim holds a lease; only its owner can complete, fail, release or extend the job, so
 *   a worker whose lease ran out cannot finish a job someone else now runs.
 * - Failures retry with exponential backoff and jitter; after maxAttempts claims the job is
 *   failed with its last error, or, when its workers stopped without settling it (the job froze
 *   or crashed them), with "its worker stopped N times without settling it" once the last lease
 *   runs out. Finished and failed rows are removed after the retention period.
 */
export class RequestQueue implements JobQueue {
  readonly leaseMs: number;
  private readonly policy: QueuePolicy;
  private readonly statements: {
    enqueue: Statement<[{ url: string; provider: string; priority: number; request: string; now: number }], JobRow>;
    stateOf: Statement<[string], JobState>;
    expiredLeases: Statement<[number], JobRow>;
    requeueLost: Statement<[number, number, number]>;
    failLost: Statement<[string, number, number]>;
    claim: Statement<[{ owner: string; leaseUntil: number; now: number; providers: string | null; limit: number }], JobRow>;
    complete: Statement<[number, number, string]>;
    retry: Statement<[number, string, number, number, string]>;
    markFailed: Statement<[string, number, number, string]>;
    release: Statement<[number, number, number, string]>;
    extend: Statement<[number, number, string]>;
    byUrl: Statement<[string], JobRow>;
    claimOne: Statement<[{ url: string; owner: string; leaseUntil: number; now: number }], JobRow>;
    runnable: Statement<[{ now: number; providers: string | null }], number>;
    nextAvailable: Statement<[], number | null>;
    counts: Statement<[], JobCount>;
    removeFinished: Statement<[string, number, number]>;
    retryFailed: Statement<[number, number]>;
    clear: Statement<[]>;
    list: Statement<[{ state: string | null; limit: number }], JobRow>;
    recentErrors: Statement<[number], JobRow>;
  };

  constructor(
    private readonly connection: SqliteConnection,
    options: QueueOptions = {},
  ) {
    this.policy = new QueuePolicy(options);
    this.leaseMs = this.policy.leaseMs;
    const database = connection.database;
    // A provider filter arrives as a JSON array (or NULL for any provider).
    const providerFilter = '(@providers IS NULL OR provider IN (SELECT value FROM json_each(@providers)))';
    this.statements = {
      enqueue: database.prepare(`
        INSERT INTO queue_jobs (url, provider, priority, request, state, attempts, available_at, created_at, updated_at)
        VALUES (@url, @provider, @priority, @request, 'pending', 0, @now, @now, @now)
        ON CONFLICT (url) DO UPDATE SET
          priority     = CASE WHEN state IN ('done', 'failed') THEN excluded.priority ELSE min(priority, excluded.priority) END,
          provider     = CASE WHEN state IN ('done', 'failed') THEN excluded.provider ELSE provider END,
          -- A chain's step joining a waiting or running job without one takes its place, so the chain
          -- goes on (a running job's worker reads the row's chain when it settles).
          request      = CASE WHEN state IN ('done', 'failed') THEN excluded.request
                              WHEN json_type(request, '$.chain') IS NOT 'object' AND json_type(excluded.request, '$.chain') = 'object' THEN excluded.request
                              ELSE request END,
          attempts     = CASE WHEN state IN ('done', 'failed') THEN 0 ELSE attempts END,
          abandoned    = CASE WHEN state IN ('done', 'failed') THEN 0 ELSE abandoned END,
          available_at = CASE WHEN state IN ('done', 'failed') THEN excluded.available_at ELSE available_at END,
          last_error   = CASE WHEN state IN ('done', 'failed') THEN NULL ELSE last_error END,
          created_at   = CASE WHEN state IN ('done', 'failed') THEN excluded.created_at ELSE created_at END,
          state        = CASE WHEN state IN ('done', 'failed') THEN 'pending' ELSE state END,
          updated_at   = excluded.updated_at
        RETURNING ${jobColumns}`),
      stateOf: database.prepare<[string], JobState>('SELECT state FROM queue_jobs WHERE url = ?').pluck(),
      // A lease that ran out is a claim nobody settled: what becomes of it is the policy's.
      expiredLeases: database.prepare(`SELECT ${jobColumns} FROM queue_jobs WHERE state = 'running' AND lease_until <= ?`),
      requeueLost: database.prepare(
        "UPDATE queue_jobs SET state = 'pending', abandoned = abandoned + 1, available_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
      ),
      failLost: database.prepare(
        "UPDATE queue_jobs SET state = 'failed', abandoned = abandoned + 1, last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
      ),
      claim: database.prepare(`
        UPDATE queue_jobs SET state = 'running', lease_owner = @owner, lease_until = @leaseUntil, attempts = attempts + 1, updated_at = @now
        WHERE id IN (
          SELECT id FROM queue_jobs WHERE state = 'pending' AND available_at <= @now AND ${providerFilter}
          ORDER BY priority, id LIMIT @limit)
        RETURNING ${jobColumns}`),
      complete: database.prepare(
        "UPDATE queue_jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
      ),
      retry: database.prepare(
        "UPDATE queue_jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL, available_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
      ),
      markFailed: database.prepare(
        "UPDATE queue_jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
      ),
      // Giving a job back does not count as an attempt.
      release: database.prepare(
        "UPDATE queue_jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL, attempts = max(0, attempts - 1), available_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
      ),
      extend: database.prepare("UPDATE queue_jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND lease_owner = ?"),
      byUrl: database.prepare(`SELECT ${jobColumns} FROM queue_jobs WHERE url = ?`),
      claimOne: database.prepare(`
        UPDATE queue_jobs SET state = 'running', lease_owner = @owner, lease_until = @leaseUntil, attempts = attempts + 1, updated_at = @now
        WHERE url = @url RETURNING ${jobColumns}`),
      runnable: database
        .prepare<[{ now: number; providers: string | null }], number>(
          `SELECT 1 FROM queue_jobs WHERE ((state = 'pending' AND available_at <= @now) OR (state = 'running' AND lease_until <= @now)) AND ${providerFilter} LIMIT 1`,
        )
        .pluck(),
      nextAvailable: database
        .prepare<[], number | null>("SELECT min(CASE WHEN state = 'pending' THEN available_at ELSE lease_until END) FROM queue_jobs WHERE state IN ('pending', 'running')")
        .pluck(),
      // Kept by triggers (schema version 12): a count that does not grow with the queue.
      counts: database.prepare('SELECT state, priority, provider, jobs FROM queue_totals WHERE jobs > 0 ORDER BY state, priority, provider'),
      removeFinished: database.prepare('DELETE FROM queue_jobs WHERE id IN (SELECT id FROM queue_jobs WHERE state = ? AND updated_at <= ? LIMIT ?)'),
      retryFailed: database.prepare("UPDATE queue_jobs SET state = 'pending', attempts = 0, abandoned = 0, available_at = ?, updated_at = ? WHERE state = 'failed'"),
      clear: database.prepare("DELETE FROM queue_jobs WHERE state != 'running'"),
      list: database.prepare(
        `SELECT ${jobColumns} FROM queue_jobs WHERE @state IS NULL OR state = @state
         ORDER BY CASE state WHEN 'running' THEN 0 WHEN 'pending' THEN 1 WHEN 'failed' THEN 2 ELSE 3 END, priority, id LIMIT @limit`,
      ),
      recentErrors: database.prepare(`SELECT ${jobColumns} FROM queue_jobs WHERE last_error IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT ?`),
    };
  }

  /**
   * Queues a fetch. Resolves to the job and whether a new run was queued (`added: false` when
   * the URL was already waiting or running: that job keeps going, at the more urgent priority).
   */
  async enqueue(options: EnqueueOptions): Promise<{ job: QueuedJob; added: boolean }> {
    const job = checkedJob(options);
    const now = this.policy.clock.now();
    const { row, added } = await this.connection.write('queueing a fetch', () => this.insert(job, now));
    this.policy.onEnqueued();
    return { job: toJob(row), added };
  }

  /** Inserts or merges one job; inside a write transaction. */
  private insert(job: CheckedJob, now: number): { row: JobRow; added: boolean } {
    const before = this.statements.stateOf.get(job.url);
    return { row: this.statements.enqueue.get({ ...job, now })!, added: before === undefined || before === 'done' || before === 'failed' };
  }

  /** Claims up to `limit` runnable jobs for `owner`, most urgent and oldest first. */
  async claim(owner: string, limit = 1, providers?: readonly string[]): Promise<QueuedJob[]> {
    requireString('owner', owner);
    const filter = providers === undefined ? null : JSON.stringify(providers);
    const rows = await this.connection.write('claiming queued fetches', () => {
      const now = this.policy.clock.now();
      this.settleLostLeases(now);
      return this.statements.claim.all({ owner, leaseUntil: now + this.leaseMs, now, providers: filter, limit });
    });
    return rows.map(toJob).sort((a, b) => a.priority - b.priority || a.id - b.id);
  }

  /**
   * Takes the URL's row for a fetch happening now in this process (queued or not): `claimed`
   * with the job, or `busy` with when the other owner's lease runs out when another process
   * is fetching it already, so the caller can wait for that result instead of fetching twice.
   */
  async claimUrl(url: string, provider: string, owner: string, request: JsonObject): Promise<{ claimed: QueuedJob } | { busyUntil: number }> {
    const now = this.policy.clock.now();
    const text = JSON.stringify(request);
    const outcome = await this.connection.write('claiming a fetch', (): { claimed: JobRow } | { busyUntil: number } => {
      const current = this.statements.byUrl.get(url);
      if (current?.state === 'running' && current.leaseOwner !== owner && (current.leaseUntil ?? 0) > now) {
        return { busyUntil: current.leaseUntil ?? now };
      }
      this.statements.enqueue.get({ url, provider, priority: 0, request: text, now });
      return { claimed: this.statements.claimOne.get({ url, owner, leaseUntil: now + this.leaseMs, now })! };
    });
    return 'claimed' in outcome ? { claimed: toJob(outcome.claimed) } : outcome;
  }

  /** Marks claimed jobs done in one transaction (a batch drainer's complete); returns how many were still this owner's. */
  async completeAll(jobs: readonly QueuedJob[], owner: string): Promise<number> {
    const now = this.policy.clock.now();
    return this.connection.write('completing fetches', () => {
      let completed = 0;
      for (const job of jobs) completed += this.statements.complete.run(now, job.id, owner).changes;
      return completed;
    });
  }

  /** Marks a claimed job done, and queues its follow-ups in the same transaction. False when the lease was lost (another worker now owns it). */
  async complete(job: QueuedJob, owner: string, followUps: readonly EnqueueOptions[] = []): Promise<boolean> {
    const checked = followUps.map(checkedJob);
    const now = this.policy.clock.now();
    const completed = await this.connection.write('completing a fetch', () => {
      if (this.statements.complete.run(now, job.id, owner).changes !== 1) return false;
      for (const followUp of checked) this.insert(followUp, now);
      return true;
    });
    if (completed && checked.length > 0) this.policy.onEnqueued();
    return completed;
  }

  /**
   * Records a failed attempt. A retryable failure goes back to pending after a backoff (or at
   * `retryAt`, when the provider said when); the last attempt, or a final failure, marks the
   * job failed with its error.
   */
  async fail(job: QueuedJob, owner: string, error: string, options: FailOptions = {}): Promise<'retrying' | 'failed' | 'lost'> {
    const now = this.policy.clock.now();
    const giveUp = this.policy.givesUp(job, options.final === true);
    const followUps = giveUp ? (options.followUps ?? []).map(checkedJob) : [];
    const outcome = await this.connection.write('recording a failed fetch', () => {
      if (giveUp) {
        if (this.statements.markFailed.run(error, now, job.id, owner).changes !== 1) return 'lost';
        for (const followUp of followUps) this.insert(followUp, now);
        return 'failed';
      }
      const retryAt = options.retryAt ?? this.policy.retryAt(job.attempts, now);
      return this.statements.retry.run(retryAt, error, now, job.id, owner).changes === 1 ? 'retrying' : 'lost';
    });
    if (outcome === 'failed' && followUps.length > 0) this.policy.onEnqueued();
    return outcome;
  }

  /** Gives a claimed job back without counting the attempt, to run at `availableAt` (default now). */
  async release(job: QueuedJob, owner: string, availableAt?: number): Promise<boolean> {
    const now = this.policy.clock.now();
    return this.connection.write('releasing a fetch', () => this.statements.release.run(availableAt ?? now, now, job.id, owner).changes === 1);
  }

  /** Extends a long job's lease; false when it was already lost. */
  async extendLease(job: QueuedJob, owner: string): Promise<boolean> {
    return this.connection.write('extending a lease', () => this.statements.extend.run(this.policy.clock.now() + this.leaseMs, job.id, owner).changes === 1);
  }

  async get(url: string): Promise<QueuedJob | null> {
    requireString('url', url);
    const row = await this.connection.read('reading the queue', () => this.statements.byUrl.get(url));
    return row === undefined ? null : toJob(row);
  }

  /** Whether a claim now would find something: a cheap read, no lock. */
  hasRunnableWork(providers?: readonly string[]): boolean | Promise<boolean> {
    const filter = providers === undefined ? null : JSON.stringify(providers);
    return this.connection.read('reading the queue', () => this.statements.runnable.get({ now: this.policy.clock.now(), providers: filter }) !== undefined);
  }

  /** When the next waiting job becomes runnable (or a running one's lease runs out), or null. */
  async nextDueAt(): Promise<number | null> {
    return (await this.connection.read('reading the queue', () => this.statements.nextAvailable.get())) ?? null;
  }

  /** Jobs by state, then priority and provider. */
  async counts(): Promise<JobCount[]> {
    return this.connection.read('reading the queue', () => this.statements.counts.all());
  }

  /** Up to `limit` jobs (of one state, or all): running first, then pending by priority, failed, done. */
  async list(options: { state?: JobState; limit?: number } = {}): Promise<QueuedJob[]> {
    const state = options.state ?? null;
    if (state !== null && !['pending', 'running', 'done', 'failed'].includes(state)) {
      throw new InvalidArgumentError(`state must be pending, running, done or failed, got ${describeValue(state)}.`);
    }
    const limit = optionalFiniteNumber('limit', options.limit, 100, { min: 1, integer: true });
    const rows = await this.connection.read('listing the queue', () => this.statements.list.all({ state, limit }));
    return rows.map(toJob);
  }

  /**
   * The jobs whose last attempt failed (given up, or waiting to retry), latest first: the
   * errors of every process's background work, until the retention period removes them.
   */
  async recentErrors(limit = 20): Promise<QueuedJob[]> {
    const count = optionalFiniteNumber('limit', limit, 20, { min: 1, max: 1000, integer: true });
    const rows = await this.connection.read('listing queue errors', () => this.statements.recentErrors.all(count));
    return rows.map(toJob);
  }

  /**
   * Removes done jobs older than `doneRetentionMs` and failed ones older than `retentionMs`;
   * returns how many. In transactions of at most 500 rows, yielding between them: after a
   * pre-cache of 20,000 artists there are 160,000 rows to remove, too many for one transaction
   * on the caller's event loop.
   */
  async removeFinished(): Promise<number> {
    let removed = 0;
    for (const [state, retention] of [['done', this.policy.doneRetentionMs], ['failed', this.policy.failedRetentionMs]] as const) {
      const cutoff = this.policy.clock.now() - retention;
      for (;;) {
        const changes = await this.connection.write('removing finished fetches', () => this.statements.removeFinished.run(state, cutoff, 500).changes);
        removed += changes;
        if (changes < 500) break;
        await yieldToEventLoop();
      }
    }
    return removed;
  }

  /** Puts every failed job back to pending with fresh attempts; returns how many. */
  async retryFailed(): Promise<number> {
    const now = this.policy.clock.now();
    return this.connection.write('retrying failed fetches', () => this.statements.retryFailed.run(now, now).changes);
  }

  /** Removes every job that is not running; returns how many. */
  async clear(): Promise<number> {
    return this.connection.write('clearing the queue', () => this.statements.clear.run().changes);
  }

  /** Inside a claim's transaction: every job whose lease ran out is failed or waits again, as the policy says. */
  private settleLostLeases(now: number): void {
    for (const row of this.statements.expiredLeases.all(now)) {
      const outcome = this.policy.afterLostLease(row, now);
      if (outcome.failed) this.statements.failLost.run(outcome.error, now, row.id);
      else this.statements.requeueLost.run(outcome.availableAt, now, row.id);
    }
  }
}

function toJob(row: JobRow): QueuedJob {
  return { ...row, request: JSON.parse(row.request) as JsonObject };
}

/** A job to insert, checked: the request as JSON text. */
interface CheckedJob {
  url: string;
  provider: string;
  priority: number;
  request: string;
}

function checkedJob(options: EnqueueOptions): CheckedJob {
  const url = requireString('url', options.url);
  const provider = requireName('provider', options.provider);
  const priority = optionalFiniteNumber('priority', options.priority, PRIORITY.batch, { integer: true, min: 0 });
  if (!isPlainObject(options.request)) throw new InvalidArgumentError(`request must be a JSON object, got ${describeValue(options.request)}.`);
  return { url, provider, priority, request: JSON.stringify(options.request) };
}
