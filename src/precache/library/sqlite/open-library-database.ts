import Database from 'better-sqlite3';
import { LibraryFormatError } from '../../../errors.js';
import { describeSqliteError } from './sqlite-errors.js';

/** A better-sqlite3-compatible constructor: better-sqlite3 itself, or a SQLCipher build of it. */
export type SqliteDriver = new (filename: string, options?: Database.Options) => Database.Database;

/** How long our reads wait for a writer's commit in a rollback-journal database (we wait; the app does not). */
const READ_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a DJ app's database for reading only, safe while the app runs and writes:
 *
 * - `readonly`: SQLite never writes the database or its `-wal`, never checkpoints, and never
 *   deletes the `-wal` on close (only a read-write connection does that).
 * - The WAL protocol is followed, not bypassed: in WAL mode readers never block the writer,
 *   and commits still in the app's `-wal` are seen. (`immutable=1` would skip the `-wal` and
 *   could read half-checkpointed pages; better-sqlite3 also opens without URI support, so
 *   `immutable`/`nolock` are not on offer anyway.)
 * - `query_only` as a second guard: no statement we run can write, even by mistake.
 *
 * `prepare` runs first (a SQLCipher key, say). Any failure is a LibraryFormatError.
 */
export function openLibraryDatabase(path: string, source: string, driver: SqliteDriver = Database, prepare?: (db: Database.Database) => void): Database.Database {
  let db: Database.Database;
  try {
    db = new driver(path, { readonly: true, fileMustExist: true, timeout: READ_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new LibraryFormatError(source, `cannot be opened as an SQLite database (${describeSqliteError(error)}).`, { cause: error });
  }
  try {
    prepare?.(db);
    db.pragma('query_only = ON');
    // Reading the schema is the first real read: a wrong key, a damaged header or a WAL that
    // cannot be shared (a read-only folder with a -wal but no -shm) shows here.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    db.close();
    if (error instanceof LibraryFormatError) throw error;
    throw new LibraryFormatError(source, `cannot be read as an SQLite database (${describeSqliteError(error)}).`, { cause: error });
  }
  return db;
}
