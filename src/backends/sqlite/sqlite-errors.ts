import {
  DatabaseBusyError,
  DatabaseCorruptError,
  DatabaseUnavailableError,
  StorageWriteError,
} from '../../errors.js';

/** The `code` of a better-sqlite3 `SqliteError` (`SQLITE_BUSY`, `SQLITE_FULL`, …), or undefined for other errors. */
export function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && error.name === 'SqliteError') {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Another connection holds a lock we need: worth waiting and trying again. */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function isCorruptionError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Turns a SQLite failure into the typed error a caller can act on. Errors that are not
 * SQLite's (our own bugs, say) pass through unchanged.
 */
export function translateSqliteError(error: unknown, operation: string, databasePath: string, writing: boolean): unknown {
  const code = sqliteCode(error);
  if (code === undefined) return error;
  if (isCorruptionError(error)) return new DatabaseCorruptError(databasePath, error);
  // Busy errors are normally retried before they get here; one that does is still typed.
  if (isBusyError(error)) return new DatabaseBusyError(operation, 0, error);
  if (code === 'SQLITE_FULL') {
    return new StorageWriteError(`${operation}: the disk holding ${databasePath} is full; nothing was written`, error);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StorageWriteError(`${operation}: ${databasePath} cannot be written (read-only file or directory); nothing was written`, error);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new DatabaseUnavailableError(
      `${operation}: ${databasePath} could not be opened; the cache directory must exist and be writable, ` +
        `because SQLite keeps its -wal and -shm files beside the database`,
      error,
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_PERM') {
    return writing
      ? new StorageWriteError(`${operation}: writing ${databasePath} failed; nothing was written`, error)
      : new DatabaseUnavailableError(`${operation}: ${databasePath} could not be read`, error);
  }
  return error;
}
