/**
 * What wakes a worker, or a caller waiting for another process's fetch: a change to the queue
 * or the cache made by this process (`notify`) or by any other (each backend has its way of
 * hearing of those: SQLite's data_version counter, PostgreSQL's LISTEN/NOTIFY).
 */
export interface ChangeFeed {
  /** Calls `listener` after each change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
  /** Tells the listeners of a change made by this process. */
  notify(): void;
}

/**
 * Several feeds as one: a listener hears of a change from any of them, and `notify` reaches
 * them all. With a shared tier a worker listens to the local cache and the shared one.
 *
 * @example const feed = new MergedChangeFeed([localWatcher, sharedFeed]);
 */
export class MergedChangeFeed implements ChangeFeed {
  constructor(private readonly feeds: readonly ChangeFeed[]) {}

  subscribe(listener: () => void): () => void {
    const stops = this.feeds.map((feed) => feed.subscribe(listener));
    return () => {
      for (const stop of stops) stop();
    };
  }

  notify(): void {
    for (const feed of this.feeds) feed.notify();
  }
}
