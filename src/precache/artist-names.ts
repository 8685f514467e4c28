import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import { decodeXmlEntities } from './library/xml-entities.js';

/**
 * One artist found in a library. `parts` is set when the name may be several artists or one
 * ("Simon & Garfunkel", "Earth, Wind & Fire", "AC/DC", "01 Espoir 2000" from a file name): the
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

/**
 * Names that stand for no artist: compilations, unknowns (as players write them in several
 * languages), placeholders. Compared after normalising.
 */
const NOT_AN_ARTIST = new Set([
  'various artists', 'various artist', 'various', 'va', 'v.a.', 'v/a', 'varios artistas', 'artistes divers', 'artisti vari', 'verschiedene interpreten', 'diversen',
  'compilations', 'compilation', 'soundtrack', 'original soundtrack', 'ost', 'bonus track',
  'unknown artist', 'unknown artists', 'unknown', '[unknown]', '<unknown>', '(unknown)', 'artist', 'no artist', 'none', 'n/a', 'null', 'undefined',
  'artiste inconnu', 'inconnu', 'unbekannter interpret', 'unbekannter künstler', 'unbekannt', 'artista desconocido', 'desconocido',
  'artista sconosciuto', 'sconosciuto', 'artista desconhecido', 'desconhecido', 'onbekende artiest', 'onbekend', 'okänd artist', 'ukjent artist', 'ukendt kunstner', 'nieznany wykonawca',
]);

/** A featured guest always is another artist: "A feat. B", "A ft B", "A featuring B", "A vs. B". */
const FEATURING = /\s+(?:feat\.?|ft\.?|featuring|vs\.?|versus)\s+/iu;
/** The same in brackets at the end of a name: "A (feat. B)", "A [ft. B]". */
const FEATURING_IN_BRACKETS = /\s*[([]\s*(?:feat\.?|ft\.?|featuring|with)\s+([^)\]]+)[)\]]/giu;
/**
 * Lists no artist's name holds, so always split like "feat.": ";" (Apple Music's and
 * iTunes' joiner, "Beyoncé;JAY-Z") and a slash with a space beside it ("Blue Amazon / Transa").
 */
const ALWAYS_SPLIT = /\s*;\s*|\s+\/\s*|\s*\/\s+/u;
/**
 * Joiners that may join artists or be part of one artist's name: "&", ",", " x ", " + " and
 * a slash between words ("AC/DC", but "Mefjus/Phace"); searched whole first.
 */
const JOINERS = /\s*[&,/]\s*|\s+[x+]\s+/iu;
/** "Artist - Title" in an artist field (a spaced hyphen or dash: "Jay-Z" has none). */
const TITLE_SEPARATOR = /\s+[-–—]\s+/u;
/**
 * A track number a file name left at the start: zero-padded or disc-track ("01 Espoir 2000",
 * "1-04 Ladytron"), as no artist's name starts. "50 Cent", "4 Hero" and "2 Chainz" do start
 * with a bare number, so a bare number stays.
 */
const TRACK_NUMBER = /^(?:\d{1,2}-\d{1,3}|0\d)(?:\s*[.)]\s*|\s+-\s+|\s+)(?=\p{L})/u;
/** Web addresses promo sites stamp into tags ("Akon @ newestmp3s.com", "[www.4DJ.us]"). */
const WEB_ADDRESS = /@?\s*(?:https?:\/\/[^\s)\]]+|www\.[^\s)\]]+|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|info|biz|us|uk|pl|lt|ru|cc|de|fm|me|io|to|club|tv)\b[^\s)\]]*)/giu;
const EMPTY_BRACKETS = /[([{]\s*[)\]}]/gu;
/** What a name may not start or end with: joiners left dangling ("A, B -", "A;"). */
const DANGLING_START = /^(?:[,&;/|]\s*|[-–—]\s+)+/u;
const DANGLING_END = /(?:\s*[,&;/|]|\s+[-–—])+$/u;

/**
 * The artists named by one library field, tidied and split. Rules, in order:
 * 1. XML entities still in the name ("&amp;" escaped twice by its exporter) are decoded.
 * 2. Web addresses are dropped ("Akon @ newestmp3s.com" → "Akon"; a bare address is no artist).
 * 3. A field holding "Artist - Title" (a spaced dash) keeps the part before ("Santé - Awake
 *    (Agoria Remix) zipy.org" → "Santé"); joiners left dangling at either end go ("9A -" → "9A").
 * 4. "feat.", "ft.", "featuring", "vs." and bracketed guests always split; so do ";" and a
 *    slash with a space beside it.
 * 5. "&", ",", " x ", " + " and a bare slash give a name searched whole first with its parts
 *    to fall back on ("AC/DC" is found whole; "Beyoncé/JAY-Z" is not, so its parts are); so
 *    does a zero-padded track number ("01 Espoir 2000" → or "Espoir 2000").
 * 6. Not artists: compilations and unknowns (in several languages), names without a letter or
 *    digit ("?????", "!!!"), a lone one- or two-digit number, anything over 512 characters.
 *
 * @example
 * artistCandidates('Daft Punk feat. Pharrell Williams & Nile Rodgers')
 * // [{ name: 'Daft Punk' }, { name: 'Pharrell Williams & Nile Rodgers', parts: [Pharrell Williams, Nile Rodgers] }]
 */
