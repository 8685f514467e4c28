import type Database from 'better-sqlite3';
import { LibraryFormatError } from '../../../errors.js';
import { readingDatabase } from './sqlite-errors.js';

/** The tables of a database, lower-cased: SQLite names are case-insensitive (Mixxx's `Playlists` is also `playlists`). */
export function tableNames(db: Database.Database, source: string): Set<string> {
  return readingDatabase(source, 'reading the list of tables', () => {
    const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    return new Set(rows.map((name) => name.toLowerCase()));
  });
}

/** The columns of a table, lower-cased; empty when the table does not exist. */
export function tableColumns(db: Database.Database, source: string, table: string): Set<string> {
  return readingDatabase(source, `reading the columns of ${table}`, () => {
    const rows = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
    return new Set(rows.map((name) => name.toLowerCase()));
  });
}

/**
 * The columns of `table` that a reader cannot do without; a database that lacks one (another
 * app's, or a schema this reader does not know) is a LibraryFormatError naming what is missing.
 */
export function requireColumns(db: Database.Database, source: string, app: string, table: string, required: readonly string[]): Set<string> {
  const columns = tableColumns(db, source, table);
  if (columns.size === 0) throw new LibraryFormatError(source, `not a ${app} library as datacache knows it: it has no ${table} table.`);
  const missing = required.filter((column) => !columns.has(column.toLowerCase()));
  if (missing.length > 0) {
    throw new LibraryFormatError(source, `not a ${app} library as datacache knows it: table ${table} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}.`);
  }
  return columns;
}
