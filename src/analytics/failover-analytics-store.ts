import { isDatabaseFault } from '../errors.js';
import type { MinuteCounts } from './analytics-recorder.js';
import type { AnalyticsStore, LatencyCount } from './analytics-store.js';

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

  async add(counts: readonly MinuteCounts[], latencies: readonly LatencyCount[], pruneBefore: number | null): Promise<void> {
    if (this.sharedAvailable()) {
      try {
        await this.shared.add(counts, latencies, pruneBefore);
        return;
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
      }
    }
    await this.local.add(counts, latencies, pruneBefore);
  }

  async read(sinceMs: number): Promise<{ rows: MinuteCounts[]; latencies: Omit<LatencyCount, 'minute'>[] }> {
    if (this.sharedAvailable()) {
      try {
        return await this.shared.read(sinceMs);
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
      }
    }
    return this.local.read(sinceMs);
  }
}
