import Database from 'better-sqlite3';
import { mkdir, readdir, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DataStorage, type Logger } from '../../src/index.js';
import { closeAfterTest, filePathOf, openTestStorage, request, TWO_TIER } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';


async function allFiles(cacheDir: string): Promise<string[]> {
  const files = await readdir(join(cacheDir, 'blobs'), { recursive: true, withFileTypes: true }).catch(() => []);
  return files.filter((file) => file.isFile()).map((file) => join(file.parentPath, file.name).slice(cacheDir.length + 1));
}

async function makeOld(path: string): Promise<void> {
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await utimes(path, anHourAgo, anHourAgo);
}

describe('runMaintenance', () => {
  // One tier only: the test moves a manual clock days ahead, and the shared tier keeps the server's time
  // (an entry deleted here is still fresh there, and rightly answered from it).
  it.skipIf(TWO_TIER)('deletes entries expired longer than the stale-retention period, and keeps younger stale ones', async () => {
    const { storage, clock, cacheDir } = await openTestStorage({ staleRetentionSeconds: 60 });
    await storage.store(request({ url: 'k:long-gone', value: Buffer.alloc(20_000), ttlSeconds: 10 }));
    clock.advance(30_000);
    await storage.store(request({ url: 'k:recently-expired', ttlSeconds: 10 }));
    await storage.store(request({ url: 'k:fresh', ttlSeconds: 3600 }));
    clock.advance(50_000); // long-gone expired 70 s ago, recently-expired 40 s ago
    const report = await storage.runMaintenance();
    expect(report).toMatchObject({ expiredRemoved: 1, completed: true });
    expect(await storage.retrieveByUrl('k:long-gone', { allowStale: true })).toBeNull();
    expect(await storage.retrieveByUrl('k:recently-expired', { allowStale: true })).toMatchObject({ stale: true });
    expect(await storage.retrieveByUrl('k:fresh')).not.toBeNull();
    expect(await allFiles(cacheDir)).toEqual([]);
  });

  it('removes rows whose file is gone and old files that no row names, in both directions', async () => {
    const { storage, cacheDir } = await openTestStorage({ orphanGraceSeconds: 900 });
    await storage.store(request({ url: 'k:kept', value: Buffer.alloc(20_000, 1) }));
    await storage.store(request({ url: 'k:file-deleted', value: Buffer.alloc(20_000, 2) }));
    await unlink(join(cacheDir, filePathOf(storage.databasePath, 'k:file-deleted')));
    // A file no row names, old; another, young (a store in progress); an old temporary file.
    const oldOrphan = 'blobs/ab/cd/' + 'ab'.repeat(32) + '-000000000001';
    const youngOrphan = 'blobs/ab/cd/' + 'ab'.repeat(32) + '-000000000002';
    const oldTemporary = 'blobs/tmp/0123456789abcdef.tmp';
    await mkdir(join(cacheDir, 'blobs/ab/cd'), { recursive: true });
    await mkdir(join(cacheDir, 'blobs/tmp'), { recursive: true });
    for (const path of [oldOrphan, youngOrphan, oldTemporary]) await writeFile(join(cacheDir, path), 'orphan');
    await makeOld(join(cacheDir, oldOrphan));
    await makeOld(join(cacheDir, oldTemporary));

    const report = await storage.runMaintenance();
    expect(report).toMatchObject({ orphanRowsRemoved: 1, orphanFilesRemoved: 2 });
    const files = await allFiles(cacheDir);
    expect(files.sort()).toEqual([filePathOf(storage.databasePath, 'k:kept'), youngOrphan].sort());
    expect(await storage.retrieveByUrl('k:kept')).not.toBeNull();
    expect((await storage.stats()).entries).toBe(1);
  });

  it('enforces the budget, vacuums free pages and checkpoints the write-ahead log', async () => {
    const { storage } = await openTestStorage();
    for (let index = 0; index < 400; index++) {
      await storage.store(request({ url: `k:${index}`, value: Buffer.alloc(8000, index % 256) }));
    }
    await storage.purge({ all: true });
    const report = await storage.runMaintenance();
    expect(report.vacuumedPages).toBeGreaterThan(100);
    expect(report.walCheckpointed).toBe(true);
    const database = new Database(storage.databasePath, { readonly: true });
    expect(database.pragma('freelist_count', { simple: true })).toBe(0);
    database.close();
  });

  it('stops between chunks when the storage closes, and the next run finishes the work', async () => {
    const { storage, clock, cacheDir } = await openTestStorage({ staleRetentionSeconds: 0 });
    for (let index = 0; index < 1000; index++) await storage.store(request({ url: `k:${index}`, ttlSeconds: 1 }));
    clock.advance(2000);
    const running = storage.runMaintenance();
    await storage.close();
    const interrupted = await running;
    expect(interrupted.completed).toBe(false);
    expect(interrupted.expiredRemoved).toBeLessThan(1000);

    const reopened = closeAfterTest(await DataStorage.open({ cacheDir, clock, maintenanceIntervalSeconds: 0, staleRetentionSeconds: 0 }));
    const finished = await reopened.runMaintenance();
    expect(finished.completed).toBe(true);
    expect(interrupted.expiredRemoved + finished.expiredRemoved).toBe(1000);
    expect((await reopened.stats()).entries).toBe(0);
  });
});

