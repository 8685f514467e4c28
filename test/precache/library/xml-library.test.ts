import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LibraryFormatError } from '../../../src/errors.js';
import { MAX_ATTRIBUTE_LENGTH, MAX_XML_DEPTH, xmlLibraryArtists, xmlLibraryFormatOf } from '../../../src/precache/library/xml-library.js';
import { MAX_CHARACTERS_WITHOUT_MARKUP } from '../../../src/precache/library/xml-repair.js';
import { chunksOf, readXmlLibrary } from '../../helpers/xml-libraries.js';

/** Real libraries, kept beside the checkout (never in it): ../shared/realworld-libraries/SOURCES.md says where each is from. */
const REAL_LIBRARIES = join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'realworld-libraries');
const haveRealLibraries = existsSync(REAL_LIBRARIES);

interface RealLibrary {
  file: string;
  /** What a careful reader of this file expects, and the judgement calls it takes. */
  expectation: string;
  tracks: number;
  /** Artists checked by hand in the file (grep), as the file spells them once XML is decoded. */
  artists: readonly string[];
  /** Tracks with a play count, and their sum. */
  playCounts: { tracks: number; sum: number };
  lastPlayed: number;
  skipped?: Record<string, number>;
  repaired?: Record<string, number>;
  also?: (reading: Awaited<ReturnType<typeof readXmlLibrary>>) => void;
}

const count = (reading: Awaited<ReturnType<typeof readXmlLibrary>>, artist: string): number => reading.tracks.filter((track) => track.artist === artist).length;

