import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { DatabaseBusyError, StorageWriteError } from '../../errors.js';
import { isBusyError, translateSqliteError } from './sqlite-errors.js';
import { CHECKPOINT_THRESHOLD_BYTES } from './wal-checkpointer.js';

export interface ConnectionOptions {
  /**
   * How long SQLite itself may wait for a lock, synchronously, before giving the wait back
   * to us. Kept to a few milliseconds: a longer wait would freeze the caller's event loop.
   */
  busyTimeoutMs: number;
  /** How long we keep retrying, asynchronously, before giving up with `DatabaseBusyError`. */
  lockTimeoutMs: number;
}

/**
 * One long-lived better-sqlite3 connection with the settings every datacache connection
 * needs, and the two ways we use it:
 *
 * - `read(…)` runs a query at once and returns its result synchronously; only when another
 *   process holds a lock does it return a Promise that retries with jittered backoff;
 * - `write(…)` runs a function inside `BEGIN IMMEDIATE` (the write lock taken up front, so a
 *   read-then-write never fails half-way with SQLITE_BUSY), with the same retry.
 *
 * A connection per operation measured about 11x slower per lookup, and reusing one avoids
 * the file-descriptor exhaustion other SQLite caches hit.
 */
export class SqliteConnection {
  /** @internal */
  readonly database: Database.Database;
  readonly path: string;
  private readonly lockTimeoutMs: number;
  /** The database file's identity when opened: a file deleted or replaced since is not ours to write. */
  private inode: number | undefined;
  private fileCheckedAt = 0;
  private fileGone = false;
  /** Writes of this process waiting for another process's write lock (see `write`). */
  private writesInLine = 0;
  private lineTail: Promise<void> = Promise.resolve();
  /** Wakes the operations sleeping between attempts at a lock. */
  private readonly sleepers = new Set<() => void>();

  constructor(path: string, options: ConnectionOptions) {
    this.path = path;
    this.lockTimeoutMs = options.lockTimeoutMs;
    this.database = new Database(path, { timeout: options.busyTimeoutMs });
    this.inode = fileIdentity(path);
  }

  /** Per-connection settings; `journal_mode=WAL` also persists in the file. */
  async configure(): Promise<void> {
    await this.retryWhileBusy('opening the cache', true, () => {
      // Must come before the first table is created; a no-op on an existing database.
      this.database.pragma('auto_vacuum = INCREMENTAL');
      this.database.pragma('journal_mode = WAL');
    }, 'try now');
    this.database.pragma('synchronous = NORMAL');
    this.database.pragma('foreign_keys = ON');
    this.database.pragma('temp_store = MEMORY');
    this.database.pragma('cache_size = -16000'); // 16 MB of page cache for this connection
    // Cut the log file back after each checkpoint, so its size tells the checkpoint worker how much is new.
    this.database.pragma(`journal_size_limit = ${String(CHECKPOINT_THRESHOLD_BYTES)}`);
  }

  /** Copies the write-ahead log into the database on this thread (the fallback when no worker can run). */
  checkpointHere(mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE'): { complete: boolean; logFrames: number; checkpointedFrames: number } {
    try {
      const [row] = this.database.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
      return { complete: row !== undefined && row.busy === 0 && row.log === row.checkpointed, logFrames: row?.log ?? 0, checkpointedFrames: row?.checkpointed ?? 0 };
    } catch {
      return { complete: false, logFrames: 0, checkpointedFrames: 0 };
    }
  }

  /**
   * Runs a read. Returns the value itself when no lock is in the way (the usual case: WAL
   * readers do not wait for writers), or a Promise when it had to wait.
   */
  read<T>(operation: string, query: () => T): T | Promise<T> {
    try {
      return query();
    } catch (error) {
      if (isBusyError(error)) return this.retryWhileBusy(operation, false, query, 'wait first');
      throw translateSqliteError(error, operation, this.path, false);
    }
  }

