import type { LibraryReadReport, LibraryTrack } from '../library-track.js';

/** The longest artist or title kept (as other readers): far beyond any name; longer is damage. */
export const MAX_TEXT_LENGTH = 64 * 1024;

/**
 * SQL that reads a text column cut to one character past the limit, so a damaged row with a
 * huge value never comes into memory whole, yet is still seen to be too long.
 */
export function cappedText(column: string): string {
  return `substr(${column}, 1, ${MAX_TEXT_LENGTH + 1})`;
}

/**
 * An artist as the app stored it, or undefined when the track names none (not counted) or
 * names one that cannot be read: not text, or too long (skipped and counted in `report`).
 */
export function artistValue(value: unknown, report: LibraryReadReport): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'string') {
    report.skip('artist is not text');
    return undefined;
  }
  if (value.length > MAX_TEXT_LENGTH) {
    report.skip(`artist over ${MAX_TEXT_LENGTH} characters`);
    return undefined;
  }
  return value.trim() === '' ? undefined : value;
}

/** A title, or undefined when there is none; one that cannot be read is left out (the artist still counts) and the repair counted. */
export function titleValue(value: unknown, report: LibraryReadReport): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) {
    report.repair('unreadable title left out');
    return undefined;
  }
  return value === '' ? undefined : value;
}

/** A play count stored as a number or as digits (rekordbox keeps it in a VARCHAR); undefined unless a whole number ≥ 0. */
export function countValue(value: unknown): number | undefined {
  const count = typeof value === 'string' && /^\s*\d+\s*$/u.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

/**
 * A library row as a LibraryTrack, its values already read from their columns: undefined when
 * the artist cannot be read (counted in the report). A play count of 0 is no plays.
 */
export function libraryTrackOf(row: { artist: unknown; title: unknown; playCount?: number | undefined; lastPlayedAt?: number | undefined }, report: LibraryReadReport): LibraryTrack | undefined {
  const artist = artistValue(row.artist, report);
  if (artist === undefined) return undefined;
  const track: LibraryTrack = { artist };
  const title = titleValue(row.title, report);
  if (title !== undefined) track.title = title;
  if (row.playCount !== undefined && row.playCount > 0) track.playCount = row.playCount;
  if (row.lastPlayedAt !== undefined) track.lastPlayedAt = row.lastPlayedAt;
  return track;
}
