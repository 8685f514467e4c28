import type { ChangeFeed } from '../../queue/change-feed.js';
import { QUEUE_CHANNEL } from './pg-queue-sql.js';
import type { PostgresTier } from './postgres-tier.js';

export interface PgQueueFeedOptions {
  /**
   * How often listeners are called with no notification (the polling fallback). Default 5 s.
   * A job becomes runnable without any NOTIFY when its wait ends or when the machine holding
   * it dies (its lease runs out): a worker that slept through that finds it within this long.
   */
  pollIntervalMs?: number;
}

/**
 * What wakes a worker for the shared queue: NOTIFY on QUEUE_CHANNEL from any machine (sent
 * when a job becomes runnable), this process's own `notify()`, the tier coming back after a
 * fault (PostgresTier calls listeners with '' then), and a slow poll as the fallback.
 * Notifications arriving together are given to listeners once: enqueueing 10,000 jobs on one
 * machine wakes each worker a few times, not 10,000 times.
 */
export class PgQueueFeed implements ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private readonly pollIntervalMs: number;
  private stopListening: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private dispatchPending = false;

  constructor(
    private readonly tier: PostgresTier,
    options: PgQueueFeedOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.stopListening === undefined) {
      this.stopListening = this.tier.listen(QUEUE_CHANNEL, () => {
        this.dispatch();
      });
      this.pollTimer = setInterval(() => {
        this.dispatch();
      }, this.pollIntervalMs).unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.stopListening?.();
      this.stopListening = undefined;
      clearInterval(this.pollTimer);
    };
  }

  notify(): void {
    this.dispatch();
  }

  /** Calls every listener once on the next turn of the event loop, however many changes came meanwhile. */
  private dispatch(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    setImmediate(() => {
      this.dispatchPending = false;
      for (const listener of [...this.listeners]) listener();
    });
  }
}
