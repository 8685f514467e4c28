import { artistNamesInAnswer } from '../import/whats-now-playing/wnp-answer-names.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import type { JsonValue } from '../validation.js';

/** The data types of answers (not images) filed under an artist. */
export const ANSWER_TYPES = ['musicbrainz', 'api', 'bio'];

/** A cached answer's JSON, or null for bytes that are not JSON. */
export function parseAnswer(data: Buffer): JsonValue | null {
  try {
    return JSON.parse(data.toString('utf8')) as JsonValue;
  } catch {
    return null;
  }
}

/**
 * The artist's own spelling ("Daft Punk", "Björk") from their cached MusicBrainz or API
 * answers, else the identifier: what the artist list shows.
 */
export async function displayNameOf(providers: DataCacheProviders, identifier: string): Promise<string> {
  for (const dataType of ANSWER_TYPES) {
    for (const summary of await providers.storage.retrieveByIdentifier({ identifier, dataType })) {
      if (summary.statusCode !== 200) continue;
      const entry = await providers.storage.retrieveByUrl(summary.url, { allowStale: true });
      const answer = entry === null ? null : parseAnswer(entry.data);
      const name = answer === null ? undefined : artistNamesInAnswer(answer).find((candidate) => normalizeArtistIdentifier(candidate) === identifier);
      if (name !== undefined) return name;
    }
  }
  return identifier;
}
