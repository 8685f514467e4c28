import { LibraryFormatError } from '../../../errors.js';

/** SQLite's own words for a failure, with its code (`SQLITE_CORRUPT: database disk image is malformed`). */
export function describeSqliteError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

/**
 * Runs one step of reading a DJ app's database, turning SQLite's failures (a damaged page deep
 * in the file shows only when a query reaches it) into a LibraryFormatError that names the file.
 */
export function readingDatabase<T>(source: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof LibraryFormatError) throw error;
    throw new LibraryFormatError(source, `${what} failed: ${describeSqliteError(error)}. The database may be damaged.`, { cause: error });
  }
}
