import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger.js';

export type CheckpointMode = 'PASSIVE' | 'RESTART' | 'TRUNCATE';

export interface CheckpointResult {
  /** False when another connection was checkpointing or a reader pinned the log. */
  complete: boolean;
  logFrames: number;
  checkpointedFrames: number;
}

export interface CheckpointerOptions {
  /** Checkpoint once the write-ahead log is larger than this. Default 4 MiB (SQLite's own default is 1000 pages). */
  thresholdBytes?: number;
  /** Reset the log to zero bytes once it is larger than this (readers in other processes can starve checkpoints). */
  truncateBytes?: number;
  /** How often the worker looks at the log size. */
  intervalMs?: number;
}

/**
 * The worker's program. CommonJS run with `eval: true`, because a worker file in TypeScript
 * would not load under every loader datacache runs in (tsx, vitest, compiled `dist/`); the
 * driver's path is resolved by the main thread and passed in.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driverPath);
const database = new Database(workerData.databasePath, { timeout: 1000 });
database.pragma('wal_autocheckpoint = 0');
const walPath = workerData.databasePath + '-wal';
const walBytes = () => { try { return statSync(walPath).size; } catch { return 0; } };
const checkpoint = (mode) => {
  try {
    const [row] = database.pragma('wal_checkpoint(' + mode + ')');
    return { complete: row.busy === 0 && row.log === row.checkpointed, logFrames: row.log, checkpointedFrames: row.checkpointed };
  } catch (error) {
    return { error: String(error) };
  }
};
const timer = setInterval(() => {
  const bytes = walBytes();
  if (bytes > workerData.thresholdBytes) {
    const result = checkpoint(bytes > workerData.truncateBytes ? 'TRUNCATE' : 'RESTART');
    if (result.error) parentPort.postMessage({ type: 'error', error: result.error });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message.type === 'checkpoint') {
    parentPort.postMessage({ type: 'result', id: message.id, result: checkpoint(message.mode) });
  } else if (message.type === 'close') {
    clearInterval(timer);
    try { database.close(); } catch (error) { parentPort.postMessage({ type: 'error', error: String(error) }); }
    parentPort.close();
  }
});
`;

interface WorkerMessage {
  type: 'result' | 'error';
  id?: number;
  result?: CheckpointResult & { error?: string };
  error?: string;
}

/**
 * Copies the write-ahead log into the database from a worker thread with its own connection.
 *
 * SQLite normally checkpoints inside whichever commit pushes the log past 1000 pages, on the
 * committing thread, with an fsync: measured here at 10 ms in a quiet moment and up to 260 ms
 * when the shared disk was busy, a stall on the caller's event loop. So datacache turns that
 * off for its connection (`wal_autocheckpoint = 0`) and this worker checkpoints instead, in
 * RESTART mode: it holds the write lock while it copies and syncs, so writers meanwhile get
 * SQLITE_BUSY and wait asynchronously (no stall), and then the log starts over from its
 * beginning. PASSIVE checkpoints from a second connection never block writers, but under
 * steady writes they never complete either, and the log grew past 900 MB in 3 s in a test.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (result: CheckpointResult) => void>();
  private nextId = 1;
  private closed: Promise<void> | undefined;
  private exited = false;

  private constructor(worker: Worker, logger: Logger) {
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') {
        logger.warn('datacache: a background WAL checkpoint failed', { error: message.error });
        return;
      }
      const settle = this.pending.get(message.id ?? 0);
      this.pending.delete(message.id ?? 0);
      if (this.pending.size === 0) worker.unref();
      const result = message.result ?? { complete: false, logFrames: 0, checkpointedFrames: 0 };
      if (result.error !== undefined) logger.warn('datacache: a WAL checkpoint failed', { error: result.error });
      settle?.({ complete: result.complete, logFrames: result.logFrames, checkpointedFrames: result.checkpointedFrames });
    });
    worker.on('error', (error) => {
      logger.error('datacache: the WAL checkpoint worker stopped', { error: String(error) });
      this.settleAll();
    });
    worker.on('exit', () => {
      this.exited = true;
      this.settleAll();
    });
  }

  /** Starts the worker for a database that is already in WAL mode. */
  static start(databasePath: string, logger: Logger, options: CheckpointerOptions = {}): WalCheckpointer {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        databasePath,
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        thresholdBytes: options.thresholdBytes ?? 4 * 1024 * 1024,
        truncateBytes: options.truncateBytes ?? 64 * 1024 * 1024,
        intervalMs: options.intervalMs ?? 100,
      },
      // Keep the worker lean: it needs none of the application's command-line flags.
      execArgv: [],
    });
    return new WalCheckpointer(worker, logger);
  }

  /** Checkpoints now, off the main thread, and reports whether the whole log was copied. */
  checkpoint(mode: CheckpointMode): Promise<CheckpointResult> {
    if (this.closed) return Promise.resolve({ complete: false, logFrames: 0, checkpointedFrames: 0 });
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ type: 'checkpoint', id, mode });
    });
  }

  /** Closes the worker's connection and waits for the thread to end. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      // A worker that has already stopped (it failed, or its file went away) sends no second exit.
      if (this.exited) {
        resolve();
        return;
      }
      this.worker.once('exit', () => {
        resolve();
      });
      // Held by the event loop while we wait, or a process ending in `await close()` would
      // exit with that promise unsettled.
      this.worker.ref();
      this.worker.postMessage({ type: 'close' });
      // A worker whose connection cannot close (its file deleted under it) must not hold close() forever.
      setTimeout(() => void this.worker.terminate().then(() => { resolve(); }), 5000).unref();
    });
    return this.closed;
  }

  private settleAll(): void {
    for (const settle of this.pending.values()) settle({ complete: false, logFrames: 0, checkpointedFrames: 0 });
    this.pending.clear();
  }
}