const REAL: readonly RealLibrary[] = [
  {
    file: 'traktor/ericanastas-collection.nml',
    expectation: 'a byte-order mark is no obstacle; the 752 of 1,036 entries without ARTIST are left out without being reported',
    tracks: 284, artists: ['Lauhaus', 'Ornette'], playCounts: { tracks: 112, sum: 229 }, lastPlayed: 112,
    also: (reading) => {
      expect(reading.tracks[0]).toEqual({ artist: 'Lauhaus', title: 'Poison (Original Mix) (edited)', playCount: 4, lastPlayedAt: Date.UTC(2012, 10, 23) });
    },
  },
  {
    file: 'traktor/garethshapiro-collection.nml',
    expectation: 'PLAYCOUNT="6553701" is damage, not plays: dropped and counted; "&amp;amp;" is left to the name tidier at one level of escaping',
    tracks: 2415, artists: ['RADIOACTIVE MAN', 'Jorge Ben', 'ALTHEA &amp; DONNA'], playCounts: { tracks: 325, sum: 1254 }, lastPlayed: 277,
    repaired: { 'implausible play count': 1 },
    also: (reading) => {
      const damaged = reading.tracks.find((track) => track.title === 'Kagne Is Not A Crime');
      expect(damaged?.artist).toBe('D-Click');
      expect(damaged?.playCount).toBeUndefined();
    },
  },
  {
    file: 'traktor/ryyckxxa-collection.nml',
    expectation: 'only the 2,557 COLLECTION entries are tracks (the other ENTRY elements are playlist references); ENTRIES="3676" is not a shortfall',
    tracks: 2424, artists: ['The Sway Machinery', 'DJ Falk', 'Quantic & His Combo Bárbaro', 'Sigur Rós'], playCounts: { tracks: 1189, sum: 4966 }, lastPlayed: 1192,
    also: (reading) => { expect(count(reading, 'Sigur Rós')).toBe(10); },
  },
  {
    file: 'traktor/ryyckxxa-history-2011-05-02.nml',
    expectation: "a history is read by its collection: each track loaded that night once, with Traktor's lifetime PLAYCOUNT and that night as its last play; the 281 deck loads of its PROTOCOL playlist are not counted again",
    tracks: 254, artists: ['Ancient Astronauts', 'Mark Knight, Funkagenda', 'Sigur Rós'], playCounts: { tracks: 254, sum: 476 }, lastPlayed: 254,
    also: (reading) => {
      expect(reading.tracks[0]).toEqual({ artist: 'Ancient Astronauts', title: 'Lost in Marrakesh (with Entropik)', playCount: 4, lastPlayedAt: Date.UTC(2011, 4, 2) });
      expect(new Set(reading.tracks.map((track) => track.lastPlayedAt))).toEqual(new Set([Date.UTC(2011, 4, 2)]));
    },
  },
  {
    file: 'traktor/t2rb-mac-collection-caian.nml',
    expectation: 'Brazilian names arrive whole; ENTRIES="4070" over 2,028 entries is Traktor\'s own count, not a partial file',
    tracks: 1454, artists: ['KNAN', 'MC Poze do Rodo', 'BR DA TIJUCA, Dj Cabelão Do Turano', 'MC Igão, Dj Gui Marques, DJ TAK VADIÃO'], playCounts: { tracks: 765, sum: 4007 }, lastPlayed: 765,
  },
  {
    file: 'traktor/travestyaudio-collection.nml',
    expectation: 'all but two of 1,978 entries name an artist',
    tracks: 1976, artists: ['Native Instruments'], playCounts: { tracks: 1650, sum: 4186 }, lastPlayed: 1650,
    also: (reading) => { expect(reading.tracks[0]).toEqual({ artist: 'Native Instruments', title: 'A1 Intro Beat', playCount: 1, lastPlayedAt: Date.UTC(2017, 7, 19) }); },
  },
  {
    file: 'traktor/wnp-tests-collection.nml',
    expectation: 'factory sounds and a few songs, nine of them played',
    tracks: 395, artists: ['Native Instruments', 'Blondie'], playCounts: { tracks: 9, sum: 36 }, lastPlayed: 9,
    also: (reading) => { expect(reading.tracks.at(-1)).toEqual({ artist: 'Blondie', title: 'Dreaming', playCount: 5, lastPlayedAt: Date.UTC(2022, 10, 19) }); },
  },
  {
    file: 'rekordbox/25ohms-test1-dec24-25.xml',
    expectation: 'PlayCount="0" is kept as never played; rekordbox keeps no last play (DateAdded is an import date)',
    tracks: 94, artists: ['Kahn, Neek', 'Liquid Crystal'], playCounts: { tracks: 94, sum: 1 }, lastPlayed: 0,
  },
  {
    file: 'rekordbox/broccoli-smuggler-rekordbox.xml',
    expectation: 'Apple Music imports with ";"-joined names are yielded as spelled',
    tracks: 1428, artists: ['Marvin Gaye', 'Los Elasticos', 'Roman Flügel'], playCounts: { tracks: 1428, sum: 0 }, lastPlayed: 0,
  },
  {
    file: 'rekordbox/fabianmuehlberger-rekordbox_export.xml',
    expectation: 'entities decoded once: "Mr. Oizo &amp; Gaspard Augé" is "Mr. Oizo & Gaspard Augé"',
    tracks: 681, artists: ['SYLVESTER', 'Loopmasters', 'Mr. Oizo & Gaspard Augé', 'Näd Mika'], playCounts: { tracks: 681, sum: 42 }, lastPlayed: 0,
  },
  {
    file: 'rekordbox/interfluve-wav-rekordbox.xml',
    expectation: 'sampler one-shots with Artist="" are untagged, not damage',
    tracks: 462, artists: ['Loopmasters', 'Octo Octa', 'Peryl, Rødhåd'], playCounts: { tracks: 462, sum: 62 }, lastPlayed: 0,
  },
  {
    file: 'rekordbox/marky555timer-rekordbox.xml',
    expectation: 'a partial export: the 125 tracks present are read, and the 1,312 more that Entries="1437" lists are reported as missing',
    tracks: 113, artists: ['Loopmasters', 'deadmau5'], playCounts: { tracks: 113, sum: 111 }, lastPlayed: 0,
    skipped: { 'listed in the collection but not in the file': 1312 },
  },
  {
    file: 'virtualdj/cushin1st-vdj7-local-database-v6.xml',
    expectation: 'VirtualDJ 7 keeps the artist in <Display Author>; 113 Authors of blank spaces are no artist',
    tracks: 79, artists: ['FB: Toàn Võ - Zalo: 01637405037 - Nghệ An Bay', 'Đức Lượng', 'Liên Hệ Mua Nhạc - Zalo: 08 6886 35 61 - Văn Nguyên'], playCounts: { tracks: 0, sum: 0 }, lastPlayed: 0,
  },
  {
    file: 'virtualdj/kapogit-vdj7-local-database-v6.xml',
    expectation: 'the 0x08 in a <Comment> is dropped and counted, as VirtualDJ reads past it, and that song is read; mojibake is kept as spelled',
    tracks: 681, artists: ['Musique', 'ABOUTOU ROOTS', 'Oze Champi', 'Rabbi_Sp‚cial_Adoration'], playCounts: { tracks: 48, sum: 65 }, lastPlayed: 48,
    repaired: { 'control character': 1 },
    also: (reading) => {
      expect(reading.tracks[0]).toEqual({ artist: 'Musique', title: 'de', playCount: 1, lastPlayedAt: 1_506_012_208_000 });
      expect(count(reading, 'Artiste inconnu')).toBe(86);
    },
  },
  {
    file: 'virtualdj/montezuma-database.xml',
    expectation: 'VirtualDJ 8 keeps the artist in <Tags Author> and plays in <Infos PlayCount LastPlay> (Unix seconds)',
    tracks: 625, artists: ['TLC', '2A,Jamelia, Don Diablo', 'Michael Bublé', 'Christina Stürmer'], playCounts: { tracks: 28, sum: 38 }, lastPlayed: 28,
    also: (reading) => { expect(reading.tracks[0]).toEqual({ artist: 'TLC', title: 'No Scrubs', playCount: 2, lastPlayedAt: 1_595_881_139_000 }); },
  },
  {
    file: 'virtualdj/peeetk-database.xml',
    expectation: 'sampler sounds without Author are left out; Authors holding "Artist - Title site.org" are yielded as spelled',
    tracks: 700, artists: ['A.Paul, DJ The Fox', 'A.Paul', 'Ø [Phase]'], playCounts: { tracks: 90, sum: 127 }, lastPlayed: 90,
  },
  {
    file: 'virtualdj/rjpugsley-database.xml',
    expectation: 'twelve untagged stems are left out; the two tagged songs are read',
    tracks: 2, artists: ['Oppidan, Diffrent', 'Dillinja'], playCounts: { tracks: 0, sum: 0 }, lastPlayed: 0,
  },
  {
    file: 'virtualdj/summerell-database.xml',
    expectation: 'mostly samples without Author; the 14 songs are read with their plays',
    tracks: 14, artists: ['Nicols Guzmn', 'JKD STAY FREE'], playCounts: { tracks: 12, sum: 31 }, lastPlayed: 12,
  },
];

