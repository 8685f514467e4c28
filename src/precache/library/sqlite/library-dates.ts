/**
 * When something happened, in ms since the epoch, from a date as DJ apps store it in SQLite:
 *
 * - a number (or digits): seconds since the epoch (Engine DJ's `timeLastPlayed`); 0 and
 *   negatives mean "never";
 * - text: `YYYY-MM-DD HH:MM:SS[.sss]` (SQLite's CURRENT_TIMESTAMP, UTC), ISO 8601 with `T`
 *   and a zone (Qt's, so Mixxx's), or rekordbox's `YYYY-MM-DD HH:MM:SS.sss +00:00`. Text
 *   without a zone is UTC, as SQLite's own date functions take it.
 *
 * Anything else (a damaged value) is undefined: the track still counts, without a date.
 */
export function libraryDate(value: unknown): number | undefined {
  if (typeof value === 'bigint') return libraryDate(Number(value));
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 && value < 1e11 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/u.test(text)) return libraryDate(Number(text));
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/iu.exec(text);
  if (match === null) return undefined;
  const [, day, time, zone] = match;
  const offset = zone === undefined ? 'Z' : zone.toUpperCase().replace(/^([+-]\d{2})(\d{2})$/u, '$1:$2');
  const instant = Date.parse(`${day}T${time ?? '00:00:00'}${offset}`);
  return Number.isNaN(instant) || instant <= 0 ? undefined : instant;
}
