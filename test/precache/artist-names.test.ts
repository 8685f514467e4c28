import fc from 'fast-check';
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
    expect(names('Jay-Z')).toEqual(['Jay-Z']);
    expect(names('-M-')).toEqual(['-M-']);
  });

  it('searches "/", " x " and " + " names whole first, like "&" (AC/DC is found whole)', () => {
    // "/" and " + " once kept names whole with no parts; they now join like "&".
    expect(names('AC/DC')).toEqual([['AC/DC', ['AC', 'DC']]]);
    expect(names('Florence + the Machine')).toEqual([['Florence + the Machine', ['Florence', 'the Machine']]]);
    expect(names('Ganja White Night x Subtronics')).toEqual([['Ganja White Night x Subtronics', ['Ganja White Night', 'Subtronics']]]);
    expect(names('Malcolm X')).toEqual(['Malcolm X']);
  });

  it('always splits ";" and a slash with a space beside it, which no artist name holds', () => {
    expect(names('Beyoncé;JAY-Z')).toEqual(['Beyoncé', 'JAY-Z']);
    expect(names('ALAIA; Gallo; DJ Dan')).toEqual(['ALAIA', 'Gallo', 'DJ Dan']);
    expect(names('Blue Amazon / Transa')).toEqual(['Blue Amazon', 'Transa']);
    expect(names('Moskardi /Andre Guarda')).toEqual(['Moskardi', 'Andre Guarda']);
  });

  it('drops joiners left dangling at the ends', () => {
    expect(names('Teto, Matuê - ')).toEqual([['Teto, Matuê', ['Teto', 'Matuê']]]);
    expect(names('9A -')).toEqual(['9A']);
    expect(names('Alok;')).toEqual(['Alok']);
  });

  it('keeps the artist of a field holding "Artist - Title", promo addresses and all', () => {
    expect(names('Santé - Awake feat. J.U.D.G.E. (Agoria Remix) zipy.org')).toEqual(['Santé']);
    expect(names('Maceo Plex - Conjure Dreams DEEPDJ.ORG')).toEqual(['Maceo Plex']);
    expect(names('Andre Galluzzi, Dana Ruh - Beetle (Original Mix) www.4DJ.us')).toEqual([['Andre Galluzzi, Dana Ruh', ['Andre Galluzzi', 'Dana Ruh']]]);
  });

  it('is not fooled by web addresses', () => {
    for (const field of ['Afritunez.com', 'www.FunMaza.Com', 'https://example.org/a', '[HouseMusic365.Com]']) expect(names(field)).toEqual([]);
    expect(names('Akon @ newestmp3s.com')).toEqual(['Akon']);
    expect(names(' [www.cmf-team.info] Space DJz')).toEqual(['Space DJz']);
    expect(names('http://vk.com/publicsoundfamily Oliver Koletzki')).toEqual(['Oliver Koletzki']);
  });

  it('decodes XML entities an exporter escaped twice', () => {
    expect(names('ALTHEA &amp;amp; DONNA')).toEqual([['ALTHEA & DONNA', ['ALTHEA', 'DONNA']]]);
    expect(names('Guns N&#39; Roses')).toEqual(["Guns N' Roses"]);
    expect(names('&lt;unknown&gt;')).toEqual([]);
  });

  it('falls back from a zero-padded track number, but keeps names that start with a number', () => {
    expect(names('01 Espoir 2000')).toEqual([['01 Espoir 2000', ['Espoir 2000']]]);
    expect(names('1-04 Ladytron')).toEqual([['1-04 Ladytron', ['Ladytron']]]);
    expect(names('50 Cent')).toEqual(['50 Cent']);
    expect(names('2 Unlimited')).toEqual(['2 Unlimited']);
  });

  it('skips compilations, unknowns and empty fields', () => {
    for (const field of ['Various Artists', 'VARIOUS', 'VA', 'Unknown Artist', '[unknown]', '', '   ', '&', ', ']) expect(names(field)).toEqual([]);
    for (const field of ['Artiste inconnu', 'Unbekannter Interpret', 'Artista desconocido', 'Artista sconosciuto', 'Artista desconhecido', 'Onbekende artiest', 'Soundtrack']) expect(names(field)).toEqual([]);
  });

  it('skips names made only of punctuation, question marks or replacement characters', () => {
    for (const field of ['?????', '\uFFFD\uFFFD', '!!!', '-', '01']) expect(names(field)).toEqual([]);
    expect(names('Barry Can\uFFFDt Swim')).toEqual(['Barry Can\uFFFDt Swim']);
    expect(names('Various Artists feat. Björk')).toEqual(['Björk']);
  });

  it('skips a field too long to be a name instead of failing', () => {
    expect(names('x'.repeat(100_000))).toEqual([]);
  });
});

describe('artist names, whatever the field holds', () => {
  const anyField = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.constantFrom('A', 'b', ' ', '&', ',', ';', '/', ' x ', ' + ', ' - ', 'feat. ', '(ft. ', ')', '&amp;', '01 ', '?', '\uFFFD', '\u0000', '\n', 'www.a.com', 'é'), { maxLength: 12 }).map((parts) => parts.join('')));

  it('never throws, and never gives an empty name or one with a control character', () => {
    fc.assert(
      fc.property(anyField, (field) => {
        for (const candidate of artistCandidates(field)) {
          for (const name of [candidate.name, ...(candidate.parts ?? []).map((part) => part.name)]) {
            expect(name.trim()).not.toBe('');
            expect(name).toBe(name.trim());
            expect(/\p{Cc}/u.test(name)).toBe(false);
          }
        }
      }),
    );
  });

  it('is idempotent: a name it gives is given back unchanged', () => {
    fc.assert(
      fc.property(anyField, (field) => {
        for (const candidate of artistCandidates(field)) {
          expect(artistCandidates(candidate.name).map((again) => again.name)).toEqual([candidate.name]);
        }
      }),
    );
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

describe('ArtistSet ordered by what the DJ plays', () => {
  it('puts the artists played most first, then the most recently played, then the library order; a split name shares its plays', () => {
    const artists = new ArtistSet();
    artists.addTrack({ artist: 'Never Played' });
    artists.addTrack({ artist: 'Daft Punk', playCount: 3, lastPlayedAt: 1000 });
    artists.addTrack({ artist: 'Air', playCount: 5, lastPlayedAt: 500 });
    artists.addTrack({ artist: 'Daft Punk', playCount: 4, lastPlayedAt: 2000 });
    artists.addTrack({ artist: 'Röyksopp', playCount: 1, lastPlayedAt: 9000 });
    artists.addTrack({ artist: 'Moderat', playCount: 1, lastPlayedAt: 8000 });
    artists.addTrack({ artist: 'Beyoncé;JAY-Z', playCount: 2 });
    expect(artists.values().map((artist) => artist.name)).toEqual(['Daft Punk', 'Air', 'Beyoncé', 'JAY-Z', 'Röyksopp', 'Moderat', 'Never Played']);
    expect(artists.playsOf('daft punk')).toEqual({ count: 7, lastPlayedAt: 2000 });
    expect(artists.playsOf('never played')).toEqual({ count: 0, lastPlayedAt: null });
  });

  it('keeps the library order when the library counts no plays', () => {
    const artists = new ArtistSet();
    for (const artist of ['C', 'A', 'B']) artists.addTrack({ artist: `Artist ${artist}` });
    expect(artists.values().map((artist) => artist.name)).toEqual(['Artist C', 'Artist A', 'Artist B']);
  });
});
