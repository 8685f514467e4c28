import anyAscii from 'any-ascii';
import { normalizeArtistIdentifier } from '../../providers/identifiers.js';

/**
 * whats-now-playing files artist images under a squashed name: transliterated to ASCII, lower
 * case, punctuation and spaces gone (`normalize(name, nospaces=True)` of its wnpmb package, on
 * python `normality`): "Daft Punk" → `daftpunk`, "Beyoncé" → `beyonce`, "Кино" → `kino`.
 * datacache files them under the artist's name (normalizeArtistIdentifier: "daft punk").
 * The squashed form cannot be turned back into a name, so the importer collects the names the
 * whats-now-playing cache itself holds (the identifiers of API answers, the artists those
 * answers name, metadata) and any the caller gives, and matches them by their squashed form.
 *
 * @example
 * const names = new WnpArtistNames();
 * names.add('Daft Punk');
 * names.identifierFor('daftpunk') // 'daft punk'
 */
export class WnpArtistNames {
  /** Squashed form → datacache identifier → how often it was seen. */
  readonly #seen = new Map<string, Map<string, number>>();

  /** Remembers a name found somewhere; empty or absurdly long ones are ignored. */
  add(name: string): void {
    if (name.length === 0 || name.length > 300) return;
    const squashed = squashArtistName(name);
    if (squashed.length === 0) return;
    let identifier: string;
    try {
      identifier = normalizeArtistIdentifier(name);
    } catch {
      return;
    }
    // A name that is its own squashed form ("daftpunk") says nothing about the spaces it had.
    if (identifier === squashed) return;
    const identifiers = this.#seen.get(squashed) ?? new Map<string, number>();
    identifiers.set(identifier, (identifiers.get(identifier) ?? 0) + 1);
    this.#seen.set(squashed, identifiers);
  }

  /**
   * The datacache identifier for a whats-now-playing image identifier, or undefined when no
   * name found squashes to it. Where several do ("Beyoncé" and "Beyonce"), the one seen most
   * often, then the first seen.
   */
  identifierFor(wnpIdentifier: string): string | undefined {
    const identifiers = this.#seen.get(squashArtistName(wnpIdentifier));
    if (identifiers === undefined) return undefined;
    let best: string | undefined;
    let bestCount = 0;
    for (const [identifier, count] of identifiers) {
      if (count > bestCount) {
        best = identifier;
        bestCount = count;
      }
    }
    return best;
  }

  get size(): number {
    return this.#seen.size;
  }
}

/** The squashed form of a name, as whats-now-playing's image identifiers have it. */
export function squashArtistName(name: string): string {
  return anyAscii(name.normalize('NFKC')).toLowerCase().replace(/[^a-z0-9]+/gu, '');
}

/**
 * The identifier of a row no collected name matched: a name ("Daft Punk") is normalised as
 * datacache does; ids and squashed names ("daftpunk") stay as they are (they are lower case).
 */
export function unmatchedIdentifier(identifier: string): string {
  try {
    return normalizeArtistIdentifier(identifier);
  } catch {
    return identifier;
  }
}
