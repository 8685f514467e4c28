import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { LibraryFormatError } from '../../../errors.js';
import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { engineDjTracks } from './engine-dj.js';
import { tableColumns, tableNames } from './library-schema.js';
import { mixxxTracks } from './mixxx.js';
import { openLibraryDatabase } from './open-library-database.js';
import { looksLikeRekordboxMasterDb, rekordboxMasterDbTracks, type RekordboxMasterDbOptions } from './rekordbox-master-db.js';
import { readSqliteFileHead } from './sqlite-file-head.js';

/** The DJ apps whose SQLite libraries datacache reads. */
export type SqliteLibraryKind = 'engine-dj' | 'mixxx' | 'rekordbox-master-db';

/** Options for {@link sqliteLibraryTracks}; the defaults suit every real library. */
export type SqliteLibraryOptions = RekordboxMasterDbOptions;

/**
 * Which DJ app's library a file is, by its content: a plain SQLite file by its tables (Engine
 * DJ: `Track` with `artist`, and `Information`; Mixxx: `library` and `track_locations`), and
 * rekordbox 6/7's encrypted `master.db` by its name and place (its header is not SQLite's).
 * Null for any other file, or an SQLite database of some other app. An SQLite file that cannot
 * be read (damaged, say) is a LibraryFormatError: it is not some other format.
 */
export function sqliteLibraryKind(path: string): SqliteLibraryKind | null {
  let head;
  try {
    head = readSqliteFileHead(path, path);
  } catch {
    return null;
  }
  if (!head.isSqlite) return looksLikeRekordboxMasterDb(path, fileSize(path)) ? 'rekordbox-master-db' : null;
  const db = openLibraryDatabase(path, path);
  try {
    return kindOf(db, path);
  } finally {
    db.close();
  }
}

/**
 * Every track of an Engine DJ, Mixxx or rekordbox 6/7 (`master.db`) library with the artist
 * as the app spells it, its title and play history where the app keeps them, read in pages
 * so a 100,000-track library never holds the event loop, and without ever writing to or
 * blocking the app, which may be running (see openLibraryDatabase). Tracks whose artist
 * cannot be read are skipped and counted in `report`. A file that is none of these, or that
 * lacks what its reader needs, is a LibraryFormatError saying what is missing.
 */
export async function* sqliteLibraryTracks(path: string, source: string, report: LibraryReadReport, options: SqliteLibraryOptions = {}): AsyncGenerator<LibraryTrack> {
  const head = readSqliteFileHead(path, source);
  if (!head.isSqlite) {
    if (looksLikeRekordboxMasterDb(path, fileSize(path))) {
      yield* rekordboxMasterDbTracks(path, source, report, options);
      return;
    }
    throw new LibraryFormatError(source, 'not an SQLite database (and not rekordbox\'s encrypted master.db, which sits in a rekordbox folder).');
  }
  const db = openLibraryDatabase(path, source);
  try {
    const kind = kindOf(db, source);
    if (kind === null) throw new LibraryFormatError(source, 'an SQLite database, but not an Engine DJ (Track and Information tables) or Mixxx (library and track_locations tables) library.');
    yield* plainLibraryTracks(db, kind, source, report, options);
  } finally {
    db.close();
  }
}

/**
 * sqliteLibraryTracks for a file whose kind {@link sqliteLibraryKind} has just told: its header
 * and tables are not looked at again (each reader still checks the columns it needs).
 */
export async function* sqliteLibraryTracksOfKind(kind: SqliteLibraryKind, path: string, source: string, report: LibraryReadReport, options: SqliteLibraryOptions = {}): AsyncGenerator<LibraryTrack> {
  if (kind === 'rekordbox-master-db') {
    yield* rekordboxMasterDbTracks(path, source, report, options);
    return;
  }
  const db = openLibraryDatabase(path, source);
  try {
    yield* plainLibraryTracks(db, kind, source, report, options);
  } finally {
    db.close();
  }
}

function plainLibraryTracks(db: Database.Database, kind: 'engine-dj' | 'mixxx', source: string, report: LibraryReadReport, options: SqliteLibraryOptions): AsyncGenerator<LibraryTrack> {
  return kind === 'engine-dj' ? engineDjTracks(db, source, report, options.pageSize) : mixxxTracks(db, source, report, options.pageSize);
}

function kindOf(db: Database.Database, source: string): 'engine-dj' | 'mixxx' | null {
  const tables = tableNames(db, source);
  if (tables.has('track') && tables.has('information') && tableColumns(db, source, 'Track').has('artist')) return 'engine-dj';
  if (tables.has('library') && tables.has('track_locations')) return 'mixxx';
  return null;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
