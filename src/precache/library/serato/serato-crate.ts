import { LibraryReadReport } from '../library-track.js';
import { databaseTrack, seratoDatabaseEntries, type SeratoDatabaseTrack } from './serato-database.js';
import { seratoRecordFields } from './serato-file.js';
import { isReadablePath, seratoPathKey, seratoText } from './serato-text.js';

/** A Serato file to read: its bytes and the name messages give it. */
export interface SeratoInput {
  bytes: AsyncIterable<Buffer>;
  source: string;
}

/**
 * The track paths of a Serato crate (`_Serato_/Subcrates/NAME.crate`, one file per crate, the
 * name only in the file name), streamed. The file is a `vrsn` record ("1.0/Serato ScratchLive
 * Crate"), the browser's sort (`osrt`) and columns (`ovct`), then one `otrk` record per track
 * holding its path in a `ptrk` field, relative to the drive root like the database's `pfil`.
 * A crate keeps no artist: `seratoCrateTracks` finds them in the database. An unreadable path,
 * a damaged record or one cut short by the end of the file is skipped and counted.
 */
export async function* seratoCrateTrackPaths(bytes: AsyncIterable<Buffer>, source: string, report: LibraryReadReport): AsyncGenerator<string> {
  for await (const fields of seratoRecordFields(bytes, source, 'serato-crate', 'otrk', 'damaged Serato crate entry', report)) {
    const field = fields.find((candidate) => candidate.tag === 'ptrk');
    if (field === undefined) continue;
    const path = seratoText(field.value, report);
    if (!isReadablePath(path)) {
      report.skip('Serato crate entry without a readable path');
      continue;
    }
    yield path;
  }
}

/**
 * The tracks of a crate, with their artists from the database of the same `_Serato_` folder.
 * Crate paths are collected first (a crate is small), then the database is streamed and its
 * tracks that are in the crate are yielded, in database order, each once. Paths are matched by
 * `seratoPathKey` (leading slash and drive letter dropped, "\" as "/", NFC), which equals
 * Serato's exact match for the paths it writes and tolerates a crate copied between systems.
 * A crate track missing from the database, or whose database artist is unreadable, is skipped
 * and counted; one the database keeps without an artist is left out, as the database reader does.
 */
export async function* seratoCrateTracks(crate: SeratoInput, database: SeratoInput, report: LibraryReadReport): AsyncGenerator<SeratoDatabaseTrack> {
  const wanted = new Set<string>();
  for await (const path of seratoCrateTrackPaths(crate.bytes, crate.source, report)) wanted.add(seratoPathKey(path));
  // The database's own damage concerns tracks outside the crate too: counted only where it
  // costs a crate track (then as "not in the database").
  const databaseReport = new LibraryReadReport();
  for await (const entry of seratoDatabaseEntries(database.bytes, database.source, databaseReport)) {
    if (!wanted.delete(seratoPathKey(entry.path))) continue;
    const track = databaseTrack(entry, report);
    if (track !== null) yield track;
  }
  if (wanted.size > 0) report.skip('Serato crate track not in the database', wanted.size);
}
