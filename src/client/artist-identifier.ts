import { requireString } from '../validation.js';

/**
 * The one spelling of an artist that the cache files things under, so that "Daft Punk",
 * " daft  punk" and "DAFT PUNK" are one artist. The rule, in order:
 *
 * 1. Unicode NFKC: compatibility forms become their plain letters (full-width "Ａ" → "A", "ﬁ" →
 *    "fi"), and composed and decomposed accents become one form ("é" either way).
 * 2. Lower case (locale-independent).
 * 3. Every run of white space (tabs, no-break spaces, line breaks too) becomes one space, and
 *    none is left at either end.
 *
 * Accents, punctuation and word order are kept: "Beyoncé" and "Beyonce", "AC/DC" and "ACDC"
 * stay different artists, because for some artists they are.
 *
 * @example normalizeArtistIdentifier('  DAFT\u00a0 Punk ') // 'daft punk'
 */
export function normalizeArtistIdentifier(name: string): string {
  requireString('artist name', name, { maxLength: 1024 });
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
