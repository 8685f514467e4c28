import Database from 'better-sqlite3';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { DatabaseCorruptError, DataStorage, SchemaVersionError, defaultCacheDirectory } from '../../../src/index.js';
import { CURRENT_SCHEMA_VERSION, migrate } from '../../../src/backends/sqlite/schema.js';
import { closeAfterTest, openTestStorage, request } from '../../helpers/storage.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

/** A new database file migrated only as far as `version`, as an older datacache left it. */
async function databaseAtVersion(version: number): Promise<{ cacheDir: string; database: Database.Database }> {
  const cacheDir = await temporaryDirectory();
  const databasePath = join(cacheDir, 'datacache.sqlite');
  const database = new Database(databasePath);
  database.pragma('auto_vacuum = INCREMENTAL');
  database.pragma('journal_mode = WAL');
  database.transaction(() => migrate(database, databasePath, version)).immediate();
  return { cacheDir, database };
}

describe('schema versions', () => {
  it('creates a new database at the current version with incremental auto-vacuum', async () => {
    const { storage } = await openTestStorage();
    const database = new Database(storage.databasePath, { readonly: true });
    expect(database.pragma('user_version', { simple: true })).toBe(CURRENT_SCHEMA_VERSION);
    expect(database.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    database.close();
  });

  it('refuses a database another program made (tables, no schema version), changing nothing; an empty file is a new cache', async () => {
    const cacheDir = await temporaryDirectory();
    const databasePath = join(cacheDir, 'datacache.sqlite');
    const other = new Database(databasePath);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    const before = await readFile(databasePath);
    const modeBefore = (await stat(databasePath)).mode;
    await expect(DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })).rejects.toMatchObject({ code: 'ERR_DATACACHE_FOREIGN_DATABASE', kind: 'unknown' });
    expect((await readFile(databasePath)).equals(before)).toBe(true);
    expect((await stat(databasePath)).mode).toBe(modeBefore);
    expect((await readdir(cacheDir)).sort()).toEqual(['datacache.sqlite']);

    const emptyDir = await temporaryDirectory();
    await writeFile(join(emptyDir, 'datacache.sqlite'), '');
    closeAfterTest(await DataStorage.open({ cacheDir: emptyDir, maintenanceIntervalSeconds: 0 }));
  });

  it('migrates a version-1 database to totals per provider and data type, keeping every count', async () => {
    const { cacheDir, database } = await databaseAtVersion(1);
    const insert = database.prepare(`INSERT INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type,
      inline_data, file_path, size, checksum, created_at, stored_at, expires_at, last_accessed)
      VALUES (?, ?, 'air', ?, ?, ?, 'bytes', ?, NULL, ?, 'x', 0, 0, ?, 0)`);
    insert.run('k:1', 'c1', 'api', 'musicbrainz', 200, Buffer.alloc(10), 10, 4e12);
    insert.run('k:2', 'c2', 'api', 'musicbrainz', 404, Buffer.alloc(0), 0, 4e12);
    insert.run('k:3', 'c3', 'fanart', 'cdn', 200, Buffer.alloc(30), 30, 1);
    expect(database.pragma('user_version', { simple: true })).toBe(1);
    database.close();

    const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }));
    const stats = await storage.stats();
    expect(stats).toMatchObject({ entries: 3, bytes: 40, inlineBytes: 40, negativeEntries: 1, expiredEntries: 1, expiredBytes: 30 });
    expect({ ...stats.byProvider }).toEqual({ musicbrainz: { entries: 2, bytes: 10, valueBytes: 10 }, cdn: { entries: 1, bytes: 30, valueBytes: 30 } });
    // The triggers keep counting after the migration.
    await storage.store(request({ url: 'k:4', provider: 'cdn', dataType: 'fanart', value: Buffer.alloc(20_000) }));
    await storage.delete('k:1');
    const after = await storage.stats();
    expect({ ...after.byProvider }).toEqual({ musicbrainz: { entries: 1, bytes: 0, valueBytes: 0 }, cdn: { entries: 2, bytes: 20_030, valueBytes: 20_030 } });
    expect(after.fileBytes).toBe(20_000);
    const migrated = new Database(join(cacheDir, 'datacache.sqlite'), { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(CURRENT_SCHEMA_VERSION);
    migrated.close();
  });

  it('migrates a version-11 queue to totals kept by triggers, counting the jobs already there', async () => {
    const { cacheDir, database } = await databaseAtVersion(11);
    const insert = database.prepare("INSERT INTO queue_jobs (url, provider, priority, request, state, available_at, created_at, updated_at) VALUES (?, ?, ?, '{}', ?, 0, 0, 0)");
    for (const [url, provider, priority, state] of [['a', 'cdn', 1, 'pending'], ['b', 'cdn', 1, 'pending'], ['c', 'cdn', 2, 'failed'], ['d', 'musicbrainz', 0, 'done']] as const) insert.run(url, provider, priority, state);
    database.close();

    const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }));
    const totals = (): unknown[] => storage.sharedConnection().database.prepare('SELECT state, priority, provider, jobs FROM queue_totals WHERE jobs > 0 ORDER BY 1, 2, 3').all();
    expect(totals()).toEqual([
      { state: 'done', priority: 0, provider: 'musicbrainz', jobs: 1 },
      { state: 'failed', priority: 2, provider: 'cdn', jobs: 1 },
      { state: 'pending', priority: 1, provider: 'cdn', jobs: 2 },
    ]);
    storage.sharedConnection().database.prepare("UPDATE queue_jobs SET state = 'running' WHERE url = 'a'").run();
    storage.sharedConnection().database.prepare("DELETE FROM queue_jobs WHERE url = 'd'").run();
    expect(totals()).toEqual([
      { state: 'failed', priority: 2, provider: 'cdn', jobs: 1 },
      { state: 'pending', priority: 1, provider: 'cdn', jobs: 1 },
      { state: 'running', priority: 1, provider: 'cdn', jobs: 1 },
    ]);
  });

  it('refuses a database from a newer datacache with a clear error, and leaves it untouched', async () => {
    const cacheDir = await temporaryDirectory();
    const database = new Database(join(cacheDir, 'datacache.sqlite'));
    database.pragma('user_version = 99');
    database.close();
    const before = await readFile(join(cacheDir, 'datacache.sqlite'));
    const opening = DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    await expect(opening).rejects.toThrow(SchemaVersionError);
    await expect(DataStorage.open({ cacheDir })).rejects.toThrow(
      new RegExp(`schema version 99, but this datacache understands versions up to ${CURRENT_SCHEMA_VERSION}`),
    );
    expect((await readFile(join(cacheDir, 'datacache.sqlite'))).equals(before)).toBe(true);
  });
});

