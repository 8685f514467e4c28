import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DataStorage, type DataStorageOptions, type StoreRequest } from '../../src/index.js';
import { freshSchema } from './postgres.js';
import { temporaryDirectory } from './temporary-directory.js';

/**
 * Set by the `two-tier` test project (vitest.config.ts): every test storage then also has a
 * shared tier, a fresh PostgreSQL schema of its own, so the suites that run there keep every
 * promise with two tiers as well as with one.
 */
export const TWO_TIER = process.env.DATACACHE_TEST_TWO_TIER === '1';

/** The `shared` option a test storage gets: a fresh schema in the two-tier project, nothing otherwise. */
export async function sharedForTest(): Promise<{ shared?: string }> {
  return TWO_TIER ? { shared: (await freshSchema()).sharedUrl } : {};
}

const opened: DataStorage[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

/**
 * A DataStorage on a fresh directory with a manual clock and no automatic maintenance
 * (tests run it when they mean to). Closed after the test.
 */
export async function openTestStorage(options: DataStorageOptions = {}): Promise<{ storage: DataStorage; clock: ManualClock; cacheDir: string }> {
  // Starts at the real time: blob file ages come from real file modification times.
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(Date.now());
  const cacheDir = options.cacheDir ?? (await temporaryDirectory());
  const storage = await DataStorage.open({ maintenanceIntervalSeconds: 0, ...(await sharedForTest()), ...options, cacheDir, clock });
  opened.push(storage);
  return { storage, clock, cacheDir };
}

/** Keeps a storage opened elsewhere in the list of those closed after the test. */
export function closeAfterTest(storage: DataStorage): DataStorage {
  opened.push(storage);
  return storage;
}

/** A valid store request; override what the test is about. */
export function request(overrides: Partial<StoreRequest> = {}): StoreRequest {
  return {
    url: 'https://example.org/artist/1',
    identifier: 'daft punk',
    dataType: 'api',
    provider: 'example',
    value: { name: 'Daft Punk' },
    ttlSeconds: 3600,
    ...overrides,
  };
}

/** One value from the cache database, read through a connection of its own (as another process would). */
export function queryDatabase<T>(databasePath: string, sql: string, ...parameters: unknown[]): T | undefined {
  const database = new Database(databasePath, { readonly: true });
  try {
    return database.prepare(sql).pluck().get(...parameters) as T | undefined;
  } finally {
    database.close();
  }
}

/** The blob file (relative to the cache directory) that the entry for `url` names. */
export function filePathOf(databasePath: string, url: string): string {
  return queryDatabase<string>(databasePath, 'SELECT file_path FROM entries WHERE url = ?', url)!;
}
