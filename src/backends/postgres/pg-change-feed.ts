import type { ChangeFeed } from '../../queue/change-feed.js';
import { ENTRIES_CHANNEL } from './pg-entry-store.js';
import type { PostgresTier } from './postgres-tier.js';

/** The channel the shared queue announces new and settled jobs on. */
export const QUEUE_CHANNEL = 'datacache_queue';

/** How often listeners are called without a notification, in case one was lost. */
const FALLBACK_POLL_MS = 2000;

/**
 * Hears of changes on the shared tier from every machine: jobs queued or settled and entries
 * stored, through LISTEN/NOTIFY; and, in case a notification is lost (a connection re-made),
 * calls its listeners every couple of seconds anyway, so nothing waits for ever.
 */
export class PgChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private stops: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tier: PostgresTier) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      const wake = (): void => { this.notify(); };
      this.stops = [this.tier.listen(QUEUE_CHANNEL, wake), this.tier.listen(ENTRIES_CHANNEL, wake), this.tier.onAvailability((available) => { if (available) wake(); })];
      this.timer = setInterval(wake, FALLBACK_POLL_MS).unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        for (const stop of this.stops.splice(0)) stop();
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
