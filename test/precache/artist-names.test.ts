import { describe, expect, it } from 'vitest';
import { artistCandidates, ArtistSet } from '../../src/precache/artist-names.js';

const names = (field: string): unknown[] => artistCandidates(field).map((candidate) => (candidate.parts === undefined ? candidate.name : [candidate.name, candidate.parts.map((part) => part.name)]));

describe('artist names from a library field', () => {
  it('tidies white space, invisible characters and Unicode forms', () => {
    expect(names('  Daft\u00a0\t Punk \u200b')).toEqual(['Daft Punk']);
    // "ö" decomposed (o + combining diaeresis) becomes the composed letter.
    expect(artistCandidates('Ro\u0308yksopp')[0]?.name).toBe('R\u00f6yksopp');
    expect(artistCandidates('Ro\u0308yksopp')[0]?.identifier).toBe('röyksopp');
  });

  it('splits featured and versus artists always', () => {
    expect(names('Daft Punk feat. Pharrell Williams')).toEqual(['Daft Punk', 'Pharrell Williams']);
    expect(names('Beyonce ft Jay-Z')).toEqual(['Beyonce', 'Jay-Z']);
    expect(names('Mark Ronson FEATURING Bruno Mars')).toEqual(['Mark Ronson', 'Bruno Mars']);
    expect(names('Armin van Buuren vs. Tiësto')).toEqual(['Armin van Buuren', 'Tiësto']);
    expect(names('Calvin Harris (feat. Rihanna)')).toEqual(['Calvin Harris', 'Rihanna']);
    expect(names('Calvin Harris [ft. Rihanna]')).toEqual(['Calvin Harris', 'Rihanna']);
  });

  it('keeps "&" and "," names whole, with their parts to fall back on', () => {
    expect(names('Simon & Garfunkel')).toEqual([['Simon & Garfunkel', ['Simon', 'Garfunkel']]]);
    expect(names('Earth, Wind & Fire')).toEqual([['Earth, Wind & Fire', ['Earth', 'Wind', 'Fire']]]);
    expect(names('Daft Punk feat. Pharrell Williams & Nile Rodgers')).toEqual(['Daft Punk', ['Pharrell Williams & Nile Rodgers', ['Pharrell Williams', 'Nile Rodgers']]]);
  });

  it('does not split words that only contain the markers', () => {
    expect(names('Feathers')).toEqual(['Feathers']);
    expect(names('Left Feat')).toEqual(['Left Feat']);
    expect(names('AC/DC')).toEqual(['AC/DC']);
    expect(names('Florence + the Machine')).toEqual(['Florence + the Machine']);
  });

  it('skips compilations, unknowns and empty fields', () => {
    for (const field of ['Various Artists', 'VARIOUS', 'VA', 'Unknown Artist', '[unknown]', '', '   ', '&', ', ']) expect(names(field)).toEqual([]);
    expect(names('Various Artists feat. Björk')).toEqual(['Björk']);
  });

  it('skips a field too long to be a name instead of failing', () => {
    expect(names('x'.repeat(100_000))).toEqual([]);
  });
});

describe('ArtistSet', () => {
  it('keeps one artist per identifier, in the first spelling seen', () => {
    const artists = new ArtistSet();
    expect(artists.addField('Daft Punk')).toBe(1);
    expect(artists.addField('  DAFT  PUNK ')).toBe(0);
    expect(artists.addField('daft punk feat. Pharrell Williams')).toBe(1);
    expect(artists.fields).toBe(3);
    expect(artists.values().map((artist) => artist.name)).toEqual(['Daft Punk', 'Pharrell Williams']);
  });

  it('keeps accented and unaccented spellings apart, as the cache does', () => {
    const artists = new ArtistSet();
    artists.addField('Beyoncé');
    artists.addField('Beyonce');
    artists.addField('Beyonce\u0301');
    expect(artists.values().map((artist) => artist.identifier)).toEqual(['beyoncé', 'beyonce']);
  });
});
