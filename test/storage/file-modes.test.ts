import Database from 'better-sqlite3';
import { chmod, chown, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { DataStorage } from '../../src/index.js';
import { closeAfterTest, openTestStorage, request } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { openCacheInChild } from './fixtures/run-open-cache.js';

/**
 * Queued requests in the database may hold headers (API keys, cookies), and blob files are
 * what the user listened to: nothing datacache creates may be readable by other users,
 * whatever the umask of the process that created it.
 */
const isRoot = process.getuid?.() === 0;
const posix = process.platform !== 'win32';

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { logger: { debug: ignore, info: ignore, error: ignore, warn: (message) => warnings.push(message) }, warnings };
}

describe.skipIf(!posix)('file modes', () => {
  it('creates the cache directory and every folder 0700, and the database, its -wal and -shm and blob files 0600, even with umask 0', async () => {
    const parent = await temporaryDirectory();
    const cacheDir = join(parent, 'new', 'cache');
    const report = await openCacheInChild(cacheDir, { umask: 0 });
    expect(report.ok, report.message).toBe(true);
    const files = report.files!;
    const directories = Object.entries(files).filter(([, file]) => file.type === 'directory');
    const regular = Object.entries(files).filter(([, file]) => file.type === 'file');
    // The cache directory, blobs, blobs/tmp and the two levels of the one large value.
    expect(directories.map(([path]) => path).sort()).toEqual(
      expect.arrayContaining(['.', 'blobs', 'blobs/tmp']),
    );
    expect(directories).toHaveLength(5);
    for (const [path, file] of directories) expect(`${path} ${file.mode}`).toBe(`${path} 0700`);
    expect(regular.map(([path]) => path)).toEqual(
      expect.arrayContaining(['datacache.sqlite', 'datacache.sqlite-wal', 'datacache.sqlite-shm']),
    );
    expect(regular.filter(([path]) => path.startsWith('blobs/'))).toHaveLength(1);
    for (const [path, file] of regular) expect(`${path} ${file.mode}`).toBe(`${path} 0600`);
    expect(Object.values(files).filter((file) => file.type === 'other')).toEqual([]);
  });

  it('tightens a database file, its -wal and its -shm that others could read to 0600 when it opens them, quietly', async () => {
    const cacheDir = await temporaryDirectory();
    const databasePath = join(cacheDir, 'datacache.sqlite');
    // A datacache database (one of another program is refused, modes and all), then another
    // connection that keeps the write-ahead log and shared memory files in place.
    await (await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })).close();
    const other = new Database(databasePath);
    try {
      other.prepare('SELECT count(*) FROM entries').get();
      for (const suffix of ['', '-wal', '-shm']) await chmod(`${databasePath}${suffix}`, 0o666);
      const { logger, warnings } = recordingLogger();
      const { storage } = await openTestStorage({ cacheDir, logger });
      await storage.store(request());
      for (const suffix of ['', '-wal', '-shm']) expect(`${suffix} ${(await modeOf(`${databasePath}${suffix}`)).toString(8)}`).toBe(`${suffix} 600`);
      expect(warnings).toEqual([]);
    } finally {
      other.close();
    }
  });

  it.skipIf(!isRoot)('leaves the modes of a database file owned by another user alone (root opening it)', async () => {
    const cacheDir = await temporaryDirectory();
    const databasePath = join(cacheDir, 'datacache.sqlite');
    new Database(databasePath).close();
    await chmod(databasePath, 0o644);
    await chown(databasePath, 65534, 65534);
    const { storage } = await openTestStorage({ cacheDir });
    closeAfterTest(storage);
    expect(await modeOf(databasePath)).toBe(0o644);
    expect((await stat(databasePath)).uid).toBe(65534);
  });
});