describe('runMaintenance while a pass is running', () => {
  function readMeta(databasePath: string, key: string): number {
    const database = new Database(databasePath, { readonly: true });
    try {
      return Number(database.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key));
    } finally {
      database.close();
    }
  }

  it('waits for it, then resolves with a pass that started after the call; callers waiting together share that pass', async () => {
    let passes = 0;
    const ignore = (): void => undefined;
    const logger: Logger = { debug: ignore, warn: ignore, error: ignore, info: (message) => { if (message.includes('maintenance finished')) passes++; } };
    const { storage, clock } = await openTestStorage({ logger });
    const settled: string[] = [];
    const running = storage.runMaintenance().then((report) => { settled.push('running'); return report; });
    // Whatever the caller changed before asking (here, the time) must be seen by the pass it gets.
    clock.advance(60_000);
    const askedAt = clock.now();
    const [first, second] = [storage.runMaintenance(), storage.runMaintenance()].map((pending) =>
      pending.then((report) => { settled.push('asked'); return report; }),
    );
    const [runningReport, firstReport, secondReport] = await Promise.all([running, first!, second!]);
    expect(settled).toEqual(['running', 'asked', 'asked']);
    expect(firstReport).not.toBe(runningReport);
    expect(secondReport).toBe(firstReport);
    expect(firstReport.completed).toBe(true);
    expect(readMeta(storage.databasePath, 'maintenance.started_at')).toBe(askedAt);
    expect(passes).toBe(2);
    // With nothing running, a call runs a pass of its own at once.
    const alone = await storage.runMaintenance();
    expect(alone).not.toBe(firstReport);
    expect(passes).toBe(3);
  });

  it('an orphan planted after the running pass looked is removed by the pass the caller gets', async () => {
    const { storage, cacheDir } = await openTestStorage({ orphanGraceSeconds: 60 });
    await storage.store(request({ url: 'k:kept', value: Buffer.alloc(20_000, 1) }));
    const running = storage.runMaintenance();
    const orphan = 'blobs/ab/cd/' + 'ab'.repeat(32) + '-000000000009';
    await mkdir(join(cacheDir, 'blobs/ab/cd'), { recursive: true });
    await writeFile(join(cacheDir, orphan), 'orphan');
    await makeOld(join(cacheDir, orphan));
    const asked = await storage.runMaintenance();
    const earlier = await running;
    expect(earlier.orphanFilesRemoved + asked.orphanFilesRemoved).toBe(1);
    expect(await allFiles(cacheDir)).toEqual([filePathOf(storage.databasePath, 'k:kept')]);
  });

  it('a pass asked for when close() comes is not started, and close still finishes', async () => {
    const { storage } = await openTestStorage();
    const running = storage.runMaintenance();
    const asked = storage.runMaintenance();
    await storage.close();
    await expect(running).resolves.toMatchObject({ completed: false });
    expect(await asked).toMatchObject({ completed: false, expiredRemoved: 0, orphanFilesRemoved: 0 });
  });
});

describe('automatic maintenance', () => {
  function countingLogger(): { logger: Logger; runs: () => number } {
    let runs = 0;
    const ignore = (): void => undefined;
    return {
      logger: {
        debug: ignore,
        warn: ignore,
        error: ignore,
        info: (message) => {
          if (message.includes('maintenance finished')) runs++;
        },
      },
      runs: () => runs,
    };
  }

  it('runs on open when the last run by any process is older than the interval', async () => {
    const cacheDir = await temporaryDirectory();
    const clock = new ManualClock(Date.now());
    const counter = countingLogger();
    const open = async (): Promise<DataStorage> => {
      const storage = closeAfterTest(await DataStorage.open({ cacheDir, clock, logger: counter.logger, maintenanceIntervalSeconds: 3600 }));
      await storage.idle();
      return storage;
    };
    const first = await open();
    expect(counter.runs()).toBe(1);
    expect((await first.stats()).lastMaintenanceAt).toBe(clock.now());
    clock.advance(60_000);
    await open(); // ran a minute ago: not due
    expect(counter.runs()).toBe(1);
    clock.advance(3600_000);
    await open();
    expect(counter.runs()).toBe(2);
  });

  it('is claimed by exactly one of several instances opening at once', async () => {
    const cacheDir = await temporaryDirectory();
    const clock = new ManualClock(Date.now());
    const counter = countingLogger();
    const storages = await Promise.all(
      Array.from({ length: 4 }, () => DataStorage.open({ cacheDir, clock, logger: counter.logger, maintenanceIntervalSeconds: 3600 })),
    );
    storages.forEach(closeAfterTest);
    await Promise.all(storages.map((storage) => storage.idle()));
    expect(counter.runs()).toBe(1);
  });
});
