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

/**
 * The worker checkpoints once the write-ahead log file is larger than this, and every
 * datacache connection sets it as its `journal_size_limit`: after a checkpoint the next writer
 * cuts the file back to this size. Without that the file stays at its high-water mark (a
 * RESTART checkpoint reuses the file, it does not shrink it), and the worker, judging by the
 * file's size, checkpointed every 100 ms forever, taking the write lock from every process each
 * time (found by the torture suite: ten checkpoints a second on an idle cache).
 */
export const CHECKPOINT_THRESHOLD_BYTES = 4 * 1024 * 1024;

export interface CheckpointerOptions {
  /** Checkpoint once the write-ahead log is larger than this. Default and minimum `CHECKPOINT_THRESHOLD_BYTES` (SQLite's own default is 1000 pages). */
  thresholdBytes?: number;
  /** Reset the log to zero bytes once it is larger than this (readers in other processes can starve checkpoints). */
  truncateBytes?: number;
  /** How often the worker looks at the log size. */
  intervalMs?: number;
  /** Called after every checkpoint, when the worker has let go of the write lock. */
  onCheckpointed?: () => void;
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
const walFile = () => { try { const { size, mtimeMs } = statSync(walPath); return { size, mtimeMs }; } catch { return { size: 0, mtimeMs: 0 }; } };
// The log file's modification time when a checkpoint last copied all of it: unchanged since, nothing is new.
let copiedUpTo = -1;
const checkpoint = (mode) => {
  try {
    const [row] = database.pragma('wal_checkpoint(' + mode + ')');
    return { complete: row.busy === 0 && row.log === row.checkpointed, logFrames: row.log, checkpointedFrames: row.checkpointed };
  } catch (error) {
    return { error: String(error) };
  }
};
const timer = setInterval(() => {
  const before = walFile();
  if (before.size > workerData.thresholdBytes && before.mtimeMs !== copiedUpTo) {
    const result = checkpoint(before.size > workerData.truncateBytes ? 'TRUNCATE' : 'RESTART');
    if (result.error) parentPort.postMessage({ type: 'error', error: result.error });
    else parentPort.postMessage({ type: 'done' });
    if (result.complete) copiedUpTo = before.mtimeMs;
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
  type: 'result' | 'error' | 'done';
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

  private constructor(worker: Worker, logger: Logger, onCheckpointed: () => void) {
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'error') onCheckpointed();
      if (message.type === 'done') return;
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
        thresholdBytes: Math.max(options.thresholdBytes ?? CHECKPOINT_THRESHOLD_BYTES, CHECKPOINT_THRESHOLD_BYTES),
        truncateBytes: options.truncateBytes ?? 64 * 1024 * 1024,
        intervalMs: options.intervalMs ?? 100,
      },
      // Keep the worker lean: it needs none of the application's command-line flags.
      execArgv: [],
    });
    return new WalCheckpointer(worker, logger, options.onCheckpointed ?? (() => undefined));
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
