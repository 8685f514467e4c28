import { normalizeArtistIdentifier } from '../providers/identifiers.js';

/**
 * One artist found in a library. `parts` is set when the name joins several artists with "&"
 * or "," and may also be one band's name ("Simon & Garfunkel", "Earth, Wind & Fire"): the
 * pre-cacher searches the whole name first and only falls back to the parts when MusicBrainz
 * knows no artist by it.
 */
export interface ArtistCandidate {
  /** The name as the library spells it, tidied: trimmed, white space folded, NFC. */
  name: string;
  /** The cache's identifier for it (see normalizeArtistIdentifier). */
  identifier: string;
  parts?: ArtistCandidate[];
}

/** Names that stand for no artist: compilations and unknowns. Compared after normalising. */
const NOT_AN_ARTIST = new Set(['various artists', 'various', 'va', 'v.a.', 'v/a', 'unknown artist', 'unknown', '[unknown]', 'artist', '<unknown>']);

/** A featured guest always is another artist: "A feat. B", "A ft B", "A featuring B", "A vs. B". */
const FEATURING = /\s+(?:feat\.?|ft\.?|featuring|vs\.?|versus)\s+/iu;
/** The same in brackets at the end of a name: "A (feat. B)", "A [ft. B]". */
const FEATURING_IN_BRACKETS = /\s*[([]\s*(?:feat\.?|ft\.?|featuring|with)\s+([^)\]]+)[)\]]/giu;
/** "&" and "," join artists, or are part of one artist's name. */
const JOINERS = /\s*(?:&|,)\s*/u;

/**
 * The artists named by one library field, tidied and split (see the README's rule).
 *
 * @example
 * artistCandidates('Daft Punk feat. Pharrell Williams & Nile Rodgers')
 * // [{ name: 'Daft Punk' }, { name: 'Pharrell Williams & Nile Rodgers', parts: [Pharrell Williams, Nile Rodgers] }]
 */
export function artistCandidates(field: string): ArtistCandidate[] {
  const names: string[] = [];
  const text = tidy(field).replace(FEATURING_IN_BRACKETS, (_match, guests: string) => {
    names.push(guests);
    return '';
  });
  names.unshift(...text.split(FEATURING));
  const candidates: ArtistCandidate[] = [];
  for (const name of names) {
    const candidate = candidateOf(name);
    if (candidate !== null) candidates.push(candidate);
  }
  return candidates;
}

function candidateOf(raw: string): ArtistCandidate | null {
  const whole = singleArtist(raw);
  if (whole === null) return null;
  const parts = whole.name
    .split(JOINERS)
    .map(singleArtist)
    .filter((part): part is ArtistCandidate => part !== null);
  return parts.length > 1 ? { ...whole, parts } : whole;
}

function singleArtist(raw: string): ArtistCandidate | null {
  const name = tidy(raw);
  // No artist's name is this long; a field this long is damage, not data.
  if (name === '' || name.length > 512) return null;
  const identifier = normalizeArtistIdentifier(name);
  return identifier === '' || NOT_AN_ARTIST.has(identifier) ? null : { name, identifier };
}

/** NFC, no invisible characters, one space between words, none at the ends. */
function tidy(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^[,&]\s*|\s*[,&]$/gu, '')
    .trim();
}

/**
 * Collects candidates without repeats (by identifier, so "Daft Punk" and "DAFT  PUNK" are one;
 * the first spelling seen is kept). Memory grows with the number of artists, not of tracks.
 */
export class ArtistSet {
  private readonly byIdentifier = new Map<string, ArtistCandidate>();
  /** Library fields read, for the report. */
  fields = 0;

  /** Adds the artists of one library field; returns how many were new. */
  addField(field: string): number {
    this.fields += 1;
    let added = 0;
    for (const candidate of artistCandidates(field)) if (this.add(candidate)) added += 1;
    return added;
  }

  /** Adds one candidate unless an artist with its identifier is there already. */
  add(candidate: ArtistCandidate): boolean {
    if (this.byIdentifier.has(candidate.identifier)) return false;
    this.byIdentifier.set(candidate.identifier, candidate);
    return true;
  }

  has(identifier: string): boolean {
    return this.byIdentifier.has(identifier);
  }

  get size(): number {
    return this.byIdentifier.size;
  }

  values(): ArtistCandidate[] {
    return [...this.byIdentifier.values()];
  }
}
