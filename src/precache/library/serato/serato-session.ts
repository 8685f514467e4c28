import type { LibraryReadReport, LibraryTrack } from '../library-track.js';
import { seratoRecordFields } from './serato-file.js';
import { seratoFields, type SeratoField } from './serato-records.js';
import { isReadableName, seratoText } from './serato-text.js';

/**
 * Field numbers of a session entry's `adat` record, as whats-now-playing's Serato reader
 * (`nowplaying/serato3/session.py`) and sslscrobbler name them, checked against real session
 * files (whats-now-playing's tests, Serato DJ 2.4 macOS and 2.5 Windows).
 */
const FIELD = {
  /** UTF-16BE text, NUL-terminated. */
  title: 6,
  artist: 7,
  /** Seconds since the epoch: a uint32 (macOS) or uint64 (Windows). */
  startTime: 28,
  /** One byte: 1 once the track was played out, 0 when it was only loaded onto a deck. */
  played: 50,
} as const;

/**
 * The plays of a Serato history session (`_Serato_/History/Sessions/N.session`), streamed: what
 * whats-now-playing reads to know what is playing. The file is a `vrsn` record ("1.0/Serato
 * Scratch LIVE Review") then one `oent` record per track loaded onto a deck, holding an `adat`
 * record of numbered fields (6 title, 7 artist, 28/29 start/end time, 31 deck, 50 played, …).
 * Each entry is one play: `playCount` 1 and `lastPlayedAt` its start time; an entry Serato marks
 * as not played (field 50 is 0; whats-now-playing ignores those too) has `playCount` 0 and no
 * `lastPlayedAt`. Entries without an artist are left out; an unreadable artist, a damaged entry
 * or one cut short by the end of the file (Serato writes the session while the DJ plays) is
 * skipped and counted.
 */
export async function* seratoSessionTracks(bytes: AsyncIterable<Buffer>, source: string, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  for await (const fields of seratoRecordFields(bytes, source, 'serato-session', 'oent', 'damaged Serato session entry', report)) {
    const adat = fields.find((field) => field.tag === 'adat');
    const split = adat === undefined ? null : seratoFields(adat.value);
    if (split === null || !split.ok) {
      report.skip(`damaged Serato session entry (${split === null ? 'no "adat" record' : split.damage})`);
      continue;
    }
    const track = sessionTrack(split.fields, report);
    if (track !== null) yield track;
  }
}

function sessionTrack(fields: readonly SeratoField[], report: LibraryReadReport): LibraryTrack | null {
  const byId = new Map<number, Buffer>();
  for (const field of fields) byId.set(field.id, field.value);
  const artistBytes = byId.get(FIELD.artist);
  const artist = artistBytes === undefined ? '' : seratoText(artistBytes, report);
  if (artist.trim() === '') return null;
  if (!isReadableName(artist)) {
    report.skip('Serato artist with control characters (a bad read)');
    return null;
  }
  const played = byId.get(FIELD.played)?.[0] !== 0;
  const track: LibraryTrack = { artist, playCount: played ? 1 : 0 };
  const titleBytes = byId.get(FIELD.title);
  const title = titleBytes === undefined ? '' : seratoText(titleBytes, report);
  if (title.trim() !== '') {
    if (isReadableName(title)) track.title = title;
    else report.repair('Serato title with control characters left out');
  }
  const startedAt = timestamp(byId.get(FIELD.startTime));
  if (played && startedAt !== undefined) track.lastPlayedAt = startedAt;
  return track;
}

/** Seconds since the epoch, 4 or 8 bytes big-endian, as ms; none for 0 or any other size. */
function timestamp(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = value.length === 4 ? value.readUInt32BE(0) : value.length === 8 ? Number(value.readBigUInt64BE(0)) : 0;
  // Beyond the year 9999 is no time Serato wrote.
  if (seconds <= 0 || seconds > 253_402_300_799) return undefined;
  return seconds * 1000;
}
