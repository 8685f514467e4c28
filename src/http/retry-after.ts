/**
 * Reads a Retry-After header: a number of seconds, or an HTTP date. Returns milliseconds from
 * `now`, never negative, or undefined when the header is missing or unreadable.
 *
 * @example parseRetryAfter('120', now) // 120_000
 * @example parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP date format starts with a day name; Date.parse alone would accept "-5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
