import anyAscii from 'any-ascii';

/**
 * The form names are compared in when searching: without case, accents or other marks, in
 * ASCII where a letter has a usual transliteration, with single spaces. "Beyoncé", "BEYONCE"
 * and "beyonce" all fold to "beyonce"; "Sigur Rós" to "sigur ros"; "Røyksopp" to "royksopp".
 * Only for finding: artists are still filed under their own spelling (see
 * normalizeArtistIdentifier), as "Beyoncé" and "Beyonce" may be two artists.
 *
 * @example foldForSearch('  Beyoncé ') // 'beyonce'
 */
export function foldForSearch(text: string): string {
  const unmarked = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  return anyAscii(unmarked).toLowerCase().replace(/\s+/gu, ' ').trim();
}