describe('a corrupt database file', () => {
  it('fails to open with DatabaseCorruptError naming the reset option', async () => {
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'datacache.sqlite'), 'this is not a database, it is a shopping list\n'.repeat(200));
    const error = await DataStorage.open({ cacheDir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseCorruptError);
    expect((error as Error).message).toMatch(/onCorruptDatabase: 'reset'/);
    expect((error as DatabaseCorruptError).code).toBe('ERR_DATACACHE_DATABASE_CORRUPT');
  });

  it("is moved aside with onCorruptDatabase: 'reset', and the cache starts empty", async () => {
    const cacheDir = await temporaryDirectory();
    const garbage = 'garbage '.repeat(1000);
    await writeFile(join(cacheDir, 'datacache.sqlite'), garbage);
    const clock = new ManualClock(Date.now());
    const storage = closeAfterTest(await DataStorage.open({ cacheDir, clock, onCorruptDatabase: 'reset', maintenanceIntervalSeconds: 0 }));
    await storage.store(request());
    expect(await storage.retrieveByUrl(request().url)).not.toBeNull();
    const aside = (await readdir(cacheDir)).filter((name) => name.startsWith('datacache.sqlite.corrupt-'));
    expect(aside).toEqual([`datacache.sqlite.corrupt-${clock.now()}`]);
    expect(await readFile(join(cacheDir, aside[0]!), 'utf8')).toBe(garbage);
  });

  it('reports damage found after opening as DatabaseCorruptError, not a raw SQLite error', async () => {
    const { storage, cacheDir } = await openTestStorage();
    for (let index = 0; index < 300; index++) await storage.store(request({ url: `k:${index}`, value: 'x'.repeat(3000) }));
    await storage.close();
    const path = join(cacheDir, 'datacache.sqlite');
    const size = (await stat(path)).size;
    const bytes = await readFile(path);
    // Keep the header and schema page; scribble over the rest.
    bytes.fill(0xa5, 8192, size);
    await writeFile(path, bytes);
    const reopened = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }).then(
      (opened) => closeAfterTest(opened),
      (error: unknown) => error,
    );
    if (reopened instanceof DataStorage) {
      await expect(reopened.retrieveByUrl('k:150')).rejects.toThrow(DatabaseCorruptError);
    } else {
      expect(reopened).toBeInstanceOf(DatabaseCorruptError);
    }
  });
});

describe('the cache directory', () => {
  it('comes from DATACACHE_DIR, else the user cache folder', () => {
    expect(defaultCacheDirectory({ DATACACHE_DIR: '/srv/dj-cache' })).toBe('/srv/dj-cache');
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = '/home/dj/.cache-elsewhere';
    try {
      if (process.platform === 'linux') expect(defaultCacheDirectory({})).toBe('/home/dj/.cache-elsewhere/datacache');
      expect(defaultCacheDirectory({ DATACACHE_DIR: '  ' })).toMatch(/datacache$/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('is created when missing, with its parents', async () => {
    const parent = await temporaryDirectory();
    const { storage } = await openTestStorage({ cacheDir: join(parent, 'deeper', 'still', 'cache') });
    expect((await stat(storage.cacheDir)).isDirectory()).toBe(true);
  });
});
