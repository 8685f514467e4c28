import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { CHECKPOINT_THRESHOLD_BYTES, WalCheckpointer } from '../../../src/backends/sqlite/wal-checkpointer.js';
import { openTestStorage, request } from '../../helpers/storage.js';

async function walBytes(databasePath: string): Promise<number> {
  return stat(`${databasePath}-wal`).then(
    (details) => details.size,
    () => 0,
  );
}

describe('the background WAL checkpointer', () => {
  it('keeps the write-ahead log bounded under steady writes, with SQLite checkpoints off on the main thread', async () => {
    const { storage } = await openTestStorage();
    const value = 'x'.repeat(12_000);
    let largestWal = 0;
    // 12 rounds of about 4 MB each: without checkpoints the log would pass 48 MB.
    for (let round = 0; round < 12; round++) {
      for (let index = 0; index < 300; index++) await storage.store(request({ url: `k:${round}:${index}`, value }));
      largestWal = Math.max(largestWal, await walBytes(storage.databasePath));
      await sleep(150);
    }
    expect(largestWal).toBeGreaterThan(0);
    expect(largestWal).toBeLessThan(24 * 1024 * 1024);
    expect((await storage.stats()).entries).toBe(12 * 300);
  });

  it('checkpoints when maintenance asks, and lets the last close remove the log', async () => {
    const { storage } = await openTestStorage();
    for (let index = 0; index < 100; index++) await storage.store(request({ url: `k:${index}` }));
    const report = await storage.runMaintenance();
    expect(report.walCheckpointed).toBe(true);
    await storage.close();
    expect(await walBytes(storage.databasePath)).toBe(0);
  });

  it('leaves an idle cache alone once the log is copied, and writers cut the log file back', async () => {
    const { storage } = await openTestStorage();
    let checkpoints = 0;
    // A second checkpointer on the same file, to count what one does.
    const counted = WalCheckpointer.start(storage.databasePath, silentLogger, { intervalMs: 20, onCheckpointed: () => { checkpoints++; } });
    try {
      const value = 'x'.repeat(12_000);
      for (let index = 0; index < 600; index++) await storage.store(request({ url: `k:${index}`, value }));
      while (checkpoints === 0) await sleep(20);
      await sleep(300); // let any checkpoint under way finish
      const afterWrites = checkpoints;
      await sleep(1000);
      // Judged by the file's size alone, it checkpointed on every tick (10 a second at the default 100 ms).
      expect(checkpoints).toBe(afterWrites);
      // The next commit restarts the log and cuts the file back to the limit.
      await storage.store(request({ url: 'k:one-more' }));
      expect(await walBytes(storage.databasePath)).toBeLessThanOrEqual(CHECKPOINT_THRESHOLD_BYTES);
    } finally {
      await counted.close();
    }
  });
});
