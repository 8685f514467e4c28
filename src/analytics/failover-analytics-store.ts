import { isDatabaseFault } from '../errors.js';
import type { MinuteCounts } from './analytics-recorder.js';
import type { AnalyticsRows, AnalyticsStore, LatencyCount, QueueDepth } from './analytics-store.js';

/**
 * The shared tier's analytics, with the machine's own behind them: counts go to the shared
 * tier while it answers and to the machine's database while it does not (so an outage costs
 * the shared report those minutes, not the counts); reports come from the shared tier when it
 * answers.
 */
export class FailoverAnalyticsStore implements AnalyticsStore {
  constructor(
    private readonly shared: AnalyticsStore,
    private readonly local: AnalyticsStore,
    private readonly sharedAvailable: () => boolean,
  ) {}

  add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void> {
    return this.either((store) => store.add(counts, latencies, pruneBefore));
  }

  hasQueueDepth(minute: number): Promise<boolean> {
    return this.either((store) => store.hasQueueDepth(minute));
  }

  addQueueDepth(minute: number, depth: readonly QueueDepth[]): Promise<void> {
    return this.either((store) => store.addQueueDepth(minute, depth));
  }

  read(sinceMs: number): Promise<AnalyticsRows> {
    return this.either((store) => store.read(sinceMs));
  }

  /** The shared tier's answer while it answers, else the machine's. */
  private async either<T>(work: (store: AnalyticsStore) => Promise<T>): Promise<T> {
    if (this.sharedAvailable()) {
      try {
        return await work(this.shared);
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
      }
    }
    return work(this.local);
  }
}