describe.skipIf(!haveRealLibraries)(`reading the real XML libraries in ${REAL_LIBRARIES}${haveRealLibraries ? '' : ' (skipped: that folder is not beside this checkout)'}`, () => {
  it('covers every real XML library there is', async () => {
    const { readdir } = await import('node:fs/promises');
    const present: string[] = [];
    for (const folder of ['traktor', 'rekordbox', 'virtualdj']) {
      for (const name of await readdir(join(REAL_LIBRARIES, folder))) present.push(`${folder}/${name}`);
    }
    expect(REAL.map((library) => library.file).sort()).toEqual(present.sort());
  });

  for (const library of REAL) {
    it(`${library.file}: ${library.expectation}`, async () => {
      const reading = await readXmlLibrary({ path: join(REAL_LIBRARIES, library.file) });
      expect(reading.error).toBeUndefined();
      expect(reading.tracks).toHaveLength(library.tracks);
      expect(reading.tracks[0]?.artist).toBe(library.artists[0]);
      for (const artist of library.artists) expect(count(reading, artist), artist).toBeGreaterThan(0);
      const counted = reading.tracks.filter((track) => track.playCount !== undefined);
      expect({ tracks: counted.length, sum: counted.reduce((sum, track) => sum + (track.playCount ?? 0), 0) }).toEqual(library.playCounts);
      expect(reading.tracks.filter((track) => track.lastPlayedAt !== undefined)).toHaveLength(library.lastPlayed);
      expect(Object.fromEntries(reading.report.skipped)).toEqual(library.skipped ?? {});
      expect(Object.fromEntries(reading.report.repaired)).toEqual(library.repaired ?? {});
      // No field carries a character XML forbids, and none is blank.
      for (const track of reading.tracks) {
        // eslint-disable-next-line no-control-regex -- looking for control characters is the point
        expect(`${track.artist}${track.title ?? ''}`).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/u);
        expect(track.artist.trim()).not.toBe('');
      }
      library.also?.(reading);
    });
  }
});

