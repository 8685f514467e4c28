import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ChangeFeed } from './change-feed.js';
import type { JobQueue, QueuedJob } from './job-queue.js';
import { runClaimedJob, type JobRunner, type SettledAs } from './settle-job.js';

export type { JobOutcome, JobRunner } from './settle-job.js';

export interface QueueWorkerOptions {
  /** Jobs run at once. Default 3. */
  concurrency?: number;
  /** Only jobs of these providers. Default: all. */
  providers?: readonly string[];
  /** How long stop() lets running jobs finish before aborting and handing them back. Default 10 s. */
  stopGraceMs?: number;
  logger?: Logger;
  /** Asked before each claim: while it answers true the worker claims nothing (running jobs finish). */
  isPaused?: () => Promise<boolean>;
}

/** How often a paused worker looks whether it was resumed (a resume also wakes it through the change feed). */
const PAUSED_RECHECK_MS = 2000;

export interface WorkerCounts {
  completed: number;
  retried: number;
  failed: number;
  deferred: number;
  released: number;
}

interface RunningJob {
  job: QueuedJob;
  controller: AbortController;
  finished: Promise<void>;
}

/**
 * Drains the queue in this process: keeps up to `concurrency` jobs running and claims the
 * next one the moment a slot frees, so one slow download never holds up the rest. It wakes
 * when this process queues something, when another process commits (through the change
 * watcher), and when the next delayed job falls due; it never polls the queue on a timer.
 * Long jobs renew their lease; stop() lets running jobs finish, then aborts and hands back
 * the rest, so nothing waits for a lease to run out.
 */
export class QueueWorker {
  /** Identifies this worker's leases: host, process and a random part. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly counts: WorkerCounts = { completed: 0, retried: 0, failed: 0, deferred: 0, released: 0 };
  private readonly concurrency: number;
  private readonly providers: readonly string[] | undefined;
  private readonly stopGraceMs: number;
  private readonly logger: Logger;
  private readonly isPaused: () => Promise<boolean>;
  private readonly running = new Map<number, RunningJob>();
  private stopping = false;
  private started = false;
  private pumping = false;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly watcher: ChangeFeed,
    private readonly run: JobRunner,
    options: QueueWorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 3;
    this.providers = options.providers;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    this.isPaused = options.isPaused ?? (() => Promise.resolve(false));
  }

  get runningJobs(): number {
    return this.running.size;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.watcher.subscribe(() => {
      void this.wake();
    });
    void this.pump();
  }

  /** Stops claiming; lets running jobs finish for up to stopGraceMs, then aborts and releases them. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearTimeout(this.wakeTimer);
    const finished = Promise.allSettled([...this.running.values()].map((running) => running.finished));
    const graceOver = sleep(this.stopGraceMs, 'grace over' as const, { ref: false });
    if ((await Promise.race([finished, graceOver])) === 'grace over') {
      for (const running of this.running.values()) running.controller.abort(new Error('the worker is stopping'));
      await finished;
    }
  }

  private async wake(): Promise<void> {
    if (this.stopping || this.running.size >= this.concurrency) return;
    try {
      if (await this.queue.hasRunnableWork(this.providers)) await this.pump();
    } catch (error) {
      // Called from a notification, nobody awaits it: a fault is logged and looked at again shortly.
      this.logger.warn('datacache: the queue worker could not look for work; trying again in a second', { error: String(error) });
      this.setWakeTimer(1000);
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (await this.isPaused()) {
          this.setWakeTimer(PAUSED_RECHECK_MS);
          return;
        }
        while (!this.stopping && this.running.size < this.concurrency) {
          const jobs = await this.queue.claim(this.owner, this.concurrency - this.running.size, this.providers);
          if (jobs.length === 0) break;
          for (const job of jobs) this.startJob(job);
        }
      } while (this.askedToPumpAgain() && !this.stopping);
      await this.scheduleNextWake();
    } catch (error) {
      this.logger.warn('datacache: the queue worker could not claim jobs; trying again in a second', { error: String(error) });
      this.setWakeTimer(1000);
    } finally {
      this.pumping = false;
    }
  }

  /** Set by a pump() call that arrived while this one was awaiting a claim. */
  private askedToPumpAgain(): boolean {
    return this.pumpAgain;
  }

  /** Sleeps until the next delayed job is due or a lease runs out, whichever is first. */
  private async scheduleNextWake(): Promise<void> {
    // Every slot busy: the next one to free claims anyway, so no timer (on PostgreSQL each look is a query).
    if (this.stopping || this.running.size >= this.concurrency) return;
    const nextDue = await this.queue.nextDueAt();
    if (nextDue !== null) this.setWakeTimer(Math.max(10, nextDue - Date.now()));
  }

  private setWakeTimer(delayMs: number): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => void this.pump(), Math.min(delayMs, MAX_TIMER_DELAY_MS)).unref();
  }

  private startJob(job: QueuedJob): void {
    const controller = new AbortController();
    const finished = runClaimedJob(this.queue, this.owner, job, this.run, controller, () => this.stopping)
      .then((settled) => { this.count(settled); })
      .catch((error: unknown) => {
        this.logger.warn('datacache: could not record the outcome of a queued fetch; its lease will expire and another worker will retry', {
          url: job.url,
          error: String(error),
        });
      })
      .finally(() => {
        this.running.delete(job.id);
        if (!this.stopping) void this.pump();
      });
    this.running.set(job.id, { job, controller, finished });
  }

  private count(settled: SettledAs): void {
    if (settled !== 'lost') this.counts[settled]++;
  }
}
