import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnalyticsStore, QueueDepth } from './analytics-store.js';

export interface QueueDepthSamplerOptions {
  clock: Clock;
  logger: Logger;
  /** How often to look whether this minute still needs a sample. Default 10 s; 0 for no timer (sample() by hand). */
  checkIntervalMs?: number;
}

const MINUTE = 60_000;

/**
 * Samples the queue's depth once a minute into the analytics, for the dashboard's "queue over
 * time" chart. Every process with a client looks every few seconds; the first to find the
 * minute unsampled counts the queue (the counts cost little: SQLite keeps them in a table,
 * PostgreSQL counts on the server) and writes the sample, so a machine or station writes one
 * sample a minute however many processes it runs. The depth is a level, not a count of
 * events, so it is sampled rather than added up like the other analytics.
 *
 * @example
 * const sampler = new QueueDepthSampler(store, async () => [{ provider: 'musicbrainz', pending: 40, running: 1, failed: 0 }], { clock, logger });
 * await sampler.sample(); // true: this process took this minute's sample
 */
export class QueueDepthSampler {
  private readonly timer: NodeJS.Timeout | undefined;
  private lastMinute = -1;
  private sampling: Promise<boolean> | undefined;

  constructor(
    private readonly store: AnalyticsStore,
    /** The queue's jobs by provider now. */
    private readonly depth: () => Promise<readonly QueueDepth[]>,
    private readonly options: QueueDepthSamplerOptions,
  ) {
    const interval = options.checkIntervalMs ?? 10_000;
    if (interval > 0) this.timer = setInterval(() => void this.sample(), interval).unref();
  }

  /**
   * Samples this minute unless this or another process already has; true when this call took
   * the sample (a process sampling at the same moment may still have won). Never throws: a
   * failed sample is logged and skipped.
   */
  sample(): Promise<boolean> {
    this.sampling ??= this.sampleOnce().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  /** Stops the timer; a sample under way finishes. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  private async sampleOnce(): Promise<boolean> {
    const minute = Math.floor(this.options.clock.now() / MINUTE) * MINUTE;
    if (minute === this.lastMinute) return false;
    try {
      if (await this.store.hasQueueDepth(minute)) {
        this.lastMinute = minute;
        return false;
      }
      const byProvider = (await this.depth()).filter((row) => row.pending + row.running + row.failed > 0);
      const whole: QueueDepth = { provider: '', pending: 0, running: 0, failed: 0 };
      for (const row of byProvider) {
        whole.pending += row.pending;
        whole.running += row.running;
        whole.failed += row.failed;
      }
      await this.store.addQueueDepth(minute, [whole, ...byProvider]);
      this.lastMinute = minute;
      return true;
    } catch (error) {
      // Like the other analytics: worth less than the cache, so dropped, not retried at once.
      this.options.logger.warn('datacache: could not sample the queue depth; this minute is left out', { error: String(error) });
      return false;
    }
  }
}
