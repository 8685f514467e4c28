import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTestStorage, request, TWO_TIER } from '../helpers/storage.js';
import { nextChunkSize } from '../../src/storage/budget.js';

async function fileCount(cacheDir: string): Promise<number> {
  const files = await readdir(join(cacheDir, 'blobs'), { recursive: true, withFileTypes: true }).catch(() => []);
  return files.filter((file) => file.isFile()).length;
}

describe('purge', () => {
  it('removes exactly the entries matching every given field, with their files', async () => {
    const { storage, cacheDir } = await openTestStorage();
    const seeds = [
      { provider: 'musicbrainz', identifier: 'air', dataType: 'api' },
      { provider: 'musicbrainz', identifier: 'daft punk', dataType: 'api' },
      { provider: 'fanarttv', identifier: 'air', dataType: 'fanart' },
      { provider: 'fanarttv', identifier: 'daft punk', dataType: 'fanart' },
      { provider: 'cdn', identifier: 'air', dataType: 'fanart' },
    ];
    for (const [index, seed] of seeds.entries()) {
      await storage.store(request({ url: `https://x/${index}`, ...seed, value: Buffer.alloc(20_000, index) }));
    }
    expect(await storage.purge({ provider: 'fanarttv', identifier: 'air' })).toBe(1);
    expect(await storage.purge({ dataType: 'api' })).toBe(2);
    expect(await storage.purge({ provider: 'nobody' })).toBe(0);
    const left = await storage.stats();
    expect(Object.keys(left.byProvider).sort()).toEqual(['cdn', 'fanarttv']);
    expect(left.entries).toBe(2);
    expect(await fileCount(cacheDir)).toBe(2);
    expect(await storage.purge({ all: true })).toBe(2);
    expect(await fileCount(cacheDir)).toBe(0);
  });

  it('purges thousands of entries in chunks', async () => {
    const { storage } = await openTestStorage();
    for (let index = 0; index < 2500; index++) {
      await storage.store(request({ url: `https://x/${index}`, provider: index % 2 === 0 ? 'even' : 'odd' }));
    }
    expect(await storage.purge({ provider: 'even' })).toBe(1250);
    expect((await storage.stats()).byProvider.odd).toEqual({ entries: 1250, bytes: 1250 * 20, valueBytes: 1250 * 20 });
  });
});

describe('the byte budget', () => {
  // One tier only: an entry evicted from this machine's budget is still in the shared tier and is
  // answered from there, and expiry there follows the server's clock, not the test's manual one.
  it.skipIf(TWO_TIER)('is enforced as entries are stored: expired first, then least recently used, down to the low-water mark', async () => {
    // Budget of 10 entries of 1000 bytes; evicting brings it to 8 (low water 0.8).
    const { storage, clock } = await openTestStorage({ maxSizeBytes: 10_000, lowWaterMarkRatio: 0.8 });
    const value = (index: number): Buffer => Buffer.alloc(1000, index);
    for (let index = 0; index < 10; index++) {
      await storage.store(request({ url: `k:${index}`, value: value(index), ttlSeconds: index === 7 ? 1 : 3600 }));
      clock.advance(1000);
    }
    // k:7 is now expired. Reading k:0 and k:1 makes them recently used.
    await storage.retrieveByUrl('k:0');
    await storage.retrieveByUrl('k:1');
    clock.advance(1000);
    await storage.store(request({ url: 'k:10', value: value(10) })); // 11,000 bytes > 10,000
    const present = [];
    for (let index = 0; index <= 10; index++) {
      if (await storage.retrieveByUrl(`k:${index}`, { allowStale: true })) present.push(index);
    }
    // Expired k:7 went first, then the least recently used k:2 and k:3.
    expect(present).toEqual([0, 1, 4, 5, 6, 8, 9, 10]);
    expect((await storage.stats()).bytes).toBe(8000);
  });

  it('deletes the files of evicted entries', async () => {
    const { storage, cacheDir } = await openTestStorage({ maxSizeBytes: 100_000, lowWaterMarkRatio: 0.5 });
    for (let index = 0; index < 6; index++) {
      await storage.store(request({ url: `k:${index}`, value: Buffer.alloc(20_000, index) }));
    }
    const stats = await storage.stats();
    expect(stats.bytes).toBeLessThanOrEqual(50_000);
    expect(await fileCount(cacheDir)).toBe(stats.entries);
  });

  it('keeps a cache under budget untouched', async () => {
    const { storage } = await openTestStorage({ maxSizeBytes: 1_000_000 });
    for (let index = 0; index < 20; index++) await storage.store(request({ url: `k:${index}` }));
    expect((await storage.stats()).entries).toBe(20);
  });
});

describe('eviction transaction size', () => {
  it('halves after a slow transaction and doubles after a quick one, within bounds', () => {
    expect(nextChunkSize(200, 11)).toBe(100);
    expect(nextChunkSize(200, 0.5)).toBe(400);
    expect(nextChunkSize(200, 3)).toBe(200);
    expect(nextChunkSize(10, 50)).toBe(10);
    expect(nextChunkSize(1000, 0.1)).toBe(1000);
  });
});
