import type Database from 'better-sqlite3';
import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { requireColumns } from './library-schema.js';
import { libraryDate } from './library-dates.js';
import { cappedText, libraryTrackOf } from './library-values.js';
import { pagedRows } from './paged-rows.js';
import { readingDatabase } from './sqlite-errors.js';

interface EngineTrackRow {
  pageKey: number;
  artist: unknown;
  title: unknown;
  lastPlayed: unknown;
}

/**
 * The tracks of an Engine DJ 2.x–4.x library (`Engine Library/Database2/m.db`), from its
 * `Track` table (schema as libdjinterop creates it for Engine 2.18–3.x: `id`, `artist`,
 * `title`, `timeLastPlayed`, `isPlayed`, …).
 *
 * Play history: `m.db` keeps no play count, only `timeLastPlayed` (seconds since the epoch),
 * which becomes `lastPlayedAt`; `isPlayed` is a flag, not a count, so `playCount` is left out.
 * (Engine's separate history database, `hm.db`, is not read.)
 */
export function engineDjTracks(db: Database.Database, source: string, report: LibraryReadReport, pageSize?: number): AsyncGenerator<LibraryTrack> {
  const columns = requireColumns(db, source, 'Engine DJ', 'Track', ['id', 'artist', 'title']);
  const lastPlayed = columns.has('timelastplayed') ? 'timeLastPlayed' : 'NULL';
  const page = readingDatabase(source, 'reading Track', () =>
    db.prepare(`SELECT id AS pageKey, ${cappedText('artist')} AS artist, ${cappedText('title')} AS title, ${lastPlayed} AS lastPlayed
      FROM Track WHERE id > ? ORDER BY id LIMIT ?`),
  );
  return tracksFrom(pagedRows(Number.MIN_SAFE_INTEGER, (after, limit) => readingDatabase(source, 'reading Track', () => page.all(after, limit) as EngineTrackRow[]), pageSize), report);
}

async function* tracksFrom(rows: AsyncGenerator<EngineTrackRow>, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  for await (const row of rows) {
    const track = libraryTrackOf({ artist: row.artist, title: row.title, lastPlayedAt: libraryDate(row.lastPlayed) }, report);
    if (track !== undefined) yield track;
  }
}
