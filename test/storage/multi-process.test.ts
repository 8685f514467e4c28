import Database from 'better-sqlite3';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DatabaseBusyError, DataStorage } from '../../src/index.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { closeAfterTest, openTestStorage, request, TWO_TIER } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { describeStoredValue, expectedValue } from '../fixtures/worker-values.js';

interface WorkerReport {
  stored: number;
  read: number;
  hits: number;
  wrong: number;
  errors: string[];
  ownFinal: Record<string, number>;
}

async function runWorkers(cacheDir: string, workers: number, iterations: number, maxSizeBytes?: number): Promise<WorkerReport[]> {
  const extra = maxSizeBytes === undefined ? [] : [String(maxSizeBytes)];
  const results = await Promise.all(
    Array.from({ length: workers }, (_, worker) =>
      runTypeScript('../fixtures/storage-worker.ts', [cacheDir, String(worker), String(iterations), ...extra], { timeoutMs: 120_000 }),
    ),
  );
  return results.map((result) => lastJsonLine<WorkerReport>(result));
}

async function blobFileCount(cacheDir: string): Promise<number> {
  const files = await readdir(join(cacheDir, 'blobs'), { recursive: true, withFileTypes: true }).catch(() => []);
  return files.filter((file) => file.isFile()).length;
}

// These child processes open the cache directory alone (no shared tier), so the two-tier run
// would repeat exactly the one-tier run's work: they run once.
describe.skipIf(TWO_TIER)('several processes sharing one cache directory', () => {
  it('store and read at once without errors, lost writes, torn data or orphans', async () => {
    const cacheDir = await temporaryDirectory();
    const reports = await runWorkers(cacheDir, 4, 150);
    for (const report of reports) {
      expect(report.errors).toEqual([]);
      expect(report.wrong).toBe(0);
      expect(report.stored).toBe(300);
      expect(report.hits).toBeGreaterThan(0);
    }

    const clock = new ManualClock(Date.now() + 3_600_000); // every file is past the orphan grace period
    const storage = closeAfterTest(await DataStorage.open({ cacheDir, clock, maintenanceIntervalSeconds: 0 }));
    const database = new Database(storage.databasePath, { readonly: true });
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    const urls = database.prepare('SELECT url FROM entries').pluck().all() as string[];
    const filesInRows = database.prepare('SELECT count(*) FROM entries WHERE file_path IS NOT NULL').pluck().get() as number;
    database.close();

    // Every row is readable and holds exactly what some worker wrote for that URL.
    expect(urls).toHaveLength(4 * 20 + 10);
    for (const url of urls) {
      const entry = await storage.retrieveByUrl(url);
      expect(entry, url).not.toBeNull();
      expect(describeStoredValue(url, entry!.data), url).toBeDefined();
    }
    // No write was lost: each worker's own URLs hold its last value.
    for (const [worker, report] of reports.entries()) {
      for (const [url, iteration] of Object.entries(report.ownFinal)) {
        const entry = await storage.retrieveByUrl(url);
        expect(describeStoredValue(url, entry!.data)).toEqual({ worker, iteration });
      }
    }
    const report = await storage.runMaintenance();
    expect(report.orphanRowsRemoved).toBe(0);
    expect(await blobFileCount(cacheDir)).toBe(filesInRows);
  });

  it('keep the cache within one shared byte budget', async () => {
    const cacheDir = await temporaryDirectory();
    const budget = 400_000;
    const reports = await runWorkers(cacheDir, 4, 60, budget);
    for (const report of reports) expect(report.errors).toEqual([]);
    const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, maxSizeBytes: budget }));
    const stats = await storage.stats();
    expect(stats.bytes).toBeLessThanOrEqual(budget);
    expect(stats.entries).toBeGreaterThan(0);
  });
});

describe.skipIf(TWO_TIER)('several processes opening a brand-new cache directory at once', () => {
  // Until the first of them has switched the new file to WAL, readers can find it locked;
  // before that was retried, about 1 open in 13 failed here.
  it('all succeed, every round', async () => {
    for (let round = 0; round < 3; round++) {
      const cacheDir = await temporaryDirectory();
      const results = await Promise.all(Array.from({ length: 8 }, () => runTypeScript('../fixtures/open-and-store.ts', [cacheDir])));
      for (const result of results) expect(result.stdout.trim(), result.stderr).toBe('ok');
      const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }));
      expect((await storage.stats()).entries).toBe(8);
    }
  });
});