export function artistCandidates(field: string): ArtistCandidate[] {
  // No artist's name is this long; a field this long is damage, not data (and costly to scan).
  if (field.length > 4096) return [];
  const guests: string[] = [];
  const text = artistBeforeTitle(withoutDangling(tidy(withoutWebAddresses(decodeEntities(field))))).replace(FEATURING_IN_BRACKETS, (_match, guest: string) => {
    guests.push(guest);
    return '';
  });
  const candidates: ArtistCandidate[] = [];
  for (const name of [...text.split(FEATURING), ...guests].flatMap((listed) => listed.split(ALWAYS_SPLIT))) {
    const candidate = candidateOf(name);
    if (candidate !== null) candidates.push(candidate);
  }
  return candidates;
}

function candidateOf(raw: string): ArtistCandidate | null {
  const whole = singleArtist(raw);
  if (whole === null) return null;
  const joined = whole.name.split(JOINERS);
  if (joined.length > 1) {
    const parts = joined.map(singleArtist).filter((part): part is ArtistCandidate => part !== null);
    return parts.length > 1 ? { ...whole, parts } : whole;
  }
  const numbered = TRACK_NUMBER.exec(whole.name);
  const unnumbered = numbered === null ? null : singleArtist(whole.name.slice(numbered[0].length));
  return unnumbered === null ? whole : { ...whole, parts: [unnumbered] };
}

function singleArtist(raw: string): ArtistCandidate | null {
  const name = withoutDangling(tidy(raw));
  if (name === '' || name.length > 512) return null;
  // "?????", "!!!", a lone U+FFFD: what a broken encoding or a placeholder leaves, no name.
  if (!/[\p{L}\p{N}]/u.test(name) || /^\d{1,2}$/u.test(name)) return null;
  const identifier = normalizeArtistIdentifier(name);
  return identifier === '' || NOT_AN_ARTIST.has(identifier) ? null : { name, identifier };
}

/** "&amp;" and the like, decoded until none is left (some exporters escape twice or more). */
function decodeEntities(text: string): string {
  let decoded = text;
  for (let level = 0; level < 4 && decoded.includes('&'); level += 1) {
    const next = decodeXmlEntities(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

function withoutWebAddresses(text: string): string {
  return text.replace(WEB_ADDRESS, ' ').replace(EMPTY_BRACKETS, ' ');
}

/** "Artist - Title (Mix)" → "Artist"; a name without a spaced dash as it is. */
function artistBeforeTitle(text: string): string {
  const separator = TITLE_SEPARATOR.exec(text);
  return separator === null ? text : withoutDangling(text.slice(0, separator.index));
}

function withoutDangling(text: string): string {
  return text.replace(DANGLING_START, '').replace(DANGLING_END, '').trim();
}

/** NFC, no invisible or control characters, one space between words, none at the ends. */
function tidy(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Collects candidates without repeats (by identifier, so "Daft Punk" and "DAFT  PUNK" are one;
 * the first spelling seen is kept). Memory grows with the number of artists, not of tracks.
 */
export class ArtistSet {
  private readonly byIdentifier = new Map<string, ArtistCandidate>();
  private readonly plays = new Map<string, { count: number; lastPlayedAt: number }>();
  /** Library fields read, for the report. */
  fields = 0;

  /** Adds the artists of one library field; returns how many were new. */
  addField(field: string): number {
    return this.addTrack({ artist: field });
  }

  /**
   * Adds the artists of one track with its plays (where the application counts them), so
   * `values()` puts the artists the DJ plays most, and most recently, first.
   */
  addTrack(track: { artist: string; playCount?: number; lastPlayedAt?: number }): number {
    this.fields += 1;
    let added = 0;
    const count = Number.isFinite(track.playCount) && track.playCount! > 0 ? track.playCount! : 0;
    const lastPlayedAt = Number.isFinite(track.lastPlayedAt) ? track.lastPlayedAt! : 0;
    for (const candidate of artistCandidates(track.artist)) {
      if (this.add(candidate)) added += 1;
      if (count === 0 && lastPlayedAt === 0) continue;
      const known = this.plays.get(candidate.identifier) ?? { count: 0, lastPlayedAt: 0 };
      this.plays.set(candidate.identifier, { count: known.count + count, lastPlayedAt: Math.max(known.lastPlayedAt, lastPlayedAt) });
    }
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

  /** Plays of an artist across the tracks added (0 when the library counts none). */
  playsOf(identifier: string): { count: number; lastPlayedAt: number | null } {
    const plays = this.plays.get(identifier);
    return { count: plays?.count ?? 0, lastPlayedAt: plays === undefined || plays.lastPlayedAt === 0 ? null : plays.lastPlayedAt };
  }

  /**
   * The artists, those played most first, then most recently played, then in the order the
   * library lists them (a stable sort: a library without play counts keeps its order).
   */
  values(): ArtistCandidate[] {
    const artists = [...this.byIdentifier.values()];
    if (this.plays.size === 0) return artists;
    return artists.sort((a, b) => {
      const playsA = this.plays.get(a.identifier);
      const playsB = this.plays.get(b.identifier);
      return (playsB?.count ?? 0) - (playsA?.count ?? 0) || (playsB?.lastPlayedAt ?? 0) - (playsA?.lastPlayedAt ?? 0);
    });
  }
}
