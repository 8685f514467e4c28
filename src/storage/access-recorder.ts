import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { SqliteConnection } from '../backends/sqlite/connection.js';
import type { EntryStatements } from '../backends/sqlite/entry-statements.js';

interface PendingAccess {
  count: number;
  lastAccessed: number;
}

/** A flush writes at most this many rows per transaction (about 1.5 ms), to keep each one short. */
const FLUSH_CHUNK = 250;

/**
 * Collects reads in memory and writes `last_accessed` / `access_count` in batches: making
 * every read a write measured 2.5x slower and adds lock contention between processes. A
 * flush happens `intervalMs` after the first unrecorded read, when `maxPending` URLs are
 * waiting, before eviction (so LRU order is current) and on close.
 *
 * The counts are a hint for eviction; a batch lost to a crash or a failing disk costs only
 * eviction accuracy, so failures are logged, not thrown.
 */
export class AccessRecorder {
  private pending = new Map<string, PendingAccess>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly statements: EntryStatements,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly maxPending = 2000,
  ) {}

  record(url: string, at: number): void {
    const existing = this.pending.get(url);
    if (existing) {
      existing.count++;
      if (at > existing.lastAccessed) existing.lastAccessed = at;
      return;
    }
    this.pending.set(url, { count: 1, lastAccessed: at });
    if (this.pending.size >= this.maxPending) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** Writes everything recorded so far. Safe to call at any time; concurrent calls share the work. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending = new Map();
    this.flushing = this.writeBatch(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async writeBatch(batch: [string, PendingAccess][]): Promise<void> {
    try {
      for (let start = 0; start < batch.length; start += FLUSH_CHUNK) {
        const chunk = batch.slice(start, start + FLUSH_CHUNK);
        await this.connection.write('recording reads', () => {
          for (const [url, access] of chunk) this.statements.recordAccess.run(access.count, access.lastAccessed, url);
        });
        // Each awaited write resolves at once: without a real turn of the event loop the
        // chunks would run back to back, one long stall.
        await yieldToEventLoop();
      }
    } catch (error) {
      this.logger.warn('datacache: could not record cache reads; eviction order may be less accurate', {
        error: String(error),
      });
    }
  }
}
