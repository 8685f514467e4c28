import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openTestStorage, request } from '../helpers/storage.js';

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
});
