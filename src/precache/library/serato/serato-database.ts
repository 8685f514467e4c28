import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { seratoRecordFields } from './serato-file.js';
import type { SeratoField } from './serato-records.js';
import { isReadableName, isReadablePath, seratoText } from './serato-text.js';

/** A track of `database V2`, with the path Serato identifies it by (as the database spells it). */
export type SeratoDatabaseTrack = LibraryTrack & { path: string };

/** One `otrk` record as read, artist or not; what crates are joined against. */
export interface SeratoDatabaseEntry {
  path: string;
  /** Absent when the track has no `tart` field (43 of 5,562 in the real database) or it is blank. */
  artist?: string;
  /** Why the artist the track names could not be read, if so: a skip for whoever yields the track. */
  unreadableArtist?: string;
  title?: string;
  playCount?: number;
}

const UNREADABLE_ARTIST = 'Serato artist with control characters (a bad read)';

/**
 * The tracks of a Serato `_Serato_/database V2`, streamed record by record. The file is a `vrsn`
 * record ("2.0/Serato Scratch LIVE Database") then one `otrk` record per track, whose fields are
 * `pfil` (path, relative to the drive root), `tsng` (title), `tart` (artist), and others.
 * Play information: `utpc` is Serato's play count (a uint32 Serato adds once a track is played;
 * it follows the plays in the same DJ's session files), read as `playCount`. The database keeps
 * no last-played time (`utme` is the file's modification time, `uadd`/`tadd` the date added, and
 * `bply` the "played" mark of the current session), so `lastPlayedAt` comes from session files only.
 * Tracks without an artist are left out; an artist with control characters, a track without a
 * path, a damaged record or a record cut short by the end of the file is skipped and counted.
 */
export async function* seratoDatabaseTracks(bytes: AsyncIterable<Buffer>, source: string, report: LibraryReadReport): AsyncGenerator<SeratoDatabaseTrack> {
  for await (const entry of seratoDatabaseEntries(bytes, source, report)) {
    const track = databaseTrack(entry, report);
    if (track !== null) yield track;
  }
}

/**
 * The track an entry yields, counting its unreadable artist (now that it is yielded, or would
 * be); null when it has no artist.
 */
export function databaseTrack(entry: SeratoDatabaseEntry, report: LibraryReadReport): SeratoDatabaseTrack | null {
  if (entry.unreadableArtist !== undefined) report.skip(entry.unreadableArtist);
  if (entry.artist === undefined) return null;
  const track: SeratoDatabaseTrack = { path: entry.path, artist: entry.artist };
  if (entry.title !== undefined) track.title = entry.title;
  if (entry.playCount !== undefined) track.playCount = entry.playCount;
  return track;
}

/**
 * Every track record of a `database V2` that has a path, with its artist where one is readable:
 * `seratoDatabaseTracks` without the filter, so that a crate can tell "not in the database" from
 * "in the database without an artist". An unreadable artist is not counted here but marked, for
 * the caller to count only if it yields that track.
 */
export async function* seratoDatabaseEntries(bytes: AsyncIterable<Buffer>, source: string, report: LibraryReadReport): AsyncGenerator<SeratoDatabaseEntry> {
  for await (const fields of seratoRecordFields(bytes, source, 'serato-database', 'otrk', 'damaged Serato track record', report)) {
    const entry = databaseEntry(fields, report);
    if (entry !== null) yield entry;
  }
}

function databaseEntry(fields: readonly SeratoField[], report: LibraryReadReport): SeratoDatabaseEntry | null {
  let path: string | undefined;
  let artist: string | undefined;
  let title: string | undefined;
  let playCount: number | undefined;
  for (const field of fields) {
    switch (field.tag) {
      case 'pfil':
        path = seratoText(field.value, report);
        break;
      case 'tart':
        artist = seratoText(field.value, report);
        break;
      case 'tsng':
        title = seratoText(field.value, report);
        break;
      case 'utpc':
        if (field.value.length === 4) playCount = field.value.readUInt32BE(0);
        break;
    }
  }
  // Serato identifies tracks by path (crates refer to them by it); Mixxx drops records without one.
  if (path === undefined || !isReadablePath(path)) {
    report.skip('Serato track record without a readable file path');
    return null;
  }
  const entry: SeratoDatabaseEntry = { path };
  if (artist !== undefined && artist.trim() !== '') {
    if (isReadableName(artist)) entry.artist = artist;
    else entry.unreadableArtist = UNREADABLE_ARTIST;
  }
  if (title !== undefined && title.trim() !== '') {
    if (isReadableName(title)) entry.title = title;
    else report.repair('Serato title with control characters left out');
  }
  if (playCount !== undefined) entry.playCount = playCount;
  return entry;
}
