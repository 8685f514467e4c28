import type { LibraryReadReport, LibraryTrack } from './library-track.js';

/**
 * More plays than anyone gives one track (100,000 plays of three minutes is seven months without
 * a break): such a count is damage, like Traktor's PLAYCOUNT="6553701" in a real collection.
 */
export const MAX_PLAUSIBLE_PLAY_COUNT = 100_000;

/**
 * A track from the fields an application keeps, or `undefined` when it names no artist: a
 * missing or blank artist is an untagged file (a sample, a stem, a recording), not damage, so
 * it is left out without being reported. The artist is kept as spelled, spaces included.
 */
export function libraryTrack(artist: string | undefined, title: string | undefined, playCount: number | undefined, lastPlayedAt: number | undefined): LibraryTrack | undefined {
  if (artist === undefined || artist.trim() === '') return undefined;
  const track: LibraryTrack = { artist };
  if (title !== undefined && title.trim() !== '') track.title = title;
  if (playCount !== undefined) track.playCount = playCount;
  if (lastPlayedAt !== undefined) track.lastPlayedAt = lastPlayedAt;
  return track;
}

/**
 * A play count as the application wrote it (decimal digits), or `undefined` when absent. A count
 * that is not a number, or above {@link MAX_PLAUSIBLE_PLAY_COUNT}, is dropped and counted as an
 * `implausible play count` repair; the track itself is still read.
 */
export function playCountOf(text: string | undefined, report: LibraryReadReport): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const count = /^\s*\d{1,15}\s*$/u.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(count) && count <= MAX_PLAUSIBLE_PLAY_COUNT) return count;
  report.repair('implausible play count');
  return undefined;
}

/**
 * Traktor's LAST_PLAYED, a day without a time or time zone ("2011/5/2"), as midnight UTC of that
 * day in ms: the day is what Traktor knows. `undefined` when absent or not a real day.
 */
export function traktorDayOf(text: string | undefined): number | undefined {
  const parts = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/u.exec(text?.trim() ?? '');
  if (parts === null) return undefined;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? time : undefined;
}

/** VirtualDJ's LastPlay, seconds since the Unix epoch, in ms; `undefined` when absent or not positive. */
export function unixSecondsOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d{1,12}\s*$/u.test(text)) return undefined;
  const seconds = Number(text);
  return seconds > 0 ? seconds * 1000 : undefined;
}

/** A plist `<date>` (ISO 8601 in UTC, "2018-05-10T22:00:02Z") in ms; `undefined` when absent or unreadable. */
export function isoDateOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/u.test(text.trim())) return undefined;
  const time = Date.parse(text.trim());
  return Number.isFinite(time) ? time : undefined;
}