describe('reading XML libraries where the application is tolerant', () => {
  const nml = (entries: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<NML VERSION="19"><COLLECTION ENTRIES="3">\n${entries}</COLLECTION></NML>\n`;

  it('drops characters XML forbids, counts them, and reads the track they were in', async () => {
    const reading = await readXmlLibrary({ text: nml('<ENTRY TITLE="Eple\u0008" ARTIST="Röyksopp\u0001"><INFO PLAYCOUNT="3"></INFO></ENTRY>\n<!-- a backspace \u0008 in a comment -->\n') });
    expect(reading.error).toBeUndefined();
    expect(reading.tracks).toEqual([{ artist: 'Röyksopp', title: 'Eple', playCount: 3 }]);
    expect(reading.report.repaired.get('control character')).toBe(3);
  });

  it('skips and counts a track whose element cannot be read, and reads the others', async () => {
    const reading = await readXmlLibrary({ text: nml('<ENTRY ARTIST="Daft Punk"></ENTRY>\n<ENTRY ARTIST="Sade" ARTIST="Sade Adu"></ENTRY>\n<ENTRY ARTIST="Björk"><INFO PLAYCOUNT="2" GENRE="&nbsp;"></INFO></ENTRY>\n<ENTRY ARTIST="Sigur Rós"></ENTRY>\n') });
    expect(reading.error).toBeUndefined();
    expect(reading.tracks.map((track) => track.artist)).toEqual(['Daft Punk', 'Sigur Rós']);
    expect(Object.fromEntries(reading.report.skipped)).toEqual({ 'unreadable XML in the track': 2 });
  });

  it(`skips a track with an attribute over ${MAX_ATTRIBUTE_LENGTH} characters`, async () => {
    const reading = await readXmlLibrary({ text: nml(`<ENTRY ARTIST="${'A'.repeat(MAX_ATTRIBUTE_LENGTH + 1)}"></ENTRY>\n<ENTRY ARTIST="Björk"></ENTRY>\n`) });
    expect(reading.tracks.map((track) => track.artist)).toEqual(['Björk']);
    expect(Object.fromEntries(reading.report.skipped)).toEqual({ [`an attribute over ${MAX_ATTRIBUTE_LENGTH} characters`]: 1 });
  });

  it('refuses a file whose structure is broken, naming the line where it broke', async () => {
    const reading = await readXmlLibrary({ text: nml('<ENTRY ARTIST="Daft Punk"></ENTRY>\n<ENTRY ARTIST="Björk"><INFO></ENTRY>\n<ENTRY ARTIST="Sigur Rós"></ENTRY>\n') });
    expect(reading.error).toBeInstanceOf(LibraryFormatError);
    expect((reading.error as Error).message).toMatch(/library\.xml: not well-formed XML near line 4: unexpected close tag/u);
  });

  it('refuses XML that is not a library, and a property list without tracks', async () => {
    const feed = await readXmlLibrary({ text: '<rss version="2.0"><channel/></rss>' });
    expect((feed.error as Error).message).toMatch(/root element <rss>, which is not a Traktor \(<NML>\), rekordbox .* or iTunes \/ Apple Music \(<plist>\) library/u);
    const preferences = await readXmlLibrary({ text: '<?xml version="1.0"?><plist version="1.0"><dict><key>Volume</key><integer>3</integer></dict></plist>' });
    expect((preferences.error as Error).message).toMatch(/a property list without a Tracks dictionary/u);
  });

  it('refuses a library of another format than the one asked for', async () => {
    const reading = await readXmlLibrary({ text: nml('<ENTRY ARTIST="Daft Punk"></ENTRY>') }, 'rekordbox');
    expect((reading.error as Error).message).toMatch(/this is a traktor library, not rekordbox/u);
  });
});

describe('reading hostile XML within bounds', () => {
  it(`refuses elements nested more than ${MAX_XML_DEPTH} deep`, async () => {
    const reading = await readXmlLibrary({ text: `<NML>${'<NODE>'.repeat(MAX_XML_DEPTH)}${'</NODE>'.repeat(MAX_XML_DEPTH)}</NML>` });
    expect((reading.error as Error).message).toMatch(new RegExp(`nested more than ${MAX_XML_DEPTH} deep`, 'u'));
  });

  it('never expands entities a document declares: no billion laughs, no file read', async () => {
    const laughs = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`)].join('');
    const text = `<?xml version="1.0"?><!DOCTYPE NML [${laughs}<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n<NML><COLLECTION>\n<ENTRY ARTIST="&lol9;"></ENTRY>\n<ENTRY ARTIST="&secret;"></ENTRY>\n<ENTRY ARTIST="Björk"></ENTRY>\n</COLLECTION></NML>`;
    const reading = await readXmlLibrary({ text });
    expect(reading.error).toBeUndefined();
    expect(reading.tracks).toEqual([{ artist: 'Björk' }]);
    expect(reading.report.skipped.get('unreadable XML in the track')).toBe(2);
  });

  it(`refuses a run of more than ${MAX_CHARACTERS_WITHOUT_MARKUP} characters without markup`, async () => {
    const reading = await readXmlLibrary({ text: `<NML><COLLECTION><ENTRY ARTIST="${'A'.repeat(MAX_CHARACTERS_WITHOUT_MARKUP + 1)}"></ENTRY></COLLECTION></NML>`, chunkSize: 65_536 });
    expect((reading.error as Error).message).toMatch(/characters without markup after line 1: not a DJ library/u);
  });
});

describe('telling XML library formats apart', () => {
  it('tells each format from its root element', () => {
    expect(xmlLibraryFormatOf('NML')).toBe('traktor');
    expect(xmlLibraryFormatOf('DJ_PLAYLISTS')).toBe('rekordbox');
    expect(xmlLibraryFormatOf('VirtualDJ_Database')).toBe('virtualdj');
    expect(xmlLibraryFormatOf('plist')).toBe('itunes');
    expect(xmlLibraryFormatOf('rss')).toBeUndefined();
  });

  it('still hands read-library the artist fields alone, VirtualDJ 7 included', async () => {
    const artists: string[] = [];
    const text = '<VirtualDJ_Database Version="700"><Song FilePath="a.mp3"><Display Author="Oze Champi" Title="Abidjan dahico"/><Infos PlayCount="2"/></Song><Song FilePath="b.mp3"><Display Author="   "/></Song></VirtualDJ_Database>';
    for await (const artist of xmlLibraryArtists(chunksOf(text, 10), 'database.xml')) artists.push(artist);
    expect(artists).toEqual(['Oze Champi']);
  });
});
