import Database from 'better-sqlite3';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataStorage, StorageWriteError } from '../../src/index.js';
import { closeAfterTest, request } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cacheFilesToFreeze, fileSystemFaultsUnavailable, mountTmpfs, setImmutable, unmount } from '../../support/file-system-faults.js';

/**
 * Real file-system faults: a tiny tmpfs that fills up, and one made read-only under an open
 * cache. Mounting needs root (CI runs as root); elsewhere these tests are skipped with the
 * reason printed.
 */
const mounted: string[] = [];

const privilegedToolsUnavailable = fileSystemFaultsUnavailable();
if (privilegedToolsUnavailable !== undefined) {
  console.warn(`disk-faults: skipped, this machine cannot mount a tmpfs or set immutable files (both need root): ${privilegedToolsUnavailable}`);
}

afterEach(() => {
  for (const directory of mounted.splice(0)) unmount(directory);
});

async function openOnTmpfs(size: string): Promise<{ storage: DataStorage; cacheDir: string }> {
  const cacheDir = await temporaryDirectory();
  mountTmpfs(cacheDir, size);
  mounted.push(cacheDir);
  const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }));
  return { storage, cacheDir };
}

function integrityOf(databasePath: string): string {
  const database = new Database(databasePath, { readonly: true });
  try {
    return database.pragma('integrity_check', { simple: true }) as string;
  } finally {
    database.close();
  }
}

describe.skipIf(privilegedToolsUnavailable !== undefined)('a full disk', () => {
  it('makes store reject with StorageWriteError, leaves no partial file, and recovers when space is freed', async () => {
    const { storage, cacheDir } = await openOnTmpfs('2m');
    const stored: string[] = [];
    let failure: unknown;
    for (let index = 0; index < 100 && failure === undefined; index++) {
      const url = `https://images.example/${index}.jpg`;
      try {
        await storage.store(request({ url, dataType: 'fanart', value: Buffer.alloc(100_000, index) }));
        stored.push(url);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StorageWriteError);
    expect((failure as Error).message).toMatch(/nothing was stored|nothing was written/);
    expect(stored.length).toBeGreaterThan(3);
    expect(await readdir(join(cacheDir, 'blobs/tmp'))).toEqual([]);
    for (const url of stored) expect((await storage.retrieveByUrl(url))!.data.length).toBe(100_000);

    expect(await storage.purge({ all: true })).toBe(stored.length);
    await expect(storage.store(request({ url: 'https://images.example/after.jpg', value: Buffer.alloc(100_000, 1) }))).resolves.toBeDefined();
    expect(integrityOf(storage.databasePath)).toBe('ok');
  });

  it('reports SQLite running out of space as StorageWriteError too, keeping earlier entries', async () => {
    const { storage } = await openOnTmpfs('1m');
    let failure: unknown;
    let stored = 0;
    for (let index = 0; index < 500 && failure === undefined; index++) {
      try {
        await storage.store(request({ url: `k:${index}`, value: 'x'.repeat(15_000) })); // inline rows
        stored++;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(StorageWriteError);
    expect(stored).toBeGreaterThan(5);
    expect((await storage.retrieveByUrl('k:0'))!.text()).toBe('x'.repeat(15_000));
  });
});

describe.skipIf(privilegedToolsUnavailable !== undefined)('a cache directory that becomes read-only', () => {
  it('makes store reject with StorageWriteError, writing nothing, while reads keep working; writes resume afterwards', async () => {
    const cacheDir = await temporaryDirectory();
    const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }));
    await storage.store(request({ url: 'k:small' }));
    await storage.store(request({ url: 'k:large', value: Buffer.alloc(50_000, 7) }));
    setImmutable(cacheFilesToFreeze(cacheDir), true);
    try {
      await expect(storage.store(request({ url: 'k:new', value: Buffer.alloc(50_000, 1) }))).rejects.toThrow(StorageWriteError);
      await expect(storage.store(request({ url: 'k:new-inline' }))).rejects.toThrow(StorageWriteError);
      expect(await storage.retrieveByUrl('k:small')).not.toBeNull();
      expect((await storage.retrieveByUrl('k:large'))!.data.equals(Buffer.alloc(50_000, 7))).toBe(true);
    } finally {
      setImmutable(cacheFilesToFreeze(cacheDir), false);
    }
    expect(await storage.retrieveByUrl('k:new')).toBeNull();
    expect(await readdir(join(cacheDir, 'blobs/tmp'))).toEqual([]);
    await expect(storage.store(request({ url: 'k:new', value: Buffer.alloc(50_000, 1) }))).resolves.toBeDefined();
    expect((await storage.stats()).entries).toBe(3);
    expect(integrityOf(storage.databasePath)).toBe('ok');
  });

  it('makes open fail with a message saying the directory must be writable', async () => {
    const cacheDir = await temporaryDirectory();
    setImmutable([cacheDir], true);
    try {
      await expect(DataStorage.open({ cacheDir })).rejects.toThrow(/must exist and be writable/);
    } finally {
      setImmutable([cacheDir], false);
    }
  });
});

describe('the cache directory deleted while the cache is open', () => {
  it('stops writing into the deleted file, says so, keeps answering from what it had, and a new open starts a fresh cache', async () => {
    const { rm } = await import('node:fs/promises');
    const { DataCacheClient } = await import('../../src/index.js');
    const { startServer } = await import('../helpers/http-server.js');
    const server = await startServer({ '/fresh.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"fresh":true}') });
    const cacheDir = await temporaryDirectory();
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    const faults: string[] = [];
    const client = new DataCacheClient({ storage, providers: { example: { ratePerSecond: Infinity } } });
    client.on('error', (event) => faults.push(String(event.error)));
    try {
      await storage.store({ url: 'https://example.org/kept', identifier: 'x', dataType: 'api', provider: 'example', value: { kept: true }, ttlSeconds: 3600 });
      await rm(cacheDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the file check runs at most once a second
      const error = await storage.store({ url: 'https://example.org/new', identifier: 'x', dataType: 'api', provider: 'example', value: 1, ttlSeconds: 3600 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageWriteError);
      expect((error as StorageWriteError).reason).toBe('gone');
      expect((error as Error).message).toMatch(/was deleted or replaced while open/);
      // Reads answer from what this process had.
      expect((await storage.retrieveByUrl('https://example.org/kept'))?.json()).toEqual({ kept: true });
      // A fetch is still served, uncached.
      const entry = await client.getOrFetch({ url: server.url('/fresh.json'), identifier: 'x', dataType: 'api', provider: 'example' });
      expect(entry?.json()).toEqual({ fresh: true });
      // Another process opening the directory now starts a fresh cache there.
      const fresh = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
      expect(await fresh.retrieveByUrl('https://example.org/kept')).toBeNull();
      await fresh.store({ url: 'https://example.org/new', identifier: 'x', dataType: 'api', provider: 'example', value: 2, ttlSeconds: 3600 });
      await fresh.close();
    } finally {
      await client.close();
      await storage.close();
    }
  });
});
