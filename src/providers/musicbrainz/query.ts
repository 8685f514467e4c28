import { InvalidArgumentError } from '../../errors.js';
import { requireString } from '../../validation.js';

/**
 * Makes a search text safe for MusicBrainz's Lucene query syntax: its special characters are
 * escaped with a backslash, and the operator words AND, OR and NOT (operators only in capitals)
 * are lowered, so "Simon AND Garfunkel" or 'The "Real" Slim Shady' search for what they say.
 *
 * @example escapeLuceneQuery('AC/DC') // 'AC\\/DC'
 */
export function escapeLuceneQuery(text: string): string {
  requireString('query', text, { maxLength: 1000 });
  return text
    .replace(/[+\-!(){}[\]^"~*?:\\/]|&&|\|\|/g, (special) => special.replace(/./g, (character) => `\\${character}`))
    .replace(/\b(AND|OR|NOT)\b/g, (operator) => operator.toLowerCase());
}

const MBID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a MusicBrainz identifier (a UUID) before any request is made; returns it lower-cased. */
export function requireMbid(name: string, value: unknown): string {
  const text = requireString(name, value, { maxLength: 64 }).trim();
  if (!MBID.test(text)) {
    throw new InvalidArgumentError(`${name} must be a MusicBrainz ID such as 056e4f3e-d505-4dad-8ec1-d04f521cbb56, got ${JSON.stringify(text.slice(0, 64))}.`);
  }
  return text.toLowerCase();
}

/**
 * The request URL for a ws/2 resource with its query parameters in one canonical order
 * (sorted by name), so the same search is one cache entry however it was written.
 *
 * @example musicbrainzUrl('https://musicbrainz.org', 'artist', { query: 'air', limit: 5, fmt: 'json' })
 * // 'https://musicbrainz.org/ws/2/artist?fmt=json&limit=5&query=air'
 */
export function musicbrainzUrl(baseUrl: string, path: string, parameters: Record<string, string | number | undefined>): string {
  const url = new URL(`ws/2/${path}`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const names = Object.keys(parameters)
    .filter((name) => parameters[name] !== undefined)
    .sort();
  for (const name of names) url.searchParams.append(name, String(parameters[name]));
  return url.toString();
}