describe('another process holding the write lock', () => {
  it('makes stores wait without blocking the event loop, while reads go on', async () => {
    const { storage } = await openTestStorage();
    await storage.store(request({ url: 'k:existing' }));
    const holder = startTypeScript('../fixtures/hold-write-lock.ts', [storage.databasePath, '1500']);
    await holder.printed('locked');

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const read = await storage.retrieveByUrl('k:existing'); // WAL readers do not wait for writers
    expect(read).not.toBeNull();
    const storing = storage.store(request({ url: 'k:new' }));
    await holder.printed('released');
    await storing;
    clearInterval(ticker);
    // 1.5 s of waiting at 10 ms per tick: a blocked event loop would have ticked once or twice.
    expect(ticks).toBeGreaterThan(30);
    expect(await storage.retrieveByUrl('k:new')).not.toBeNull();
    expect((await holder.exited).code).toBe(0);
  });

  it('fails with DatabaseBusyError after lockTimeoutMs, storing nothing, and works once the lock is gone', async () => {
    const { storage } = await openTestStorage({ lockTimeoutMs: 300 });
    const holder = startTypeScript('../fixtures/hold-write-lock.ts', [storage.databasePath, '3000']);
    await holder.printed('locked');
    const error = await storage.store(request({ url: 'k:late' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect((error as Error).message).toMatch(/stayed locked by another process/);
    holder.kill();
    await holder.exited;
    expect(await storage.retrieveByUrl('k:late')).toBeNull();
    await storage.store(request({ url: 'k:late' }));
    expect(await storage.retrieveByUrl('k:late')).not.toBeNull();
  });
});

describe("writes waiting for another process's lock", () => {
  // One tier only: with a shared tier a store also waits for PostgreSQL, so completions follow
  // those round trips as well as the SQLite lock's queue.
  it.skipIf(TWO_TIER)('wait in line and complete in the order they were made', async () => {
    const { storage } = await openTestStorage();
    const holder = startTypeScript('../fixtures/hold-write-lock.ts', [storage.databasePath, '1000']);
    await holder.printed('locked');
    const finished: number[] = [];
    const stores: Promise<void>[] = [];
    for (let index = 0; index < 30; index++) {
      stores.push(storage.store(request({ url: `k:in-line-${String(index)}` })).then(() => { finished.push(index); }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(stores);
    // Polling on their own, with jittered sleeps, they finished in a shuffled order.
    expect(finished).toEqual([...Array(30).keys()]);
    expect((await holder.exited).code).toBe(0);
  });

  it('each give up at their own lockTimeoutMs, not when the first in line does', async () => {
    const { storage } = await openTestStorage({ lockTimeoutMs: 300 });
    const holder = startTypeScript('../fixtures/hold-write-lock.ts', [storage.databasePath, '3000']);
    await holder.printed('locked');
    let released = false;
    void holder.printed('released').then(() => { released = true; }, () => undefined); // killed below: never printed
    const outcomes: Promise<unknown>[] = [];
    for (let index = 0; index < 5; index++) {
      outcomes.push(storage.store(request({ url: `k:give-up-${String(index)}` })).catch((error: unknown) => error));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const errors = await Promise.all(outcomes);
    expect(released).toBe(false);
    for (const error of errors) expect(error).toBeInstanceOf(DatabaseBusyError);
    holder.kill();
    await holder.exited;
    await storage.store(request({ url: 'k:after-the-line' }));
    expect(await storage.retrieveByUrl('k:after-the-line')).not.toBeNull();
  });
});

describe('the worker values used above', () => {
  it('tell a correct value from a torn or foreign one', () => {
    const value = expectedValue('https://a', 1, 7, true);
    expect(describeStoredValue('https://a', value)).toEqual({ worker: 1, iteration: 7 });
    expect(describeStoredValue('https://b', value)).toBeUndefined();
    expect(describeStoredValue('https://a', value.subarray(0, value.length - 1))).toBeUndefined();
    const flipped = Buffer.from(value);
    flipped[flipped.length - 10] = 0;
    expect(describeStoredValue('https://a', flipped)).toBeUndefined();
  });
});
