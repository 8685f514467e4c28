import Database from 'better-sqlite3';
import { copyFile, lstat, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { WNP_DATABASE_FILE } from './wnp-locations.js';

/**
 * How the whats-now-playing database was read:
 * - `snapshot`: whats-now-playing was not running (no write-ahead log beside the database), so
 *   the database file was copied (checked unchanged across the copy) and the copy read. A
 *   read-only SQLite connection to a WAL database creates -wal and -shm files beside it and
 *   leaves them there; reading a copy leaves the directory exactly as it was.
 * - `live`: whats-now-playing is running (its -wal file is there), or the database is not in
 *   WAL mode: read in place through a read-only connection, a short read transaction per chunk,
 *   so its writers never wait on us.
 */
export type WnpReadMode = 'snapshot' | 'live';

/** An open, read-only view of a whats-now-playing cache database. */
export interface WnpDatabase {
  /** @internal */
  readonly database: Database.Database;
  readonly mode: WnpReadMode;
  /** Which optional columns the tables have (older versions lack some). */
  readonly cachedDataColumns: ReadonlySet<string>;
  readonly hasPendingRequests: boolean;
  close(): Promise<void>;
}

/**
 * Opens the whats-now-playing database in `wnpDirectory` for reading, without changing a byte
 * of that directory. `scratchDirectory` (datacache's own cache directory) holds the snapshot.
 * A directory without `datacache.sqlite`, or one whose database is not whats-now-playing's,
 * is refused with an error naming what was found.
 */
export async function openWnpDatabase(wnpDirectory: string, scratchDirectory: string): Promise<WnpDatabase> {
  const databasePath = join(wnpDirectory, WNP_DATABASE_FILE);
  const details = await lstat(databasePath).catch(() => undefined);
  if (details === undefined) {
    throw new InvalidArgumentError(`${wnpDirectory} holds no whats-now-playing cache (no ${WNP_DATABASE_FILE}). Give the directory whats-now-playing keeps its datacache in.`);
  }
  // A FIFO would block the read below; a link could point anywhere.
  if (!details.isFile()) throw new InvalidArgumentError(`${databasePath} is not a regular file.`);
  const walMode = (await readHeader(databasePath)).walMode;
  const walExists = (await lstat(`${databasePath}-wal`).catch(() => undefined)) !== undefined;
  if (walMode && !walExists) {
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      const snapshot = await takeSnapshot(databasePath, scratchDirectory);
      if (snapshot !== null) return describe(snapshot.database, 'snapshot', databasePath, snapshot.remove);
    }
    // It kept changing: whats-now-playing started meanwhile. Its -wal now exists: read live.
  }
  let database: Database.Database;
  try {
    database = new Database(databasePath, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new InvalidArgumentError(`${databasePath} cannot be read as SQLite: ${error instanceof Error ? error.message : String(error)}`);
  }
  return describe(database, 'live', databasePath, () => Promise.resolve());
}

const SNAPSHOT_ATTEMPTS = 3;

async function readHeader(databasePath: string): Promise<{ walMode: boolean }> {
  const handle = await open(databasePath, 'r');
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || header.subarray(0, 16).toString('latin1') !== 'SQLite format 3\u0000') {
      throw new InvalidArgumentError(`${databasePath} is not a SQLite database, so not a whats-now-playing cache.`);
    }
    // Bytes 18 and 19, the file format's write and read versions, are 2 in WAL mode.
    return { walMode: header[18] === 2 && header[19] === 2 };
  } finally {
    await handle.close();
  }
}

async function takeSnapshot(databasePath: string, scratchDirectory: string): Promise<{ database: Database.Database; remove: () => Promise<void> } | null> {
  const folder = await mkdtemp(join(scratchDirectory, '.import-wnp-'));
  const remove = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    const before = await lstat(databasePath);
    const copy = join(folder, WNP_DATABASE_FILE);
    await copyFile(databasePath, copy);
    const after = await lstat(databasePath);
    const walAppeared = (await lstat(`${databasePath}-wal`).catch(() => undefined)) !== undefined;
    // In WAL mode the database file changes only by a checkpoint, which needs a -wal file: no
    // -wal after the copy and the same size, time and inode mean the copy is one moment's state.
    if (walAppeared || before.mtimeMs !== after.mtimeMs || before.size !== after.size || before.ino !== after.ino) {
      await remove();
      return null;
    }
    return { database: new Database(copy, { fileMustExist: true }), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

function describe(database: Database.Database, mode: WnpReadMode, databasePath: string, removeSnapshot: () => Promise<void>): WnpDatabase {
  try {
    const tables = new Set((database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    if (!tables.has('cached_data')) throw new InvalidArgumentError(`${databasePath} has no cached_data table, so it is not a whats-now-playing cache.`);
    const cachedDataColumns = new Set((database.prepare('SELECT name FROM pragma_table_info(?)').all('cached_data') as { name: string }[]).map((row) => row.name));
    for (const required of REQUIRED_COLUMNS) {
      if (!cachedDataColumns.has(required)) throw new InvalidArgumentError(`${databasePath}: its cached_data table has no ${required} column, so it is not a whats-now-playing cache datacache can read.`);
    }
    return {
      database,
      mode,
      cachedDataColumns,
      hasPendingRequests: tables.has('pending_requests'),
      async close() {
        database.close();
        await removeSnapshot();
      },
    };
  } catch (error) {
    database.close();
    void removeSnapshot();
    throw error;
  }
}

const REQUIRED_COLUMNS = ['url', 'identifier', 'data_type', 'provider', 'data_value', 'file_path', 'expires_at'];
