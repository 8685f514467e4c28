import type Database from 'better-sqlite3';
import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { requireColumns, tableColumns } from './library-schema.js';
import { libraryDate } from './library-dates.js';
import { cappedText, countValue, libraryTrackOf } from './library-values.js';
import { pagedRows } from './paged-rows.js';
import { readingDatabase } from './sqlite-errors.js';

/** `Playlists.hidden` for Mixxx's history ("set log") playlists: one entry per track played. */
const MIXXX_HISTORY_PLAYLIST = 2;

interface MixxxTrackRow {
  pageKey: number;
  artist: unknown;
  title: unknown;
  playCount: unknown;
  lastPlayed: unknown;
}

/**
 * The tracks of a Mixxx library (`mixxxdb.sqlite`), from its `library` table (schema as
 * Mixxx's res/schema.xml builds it), leaving out tracks removed from the library
 * (`mixxx_deleted = 1`).
 *
 * Play history: `library.timesplayed` (schema 7+) is the play count; `library.last_played_at`
 * (schema 35+) the last play. Where either is missing (an older schema, or a NULL Mixxx has
 * not filled in), the history playlists (`Playlists.hidden = 2`, one `PlaylistTracks` row
 * per play, stamped `pl_datetime_added`) give the count of plays and the latest.
 */
export function mixxxTracks(db: Database.Database, source: string, report: LibraryReadReport, pageSize?: number): AsyncGenerator<LibraryTrack> {
  const columns = requireColumns(db, source, 'Mixxx', 'library', ['id', 'artist', 'title']);
  const history = hasHistory(db, source);
  const historyWhere = `FROM PlaylistTracks AS played JOIN Playlists AS list ON list.id = played.playlist_id WHERE played.track_id = library.id AND list.hidden = ${MIXXX_HISTORY_PLAYLIST}`;
  const historyCount = history ? `(SELECT count(*) ${historyWhere})` : 'NULL';
  const historyLast = history ? `(SELECT max(played.pl_datetime_added) ${historyWhere})` : 'NULL';
  const playCount = columns.has('timesplayed') ? `coalesce(library.timesplayed, ${historyCount})` : historyCount;
  const lastPlayed = columns.has('last_played_at') ? `coalesce(library.last_played_at, ${historyLast})` : historyLast;
  const notDeleted = columns.has('mixxx_deleted') ? 'AND library.mixxx_deleted IS NOT 1' : '';
  const page = readingDatabase(source, 'reading library', () =>
    db.prepare(`SELECT library.id AS pageKey, ${cappedText('library.artist')} AS artist, ${cappedText('library.title')} AS title,
        ${playCount} AS playCount, ${lastPlayed} AS lastPlayed
      FROM library WHERE library.id > ? ${notDeleted} ORDER BY library.id LIMIT ?`),
  );
  return tracksFrom(pagedRows(Number.MIN_SAFE_INTEGER, (after, limit) => readingDatabase(source, 'reading library', () => page.all(after, limit) as MixxxTrackRow[]), pageSize), report);
}

/** Whether the history tables are there as Mixxx 1.12+ keeps them (`pl_datetime_added` came with schema 15). */
function hasHistory(db: Database.Database, source: string): boolean {
  const playlists = tableColumns(db, source, 'Playlists');
  const entries = tableColumns(db, source, 'PlaylistTracks');
  return playlists.has('hidden') && ['playlist_id', 'track_id', 'pl_datetime_added'].every((column) => entries.has(column));
}

async function* tracksFrom(rows: AsyncGenerator<MixxxTrackRow>, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  for await (const row of rows) {
    const track = libraryTrackOf({ artist: row.artist, title: row.title, playCount: countValue(row.playCount), lastPlayedAt: libraryDate(row.lastPlayed) }, report);
    if (track !== undefined) yield track;
  }
}
