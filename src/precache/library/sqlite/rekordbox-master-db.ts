import { basename, dirname, sep } from 'node:path';
import type Database from 'better-sqlite3';
import { LibraryFormatError } from '../../../errors.js';
import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { requireColumns, tableColumns } from './library-schema.js';
import { libraryDate } from './library-dates.js';
import { cappedText, countValue, libraryTrackOf } from './library-values.js';
import { openLibraryDatabase } from './open-library-database.js';
import { pagedRows } from './paged-rows.js';
import { loadSqlCipherDriver, SQLCIPHER_PACKAGE, type SqlCipherLoader } from './sqlcipher-driver.js';
import { readingDatabase } from './sqlite-errors.js';

/**
 * The key rekordbox 6 and 7 encrypt every `master.db` with: the same on every machine and
 * licence, published by the community tools that read it (pyrekordbox keeps it obfuscated in
 * `pyrekordbox/masterdb/database.py`; this is what it decodes to). Without it, nothing reads
 * the library but rekordbox itself.
 */
export const REKORDBOX_MASTER_DB_KEY = '402fd482c38817c35ffa8ffb8c7d93143b749e7d315df7a81732a1ff43608497';

/** What to do when this build cannot decrypt: rekordbox's own export, which datacache reads. */
const EXPORT_ADVICE = "Export the collection as XML instead (rekordbox: File → Export Collection in xml format) and run precache on that file.";

/**
 * Whether a file that is not plain SQLite is, by its place, rekordbox 6/7's encrypted library:
 * `master.db` in rekordbox's folder (`…/Pioneer/rekordbox/master.db` on Windows and macOS,
 * or any folder whose path names rekordbox), and a whole number of 1 KiB pages long as every
 * SQLCipher file is.
 */
export function looksLikeRekordboxMasterDb(path: string, size: number): boolean {
  return basename(path).toLowerCase() === 'master.db' && dirname(path).toLowerCase().split(sep).some((folder) => folder.includes('rekordbox')) && size > 0 && size % 1024 === 0;
}

/** Options for reading rekordbox's `master.db`. */
export interface RekordboxMasterDbOptions {
  /** Where the SQLCipher-capable driver comes from. Default: {@link SQLCIPHER_PACKAGE}, if installed. */
  loadSqlCipher?: SqlCipherLoader;
  pageSize?: number;
}

interface ContentRow {
  pageKey: string;
  contentId: string;
  artist: unknown;
  title: unknown;
  playCount: unknown;
}

interface HistoryRow {
  pageKey: string;
  contentId: unknown;
  playedAt: unknown;
}

interface Plays {
  count: number;
  last: number | undefined;
}

/**
 * The tracks of a rekordbox 6/7 `master.db` (SQLCipher 4, default settings, keyed with
 * {@link REKORDBOX_MASTER_DB_KEY}), from `djmdContent` (`Title`, `ArtistID` → `djmdArtist.Name`,
 * `DJPlayCount`), leaving out rows rekordbox marked deleted (`rb_local_deleted = 1`).
 *
 * Play history: `DJPlayCount` is the play count; the last play is the latest
 * `djmdSongHistory.created_at` (one row per track played in a history session), and where
 * `DJPlayCount` is empty the history's entries are the count.
 *
 * Needs {@link SQLCIPHER_PACKAGE}; without it this is a LibraryFormatError that says how to
 * export the collection as XML instead.
 */