  /**
   * Runs `body` in a `BEGIN IMMEDIATE` transaction, retrying while another process holds the
   * write lock. While this process's writes wait for that lock they wait in line, in the order
   * they came, and only the first of them polls it: every poll can cost the event loop SQLite's
   * busy timeout, and 40 writes polling on their own kept a live process's event loop blocked
   * most of the time while another process held the lock for 3 s (the torture suite's
   * database-faults scenario: event-loop p99 23-165 ms, 4-15 ms with the line). The line is
   * also fair: 100 concurrent stores behind checkpoints waited up to 2-4 s when newcomers could
   * overtake waiters, 0.1-0.5 s in line.
   */
  async write<T>(operation: string, body: () => T): Promise<T> {
    this.assertFileStillOurs(operation);
    const transaction = this.database.transaction(body);
    if (this.writesInLine === 0) {
      try {
        return transaction.immediate();
      } catch (error) {
        if (!isBusyError(error)) throw translateSqliteError(error, operation, this.path, true);
      }
      return this.waitInLine(operation, () => transaction.immediate(), 'wait first');
    }
    return this.waitInLine(operation, () => transaction.immediate(), 'try now');
  }

  /** Waits behind this process's earlier waiting writes, then for the lock itself. */
  private async waitInLine<T>(operation: string, attempt: () => T, start: 'try now' | 'wait first'): Promise<T> {
    const started = performance.now();
    const ahead = this.lineTail;
    let leave!: () => void;
    const turnDone = new Promise<void>((resolve) => { leave = resolve; });
    this.lineTail = turnDone;
    this.writesInLine += 1;
    try {
      await ahead;
      return await this.retryWhileBusy(operation, true, attempt, start, started);
    } finally {
      this.writesInLine -= 1;
      leave();
    }
  }

  /**
   * Refuses to write once the database file has been deleted or replaced under us (someone
   * removed the cache directory): SQLite would go on writing into the unlinked file, where no
   * other process and no restart would ever see it, while the other processes start a new cache.
   * Reads still answer from what this connection holds. Checked at most once a second.
   */
  private assertFileStillOurs(operation: string): void {
    const now = Date.now();
    if (!this.fileGone && now - this.fileCheckedAt >= 1000) {
      this.fileCheckedAt = now;
      const identity = fileIdentity(this.path);
      // A connection whose file could not be identified at open (an in-memory one) is never judged.
      this.fileGone = this.inode !== undefined && identity !== this.inode;
    }
    if (this.fileGone) {
      throw new StorageWriteError(
        `${operation}: the cache database ${this.path} was deleted or replaced while open; nothing more can be stored by this process. ` +
          'Reopen the cache (restart the application) to use the new one; until then answers come from what was cached and from fetches',
        undefined,
        'gone',
      );
    }
  }

  /**
   * Says the write lock may be free now: our own checkpoint thread has just let go of it. The
   * operations waiting for it try again at once instead of sleeping out their backoff (a
   * checkpoint holds the lock 10-30 ms; the backoff overshot it by up to 16 ms every time).
   */
  lockMayBeFree(): void {
    for (const wake of this.sleepers) wake();
  }

  close(): void {
    if (this.database.open) this.database.close();
  }

  /** A sleep that `lockMayBeFree` cuts short. */
  private sleepUnlessWoken(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, milliseconds);
      this.sleepers.add(wake);
    });
  }

  private async retryWhileBusy<T>(
    operation: string,
    writing: boolean,
    body: () => T,
    start: 'try now' | 'wait first',
    started = performance.now(),
  ): Promise<T> {
    let delayMs = 2;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || start === 'wait first') {
        // Full jitter: processes that collided do not collide again in step.
        await this.sleepUnlessWoken(delayMs / 2 + Math.random() * (delayMs / 2));
        // Capped low: SQLite has no queue for its lock, so a waiter that sleeps long loses the
        // lock to busy writers again and again (a store under four full-speed writers waited
        // 0.8 s at p99 with a 100 ms cap).
        delayMs = Math.min(delayMs * 2, 16);
      }
      try {
        return body();
      } catch (error) {
        if (!isBusyError(error)) throw translateSqliteError(error, operation, this.path, writing);
        const waited = performance.now() - started;
        if (waited >= this.lockTimeoutMs) throw new DatabaseBusyError(operation, waited, error);
      }
    }
  }
}

/** The file's inode, or undefined when it is not there. */
function fileIdentity(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}
