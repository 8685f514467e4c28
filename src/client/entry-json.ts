import type { CachedEntry } from '../storage/cached-entry.js';

/** JSON a fetch parsed to check it, waiting for the first caller to ask for it. */
const parsedByFetch = new WeakMap<CachedEntry, unknown>();

/** Keeps the value a fetch parsed when it checked the body, for entryJson() to hand over once. */
export function handOverJson(entry: CachedEntry, value: unknown): void {
  parsedByFetch.set(entry, value);
}

/**
 * The entry's data as JSON. For an entry just fetched, the value parsed when the body was
 * checked, handed over once instead of parsed a second time; otherwise (a hit, or another
 * caller of the same fetch) parsed now, so no two callers share one mutable object.
 *
 * @example const artist = entryJson<{ name: string }>(await client.getOrFetch(request));
 */
export function entryJson<T>(entry: CachedEntry): T {
  if (parsedByFetch.has(entry)) {
    const value = parsedByFetch.get(entry);
    parsedByFetch.delete(entry);
    return value as T;
  }
  return entry.json<T>();
}
