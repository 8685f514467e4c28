import type { ChangeFeed } from '../../queue/change-feed.js';
import type { SqliteConnection } from './connection.js';

/**
 * Notices commits to the database: by other processes through `PRAGMA data_version`, a
 * counter SQLite bumps on this connection when another connection commits (a read of a few
 * microseconds, no lock), checked every `intervalMs`; by this process through `notify()`.
 * Workers subscribe to learn of new jobs within tens of milliseconds instead of polling the
 * queue itself every second.
 */
export class DatabaseChangeWatcher implements ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private readonly dataVersion;
  private lastVersion = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    connection: SqliteConnection,
    private readonly intervalMs = 25,
  ) {
    this.dataVersion = connection.database.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /** Calls `listener` after each change; returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      this.lastVersion = this.dataVersion.get()!;
      this.timer = setInterval(() => {
        this.check();
      }, this.intervalMs).unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Tells the listeners of a change made by this process (which data_version does not count). */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  private check(): void {
    let version: number;
    try {
      version = this.dataVersion.get()!;
    } catch {
      return; // busy or closing: the next tick looks again
    }
    if (version === this.lastVersion) return;
    this.lastVersion = version;
    this.notify();
  }
}
