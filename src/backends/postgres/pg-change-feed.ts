import type { ChangeFeed } from '../../queue/change-feed.js';
import { ENTRIES_CHANNEL } from './pg-entry-store.js';
import { QUEUE_CHANNEL } from './pg-queue-sql.js';
import type { PostgresTier } from './postgres-tier.js';

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
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly tier: PostgresTier) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      // A burst of notifications (10,000 jobs queued at once) calls the listeners once.
      const wake = (): void => {
        this.pending ??= setImmediate(() => {
          this.pending = undefined;
          this.notify();
        });
      };
      this.stops = [this.tier.listen(QUEUE_CHANNEL, wake), this.tier.listen(ENTRIES_CHANNEL, wake), this.tier.onAvailability((available) => { if (available) wake(); })];
      this.timer = setInterval(wake, FALLBACK_POLL_MS).unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        for (const stop of this.stops.splice(0)) stop();
        clearInterval(this.timer);
        clearImmediate(this.pending);
        this.timer = undefined;
        this.pending = undefined;
      }
    };
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
