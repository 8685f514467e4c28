import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LibraryFormatError } from '../../../src/errors.js';
import { ArtistSet } from '../../../src/precache/artist-names.js';
import { LibraryReadReport } from '../../../src/precache/library/library-track.js';
import { readLibraryTracks } from '../../../src/precache/library/read-library.js';

/** Real libraries, kept beside the checkout (never in it): ../shared/realworld-libraries/SOURCES.md says where each is from. */
const REAL_LIBRARIES = join(fileURLToPath(new URL('../../../', import.meta.url)), '..', 'shared', 'realworld-libraries');
const present = existsSync(REAL_LIBRARIES);

/**
 * Every real file through the one entry point precache uses, format told from the content:
 * tracks with an artist, distinct artists after tidying and splitting, tracks with a play
 * count, and tracks the reader could not read. The per-format tests (xml-library, playlist,
 * serato, vdj-tracklist) say why each count is what a careful reader gets.
 */
const EXPECTED: Record<string, { tracks: number; artists: number; withPlays: number; skipped: number }> = {
  'm3u/kizna2021-vk-music.m3u': { tracks: 0, artists: 0, withPlays: 0, skipped: 0 },
  'm3u/peeetk-vdj-history-2023-08-31.m3u': { tracks: 52, artists: 49, withPlays: 52, skipped: 0 },
  'm3u/peeetk-vdj-history-2024-06-14.m3u': { tracks: 15, artists: 15, withPlays: 15, skipped: 0 },
  'm3u/summerell-vdj-history-2020-08-09.m3u': { tracks: 30, artists: 8, withPlays: 30, skipped: 0 },
  'm3u/summerell-vdj-sidelist.m3u': { tracks: 4, artists: 4, withPlays: 0, skipped: 0 },
  'm3u/wnp-tests-2021-01-09.m3u': { tracks: 9, artists: 9, withPlays: 0, skipped: 0 },
  'rekordbox/25ohms-test1-dec24-25.xml': { tracks: 94, artists: 77, withPlays: 1, skipped: 0 },
  'rekordbox/broccoli-smuggler-rekordbox.xml': { tracks: 1428, artists: 681, withPlays: 0, skipped: 0 },
  'rekordbox/fabianmuehlberger-rekordbox_export.xml': { tracks: 681, artists: 463, withPlays: 19, skipped: 0 },
  'rekordbox/interfluve-wav-rekordbox.xml': { tracks: 462, artists: 323, withPlays: 29, skipped: 0 },
  // Entries="1437" but 133 TRACKs (a partial export): what is missing is said, not invented.
  'rekordbox/marky555timer-rekordbox.xml': { tracks: 113, artists: 23, withPlays: 58, skipped: 1312 },
  'traktor/ericanastas-collection.nml': { tracks: 284, artists: 218, withPlays: 112, skipped: 0 },
  'traktor/garethshapiro-collection.nml': { tracks: 2415, artists: 1127, withPlays: 325, skipped: 0 },
  'traktor/ryyckxxa-collection.nml': { tracks: 2424, artists: 673, withPlays: 1189, skipped: 0 },
  'traktor/ryyckxxa-history-2011-05-02.nml': { tracks: 254, artists: 84, withPlays: 254, skipped: 0 },
  'traktor/t2rb-mac-collection-caian.nml': { tracks: 1454, artists: 1119, withPlays: 765, skipped: 0 },
  'traktor/travestyaudio-collection.nml': { tracks: 1976, artists: 547, withPlays: 1650, skipped: 0 },
  'traktor/wnp-tests-collection.nml': { tracks: 395, artists: 8, withPlays: 9, skipped: 0 },
  'unsupported/serato/database V2': { tracks: 5519, artists: 1473, withPlays: 2729, skipped: 0 },
  'unsupported/virtualdj-tracklist/summerell-tracklist.txt': { tracks: 74, artists: 33, withPlays: 74, skipped: 0 },
  'virtualdj/cushin1st-vdj7-local-database-v6.xml': { tracks: 79, artists: 52, withPlays: 0, skipped: 0 },
  'virtualdj/kapogit-vdj7-local-database-v6.xml': { tracks: 681, artists: 272, withPlays: 48, skipped: 0 },
  'virtualdj/montezuma-database.xml': { tracks: 625, artists: 534, withPlays: 28, skipped: 0 },
  'virtualdj/peeetk-database.xml': { tracks: 700, artists: 392, withPlays: 90, skipped: 0 },
  'virtualdj/rjpugsley-database.xml': { tracks: 2, artists: 2, withPlays: 0, skipped: 0 },
  'virtualdj/summerell-database.xml': { tracks: 14, artists: 6, withPlays: 12, skipped: 0 },
};

describe.skipIf(!present)(`every real library in ${REAL_LIBRARIES}`, () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file}: read by content, every artist a name (no control character, no NUL)`, async () => {
      const report = new LibraryReadReport();
      const artists = new ArtistSet();
      let tracks = 0;
      let withPlays = 0;
      for await (const track of readLibraryTracks(join(REAL_LIBRARIES, file), { report })) {
        tracks += 1;
        if ((track.playCount ?? 0) > 0) withPlays += 1;
        artists.addField(track.artist);
      }
      expect({ tracks, artists: artists.size, withPlays, skipped: report.skippedCount }).toEqual(expected);
      // A replacement character only where the file itself holds one (fabianmuehlberger: "Barry Can\uFFFDt Swim").
      const hasControl = (name: string): boolean => Array.from({ length: name.length }, (_, index) => name.charCodeAt(index)).some((code) => code < 0x20);
      const damaged = artists.values().filter((artist) => hasControl(artist.name) || (artist.name.includes('\uFFFD') && !file.startsWith('rekordbox/fabian')));
      expect(damaged).toEqual([]);
    }, 60_000);
  }

  it('refuses a Serato crate whose database is not beside it, saying where it looked; nothing is guessed', async () => {
    const error = await (async () => {
      for await (const track of readLibraryTracks(join(REAL_LIBRARIES, 'unsupported/serato/breaks.crate'))) expect(track).toBeUndefined();
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LibraryFormatError);
    expect(String(error)).toMatch(/artists are in Serato's database, which is not at .*database V2/);
  });
});