export async function* rekordboxMasterDbTracks(path: string, source: string, report: LibraryReadReport, options: RekordboxMasterDbOptions = {}): AsyncGenerator<LibraryTrack> {
  const driver = await (options.loadSqlCipher ?? loadSqlCipherDriver)();
  if (driver === undefined) {
    throw new LibraryFormatError(source, `rekordbox's master.db is encrypted and this build cannot open it (it needs the optional package ${SQLCIPHER_PACKAGE}). ${EXPORT_ADVICE}`);
  }
  let db: Database.Database;
  try {
    db = openLibraryDatabase(path, source, driver, unlock);
  } catch (error) {
    throw new LibraryFormatError(source, `rekordbox's published key does not open this master.db (${error instanceof Error ? error.message : String(error)}); it may come from a newer rekordbox or be damaged. ${EXPORT_ADVICE}`, { cause: error });
  }
  try {
    const plays = await playsByContent(db, source, options.pageSize);
    for await (const row of contentRows(db, source, options.pageSize)) {
      const played = plays.get(row.contentId);
      const track = libraryTrackOf({ artist: row.artist, title: row.title, playCount: countValue(row.playCount) ?? played?.count, lastPlayedAt: played?.last }, report);
      if (track !== undefined) yield track;
    }
  } finally {
    db.close();
  }
}

/** SQLCipher 4 with its default settings, as rekordbox writes (pyrekordbox opens it with sqlcipher3 defaults and this key as passphrase). */
function unlock(db: Database.Database): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.pragma(`key = '${REKORDBOX_MASTER_DB_KEY}'`);
}

function contentRows(db: Database.Database, source: string, pageSize?: number): AsyncGenerator<ContentRow> {
  const columns = requireColumns(db, source, 'rekordbox', 'djmdContent', ['ID', 'Title', 'ArtistID']);
  requireColumns(db, source, 'rekordbox', 'djmdArtist', ['ID', 'Name']);
  const playCount = columns.has('djplaycount') ? 'content.DJPlayCount' : 'NULL';
  const notDeleted = columns.has('rb_local_deleted') ? 'AND content.rb_local_deleted IS NOT 1' : '';
  // Keyset on ID (rekordbox's VARCHAR primary key), which works whether or not the table has a rowid.
  const page = readingDatabase(source, 'reading djmdContent', () =>
    db.prepare(`SELECT content.ID AS pageKey, content.ID AS contentId, ${cappedText('artist.Name')} AS artist, ${cappedText('content.Title')} AS title, ${playCount} AS playCount
      FROM djmdContent AS content LEFT JOIN djmdArtist AS artist ON artist.ID = content.ArtistID
      WHERE content.ID > ? ${notDeleted} ORDER BY content.ID LIMIT ?`),
  );
  return pagedRows('', (after, limit) => readingDatabase(source, 'reading djmdContent', () => page.all(after, limit) as ContentRow[]), pageSize);
}

/**
 * Plays per track from the history, gathered once in pages (a per-track subquery would scan the
 * history for every track: rekordbox's schema promises no index on ContentID).
 */
async function playsByContent(db: Database.Database, source: string, pageSize?: number): Promise<Map<string, Plays>> {
  const plays = new Map<string, Plays>();
  const columns = tableColumns(db, source, 'djmdSongHistory');
  if (!['id', 'contentid', 'created_at'].every((column) => columns.has(column))) return plays;
  const notDeleted = columns.has('rb_local_deleted') ? 'AND rb_local_deleted IS NOT 1' : '';
  const page = readingDatabase(source, 'reading djmdSongHistory', () =>
    db.prepare(`SELECT ID AS pageKey, ContentID AS contentId, created_at AS playedAt FROM djmdSongHistory WHERE ID > ? ${notDeleted} ORDER BY ID LIMIT ?`),
  );
  const rows = pagedRows<HistoryRow>('', (after, limit) => readingDatabase(source, 'reading djmdSongHistory', () => page.all(after, limit) as HistoryRow[]), pageSize);
  for await (const row of rows) {
    if (typeof row.contentId !== 'string' && typeof row.contentId !== 'number') continue;
    const key = String(row.contentId);
    const entry = plays.get(key) ?? { count: 0, last: undefined };
    const playedAt = libraryDate(row.playedAt);
    entry.count += 1;
    if (playedAt !== undefined && (entry.last === undefined || playedAt > entry.last)) entry.last = playedAt;
    plays.set(key, entry);
  }
  return plays;
}
