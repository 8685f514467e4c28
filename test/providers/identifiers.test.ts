import { describe, expect, it } from 'vitest';
import { normalizeArtistIdentifier } from '../../src/providers/identifiers.js';

describe('normalizeArtistIdentifier', () => {
  it('makes case, surrounding and repeated white space, and Unicode forms one artist', () => {
    const spellings = ['Daft Punk', ' daft  punk', 'DAFT PUNK', 'Daft\u00a0Punk', '\tDaft\nPunk ', 'Ｄａｆｔ Ｐｕｎｋ'];
    expect(new Set(spellings.map(normalizeArtistIdentifier))).toEqual(new Set(['daft punk']));
    expect(normalizeArtistIdentifier('Beyonce\u0301')).toBe(normalizeArtistIdentifier('Beyoncé'));
  });

  it('keeps accents, punctuation and order, which can tell artists apart', () => {
    expect(normalizeArtistIdentifier('Beyoncé')).not.toBe(normalizeArtistIdentifier('Beyonce'));
    expect(normalizeArtistIdentifier('AC/DC')).toBe('ac/dc');
    expect(() => normalizeArtistIdentifier(42 as never)).toThrow(/artist name must be a string/);
  });
});
