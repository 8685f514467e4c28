import { rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DatabaseCorruptError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { SqliteConnection, type ConnectionOptions } from './connection.js';
import { makeDatabaseFilesPrivate, prepareDatabaseFiles } from './database-files.js';
import { assertSchemaSupported, migrate } from './schema.js';
import { translateSqliteError } from './sqlite-errors.js';

export const DATABASE_FILE_NAME = 'datacache.sqlite';

export interface OpenDatabaseOptions extends ConnectionOptions {
  onCorruptDatabase: 'error' | 'reset';
  logger: Logger;
  now: () => number;
}

/**
 * Opens (creating if needed, 0600) the cache database in `cacheDirectory`, which must exist,
 * configured and migrated to the current schema. A file that is not SQLite or is corrupt
 * throws DatabaseCorruptError, or with `onCorruptDatabase: 'reset'` is renamed to
 * `datacache.sqlite.corrupt-<time>` (with its -wal and -shm files) and replaced by an empty
 * database. A link or special file in place of the database refuses with
 * CacheDirectoryUnsafeError (see `prepareDatabaseFiles`).
 */
export async function openDatabase(cacheDirectory: string, options: OpenDatabaseOptions): Promise<SqliteConnection> {
  const databasePath = join(cacheDirectory, DATABASE_FILE_NAME);
  try {
    return await openAndMigrate(databasePath, options);
  } catch (error) {
    if (!(error instanceof DatabaseCorruptError) || options.onCorruptDatabase !== 'reset') throw error;
    const asidePath = `${databasePath}.corrupt-${options.now()}`;
    options.logger.warn('datacache: the cache database is corrupt; moving it aside and starting empty', {
      databasePath,
      movedTo: asidePath,
      error: error.message,
    });
    for (const suffix of ['', '-wal', '-shm']) {
      await rename(`${databasePath}${suffix}`, `${asidePath}${suffix}`).catch((renameError: unknown) => {
        if ((renameError as NodeJS.ErrnoException).code !== 'ENOENT') throw renameError;
      });
    }
    return openAndMigrate(databasePath, options);
  }
}

async function openAndMigrate(databasePath: string, options: OpenDatabaseOptions): Promise<SqliteConnection> {
  await prepareDatabaseFiles(databasePath, dirname(databasePath));
  let connection: SqliteConnection | undefined;
  try {
    connection = new SqliteConnection(databasePath, options);
    const opened = connection;
    // Before anything writes (switching to WAL rewrites the header): a newer database stays
    // untouched. Retried: until the first process has switched a new file to WAL, readers can
    // find it locked.
    await opened.read('opening the cache', () => { assertSchemaSupported(opened.database, databasePath); });
    await makeDatabaseFilesPrivate(databasePath);
    await opened.configure();
    const { applied } = await opened.write('migrating the cache database', () => migrate(opened.database, databasePath));
    if (applied.length > 0) options.logger.info('datacache: migrated the cache database', { databasePath, applied });
    return opened;
  } catch (error) {
    connection?.close();
    throw translateSqliteError(error, 'opening the cache', databasePath, false);
  }
}
