import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rename, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheDirectoryUnsafeError } from '../../src/errors.js';
import { DataStorage, StorageWriteError } from '../../src/index.js';
import type { Logger } from '../../src/logger.js';
import { closeAfterTest, openTestStorage, request } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { openCacheInChild } from './fixtures/run-open-cache.js';

const posix = process.platform !== 'win32';
const isRoot = process.getuid?.() === 0;
/** 'nobody' on Linux: a user that is not us, for directories "owned by another user". */
const OTHER_UID = 65534;
if (posix && !isRoot) {
  console.warn('cache-directory-safety: the tests about directories of other users are skipped: giving a directory to another user needs root');
}

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { logger: { debug: ignore, info: ignore, error: ignore, warn: (message) => warnings.push(message) }, warnings };
}

async function openError(options: Parameters<typeof DataStorage.open>[0]): Promise<unknown> {
  return DataStorage.open({ maintenanceIntervalSeconds: 0, ...options }).then(
    (storage) => {
      closeAfterTest(storage);
      return undefined;
    },
    (error: unknown) => error,
  );
}

function checksumFolders(value: Buffer): { first: string; second: string } {
  const checksum = createHash('sha256').update(value).digest('hex');
  return { first: checksum.slice(0, 2), second: checksum.slice(2, 4) };
}

