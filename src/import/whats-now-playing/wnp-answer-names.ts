import { isPlainObject, type JsonValue } from '../../validation.js';

/** The most names taken from one list in an answer: a search answer lists many artists. */
const NAMES_PER_LIST = 25;
/** Answers larger than this are not read for names (whats-now-playing keeps up to 16 KiB inline). */
export const MAX_ANSWER_BYTES_FOR_NAMES = 256 * 1024;

/**
 * The artist names an API answer holds, where the services put them: TheAudioDB's
 * `artists[].strArtist` (and `album[].strArtist`), fanart.tv's and Discogs's top-level `name`,
 * MusicBrainz's `name` and `artists[].name`, Last.fm's `artist.name`. Anything else is ignored.
 *
 * @example artistNamesInAnswer({ artists: [{ strArtist: 'Daft Punk' }] }) // ['Daft Punk']
 */
export function artistNamesInAnswer(answer: JsonValue): string[] {
  if (!isPlainObject(answer)) return [];
  const names: string[] = [];
  const take = (value: JsonValue | undefined): void => {
    if (typeof value === 'string' && value.trim() !== '') names.push(value);
  };
  take(answer.name);
  for (const list of [answer.artists, answer.album]) {
    if (!Array.isArray(list)) continue;
    for (const item of list.slice(0, NAMES_PER_LIST)) {
      if (!isPlainObject(item)) continue;
      take(item.strArtist);
      take(item.name);
    }
  }
  if (isPlainObject(answer.artist)) take(answer.artist.name);
  return names;
}

/**
 * The artist in a key of whats-now-playing's `cached_fetch`: `apicache://<provider>/<artist>/<endpoint>`
 * (the artist lower-cased and trimmed).
 */
export function artistInApicacheKey(url: string): string | undefined {
  const match = /^apicache:\/\/[^/]+\/(.+)\/[^/]+$/u.exec(url);
  return match?.[1];
}
