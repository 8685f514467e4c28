import { artistNamesInAnswer } from '../import/whats-now-playing/wnp-answer-names.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import type { CachedEntrySummary } from '../storage/cached-entry.js';
import type { JsonValue } from '../validation.js';

/** The data types of answers (not images) filed under an artist. */
export const ANSWER_TYPES = ['musicbrainz', 'api', 'bio'];

export interface CachedAnswer {
  dataType: string;
  summary: CachedEntrySummary;
  /** The answer's JSON; null for a remembered 404 or bytes that are not JSON. */
  answer: JsonValue | null;
}

/**
 * The answers cached about an artist (MusicBrainz, then the JSON APIs, then bios), each read
 * and parsed once, in turn: a caller that has what it needs stops reading.
 */
export async function* cachedAnswers(providers: DataCacheProviders, identifier: string): AsyncGenerator<CachedAnswer> {
  for (const dataType of ANSWER_TYPES) {
    for (const summary of await providers.storage.retrieveByIdentifier({ identifier, dataType })) {
      const entry = summary.statusCode === 200 ? await providers.storage.retrieveByUrl(summary.url, { allowStale: true }) : null;
      yield { dataType, summary, answer: entry === null ? null : parseAnswer(entry.data) };
    }
  }
}

/** The artist's own spelling in an answer, if it names them ("Björk" for "björk"). */
export function nameIn(answer: JsonValue, identifier: string): string | undefined {
  return artistNamesInAnswer(answer).find((candidate) => normalizeArtistIdentifier(candidate) === identifier);
}

/**
 * The artist's own spelling ("Daft Punk", "Björk") from their cached MusicBrainz or API
 * answers, else the identifier: what the artist list shows.
 */
export async function displayNameOf(providers: DataCacheProviders, identifier: string): Promise<string> {
  for await (const { answer } of cachedAnswers(providers, identifier)) {
    const name = answer === null ? undefined : nameIn(answer, identifier);
    if (name !== undefined) return name;
  }
  return identifier;
}

function parseAnswer(data: Buffer): JsonValue | null {
  try {
    return JSON.parse(data.toString('utf8')) as JsonValue;
  } catch {
    return null;
  }
}
