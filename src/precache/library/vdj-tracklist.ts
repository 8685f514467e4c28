import type { LibraryReadReport, LibraryTrack } from './library-track.js';
import { lines } from './text-chunks.js';

/** The heading VirtualDJ writes before each day's plays: "VirtualDJ History 2020/08/09". */
const DAY_HEADING = /^VirtualDJ History (\d{4})\/(\d{1,2})\/(\d{1,2})$/u;
/** One play: "11:30 : Artist - Title" (the artist may be empty: "06:43 :  - "). */
const PLAY = /^(\d{1,2}):(\d{2}) : (.*)$/u;

/**
 * Whether a text starts as VirtualDJ's `History/tracklist.txt` does, for telling the format
 * from a file's first chunk.
 */
export function looksLikeVdjTracklist(head: string): boolean {
  return DAY_HEADING.test(head.replace(/^\uFEFF/u, '').split(/\r\n|\n|\r/u, 1)[0]?.trim() ?? '');
}

/**
 * The plays of a VirtualDJ `History/tracklist.txt`: under each "VirtualDJ History YYYY/MM/DD"
 * heading, one "HH:MM : Artist - Title" line per play (playCount 1). The artist is what comes
 * before the first " - ", as VirtualDJ joins the two tags with it (a title may hold more
 * dashes); plays without an artist give nothing.
 * `lastPlayedAt` is the heading's day at that time, in this machine's time zone (the file
 * names none); a time earlier than the one before it under the same heading is the next day,
 * since VirtualDJ heads a session once, on the day it started, however late it runs.
 */
export async function* vdjTracklistTracks(chunks: AsyncIterable<string>, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  let day: { year: number; month: number; date: number } | undefined;
  let daysLater = 0;
  let previousMinute = -1;
  for await (const raw of lines(chunks, report)) {
    // Not trimmed: "18:26 : guregoripetuku - " ends in the separator before an empty title.
    const line = raw.replace(/^\uFEFF/u, '');
    if (line.trim() === '' || /^-+$/u.test(line.trim())) continue;
    const heading = DAY_HEADING.exec(line.trim());
    if (heading !== null) {
      day = { year: Number(heading[1]), month: Number(heading[2]), date: Number(heading[3]) };
      daysLater = 0;
      previousMinute = -1;
      continue;
    }
    const play = PLAY.exec(line);
    if (play === null) {
      report.skip('line not a VirtualDJ tracklist play');
      continue;
    }
    const [, hours = '', minutes = '', rest = ''] = play;
    const minute = Number(hours) * 60 + Number(minutes);
    if (minute < previousMinute) daysLater += 1;
    previousMinute = minute;
    const separator = rest.indexOf(' - ');
    const artist = (separator === -1 ? rest : rest.slice(0, separator)).trim();
    if (artist === '') continue;
    const title = separator === -1 ? '' : rest.slice(separator + 3).trim();
    const track: LibraryTrack = title === '' ? { artist, playCount: 1 } : { artist, title, playCount: 1 };
    if (day !== undefined) track.lastPlayedAt = new Date(day.year, day.month - 1, day.date + daysLater, Number(hours), Number(minutes)).getTime();
    yield track;
  }
}