describe.skipIf(!posix)('a cache directory of another user', () => {
  it.skipIf(!isRoot)('is refused when others can write to it, with CacheDirectoryUnsafeError saying what to do', async () => {
    // The refusal is for ordinary users (root only ever gets a warning): run the open as 'nobody'.
    const parent = await temporaryDirectory();
    await chmod(parent, 0o755);
    const cacheDir = join(parent, 'shared');
    await mkdir(cacheDir);
    await chmod(cacheDir, 0o777); // root's, writable by everyone
    const report = await openCacheInChild(cacheDir, { uid: OTHER_UID });
    expect(report).toMatchObject({ ok: false, code: 'ERR_DATACACHE_CACHE_DIRECTORY_UNSAFE' });
    expect(report.message).toContain(cacheDir);
    expect(report.message).toMatch(/another user/);
    expect(report.message).toMatch(/chmod|chown/);
    expect(report.message).toMatch(/another (cache )?directory|cacheDir/);
    expect(await readdir(cacheDir)).toEqual([]); // nothing was created in it
  });

  it.skipIf(!isRoot)('is opened when only its owner can write to it, with one warning however often it is opened', async () => {
    const cacheDir = await temporaryDirectory();
    await chmod(cacheDir, 0o755);
    await chown(cacheDir, OTHER_UID, OTHER_UID);
    const { logger, warnings } = recordingLogger();
    const { storage } = await openTestStorage({ cacheDir, logger });
    await storage.store(request());
    await openTestStorage({ cacheDir, logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(cacheDir);
    expect(warnings[0]).toMatch(/another user/);
  });

  it.skipIf(!isRoot)('only gets a warning from root, even when others can write to it', async () => {
    const cacheDir = await temporaryDirectory();
    await chmod(cacheDir, 0o777);
    await chown(cacheDir, OTHER_UID, OTHER_UID);
    const { logger, warnings } = recordingLogger();
    const { storage } = await openTestStorage({ cacheDir, logger });
    await storage.store(request());
    expect(warnings).toHaveLength(1);
  });
});

describe.skipIf(!posix)('a cache directory of our own', () => {
  it('that everyone can write to is opened, with one warning however often it is opened', async () => {
    const cacheDir = await temporaryDirectory();
    await chmod(cacheDir, 0o777);
    const { logger, warnings } = recordingLogger();
    await openTestStorage({ cacheDir, logger });
    await openTestStorage({ cacheDir, logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/can be written by (any|other) users?|world-writable/);
    expect(warnings[0]).toContain(cacheDir);
  });

  it('that only we can write to is opened without a warning', async () => {
    const { logger, warnings } = recordingLogger();
    const { storage } = await openTestStorage({ logger });
    await storage.store(request({ value: Buffer.alloc(30_000, 1) }));
    expect(warnings).toEqual([]);
  });
});

describe('links inside the cache directory', () => {
  it('refuses a blobs folder that is a link, saying to move the whole cache directory instead', async () => {
    const cacheDir = await temporaryDirectory();
    const elsewhere = await temporaryDirectory();
    await symlink(elsewhere, join(cacheDir, 'blobs'));
    const error = await openError({ cacheDir });
    expect(error).toBeInstanceOf(CacheDirectoryUnsafeError);
    expect((error as CacheDirectoryUnsafeError).code).toBe('ERR_DATACACHE_CACHE_DIRECTORY_UNSAFE');
    expect((error as Error).message).toMatch(/does not follow links inside its cache directory/);
    expect((error as Error).message).toMatch(/move the whole cache directory/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('refuses a blobs/tmp folder that is a link', async () => {
    const cacheDir = await temporaryDirectory();
    const elsewhere = await temporaryDirectory();
    await mkdir(join(cacheDir, 'blobs'));
    await symlink(elsewhere, join(cacheDir, 'blobs', 'tmp'));
    await expect(openError({ cacheDir })).resolves.toBeInstanceOf(CacheDirectoryUnsafeError);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('refuses a database file or write-ahead log that is a link, and leaves what it points to alone', async () => {
    for (const name of ['datacache.sqlite', 'datacache.sqlite-wal', 'datacache.sqlite-shm']) {
      const cacheDir = await temporaryDirectory();
      const elsewhere = await temporaryDirectory();
      const target = join(elsewhere, 'precious.txt');
      await writeFile(target, 'do not touch');
      await chmod(target, 0o644);
      await symlink(target, join(cacheDir, name));
      const error = await openError({ cacheDir });
      expect(error, name).toBeInstanceOf(CacheDirectoryUnsafeError);
      expect(await readFile(target, 'utf8')).toBe('do not touch');
      expect((await stat(target)).mode & 0o777).toBe(0o644);
    }
  });

  it('is fine when the link is the cache directory itself', async () => {
    const real = await temporaryDirectory();
    const parent = await temporaryDirectory();
    const cacheDir = join(parent, 'linked-cache');
    await symlink(real, cacheDir);
    const { storage } = await openTestStorage({ cacheDir });
    const value = Buffer.alloc(30_000, 3);
    await storage.store(request({ value }));
    expect((await storage.retrieveByUrl(request().url))!.data.equals(value)).toBe(true);
    expect(await readdir(real)).toContain('blobs');
  });

  it('makes a store fail with StorageWriteError, writing nothing, when a folder its file would go in is a link', async () => {
    for (const level of ['first', 'second'] as const) {
      const { storage, cacheDir } = await openTestStorage();
      const elsewhere = await temporaryDirectory();
      const value = Buffer.alloc(30_000, level === 'first' ? 4 : 5);
      const { first, second } = checksumFolders(value);
      await mkdir(join(cacheDir, 'blobs'), { recursive: true });
      if (level === 'first') {
        await symlink(elsewhere, join(cacheDir, 'blobs', first));
      } else {
        await mkdir(join(cacheDir, 'blobs', first));
        await symlink(elsewhere, join(cacheDir, 'blobs', first, second));
      }
      const error = await storage.store(request({ value })).catch((caught: unknown) => caught);
      expect(error, level).toBeInstanceOf(StorageWriteError);
      expect((error as Error).message).toMatch(/link/);
      expect(await readdir(elsewhere, { recursive: true }), level).toEqual([]);
      expect(await storage.retrieveByUrl(request().url)).toBeNull();
      // Content in other folders is stored as usual.
      await storage.store(request({ url: 'k:other', value: Buffer.alloc(30_000, 6) }));
      expect((await storage.retrieveByUrl('k:other'))!.data.equals(Buffer.alloc(30_000, 6))).toBe(true);
    }
  });

  it('are never read through: an entry whose folder is a link (even to an exact copy) is a miss, and the copy stays', async () => {
    const { storage: writer, cacheDir } = await openTestStorage();
    const value = Buffer.alloc(30_000, 8);
    await writer.store(request({ value }));
    await writer.close();
    const { first } = checksumFolders(value);
    const elsewhere = await temporaryDirectory();
    const moved = join(elsewhere, 'moved');
    await rename(join(cacheDir, 'blobs', first), moved);
    await symlink(moved, join(cacheDir, 'blobs', first));
    // Folders are looked at once per process: this one is seen as a link the first time.
    const { storage } = await openTestStorage({ cacheDir, memoryCacheBytes: 0 });
    expect(await storage.retrieveByUrl(request().url)).toBeNull();
    expect((await readdir(moved, { recursive: true })).length).toBe(2); // the folder and the file, untouched
    expect((await storage.stats()).entries).toBe(0);
  });

  it('are never followed by the orphan sweep, and files behind them are never deleted', async () => {
    const { storage, cacheDir } = await openTestStorage({ orphanGraceSeconds: 0 });
    await storage.store(request({ value: Buffer.alloc(30_000, 1) }));
    const elsewhere = await temporaryDirectory();
    // What the sweep would take for an old orphan, were it inside the cache.
    const victim = join(elsewhere, 'cd', 'ab'.repeat(32) + '-000000000001');
    await mkdir(join(elsewhere, 'cd'));
    await writeFile(victim, 'not datacache');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(victim, anHourAgo, anHourAgo);
    await symlink(elsewhere, join(cacheDir, 'blobs', 'ab'));
    await mkdir(join(cacheDir, 'blobs', 'ef'));
    await symlink(join(elsewhere, 'cd'), join(cacheDir, 'blobs', 'ef', 'cd'));
    const report = await storage.runMaintenance();
    expect(report.orphanFilesRemoved).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('not datacache');
    expect((await storage.retrieveByUrl(request().url))!.data.equals(Buffer.alloc(30_000, 1))).toBe(true);
  });
});
