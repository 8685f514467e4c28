import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LibraryReadReport, type LibraryTrack } from '../../../src/precache/library/library-track.js';
import { textChunks } from '../../../src/precache/library/text-chunks.js';
import { looksLikeVdjTracklist, vdjTracklistTracks } from '../../../src/precache/library/vdj-tracklist.js';

const realFile = fileURLToPath(new URL('../../../../shared/realworld-libraries/unsupported/virtualdj-tracklist/summerell-tracklist.txt', import.meta.url));
const haveRealFile = existsSync(realFile);

async function tracksOf(stream: Readable, report = new LibraryReadReport()): Promise<LibraryTrack[]> {
  const tracks: LibraryTrack[] = [];
  for await (const track of vdjTracklistTracks(textChunks(stream, report), report)) tracks.push(track);
  return tracks;
}

/** Local time, as the file's times are (it names no time zone). */
const at = (year: number, month: number, day: number, hours: number, minutes: number): number => new Date(year, month - 1, day, hours, minutes).getTime();

describe('VirtualDJ History/tracklist.txt', () => {
  it('reads one play per "HH:MM : Artist - Title" line, dated by the heading above it', async () => {
    const text = '\uFEFFVirtualDJ History 2020/08/09\n------------------------------\n11:30 : Daft Punk - One More Time\n11:42 : Ricardo Maraa - Piotr Figiel Ensemble - Niewiernej Dziewczynie\n';
    expect(await tracksOf(Readable.from([Buffer.from(text)]))).toEqual([
      { artist: 'Daft Punk', title: 'One More Time', playCount: 1, lastPlayedAt: at(2020, 8, 9, 11, 30) },
      // The first " - " ends the artist: VirtualDJ writes artist, " - ", title.
      { artist: 'Ricardo Maraa', title: 'Piotr Figiel Ensemble - Niewiernej Dziewczynie', playCount: 1, lastPlayedAt: at(2020, 8, 9, 11, 42) },
    ]);
  });

  it('moves to the next day when a time goes back under one heading, and skips plays without an artist', async () => {
    const text = 'VirtualDJ History 2020/08/09\n23:50 : A - x\n06:43 :  - \n00:10 : B - \n';
    expect(await tracksOf(Readable.from([Buffer.from(text)]))).toEqual([
      { artist: 'A', title: 'x', playCount: 1, lastPlayedAt: at(2020, 8, 9, 23, 50) },
      { artist: 'B', playCount: 1, lastPlayedAt: at(2020, 8, 11, 0, 10) },
    ]);
  });

  it('counts lines that are not plays instead of guessing', async () => {
    const report = new LibraryReadReport();
    expect(await tracksOf(Readable.from([Buffer.from('VirtualDJ History 2020/08/09\nsomething else\n12:00 : A - B\n')]), report)).toHaveLength(1);
    expect(report.skippedCount).toBe(1);
  });

  it('is told from its first line', () => {
    expect(looksLikeVdjTracklist('\uFEFFVirtualDJ History 2020/08/09\r\n----')).toBe(true);
    expect(looksLikeVdjTracklist('#EXTM3U\n')).toBe(false);
  });

  it.skipIf(!haveRealFile)(haveRealFile ? 'reads the real tracklist' : 'reads the real tracklist (skipped: ../shared/realworld-libraries is absent)', async () => {
    const report = new LibraryReadReport();
    const tracks = await tracksOf(createReadStream(realFile), report);
    // 88 play lines; 14 have no artist (" - 808 16 Bars", "06:43 :  - ").
    expect(tracks).toHaveLength(74);
    expect(report.skippedCount).toBe(0);
    expect(tracks[0]).toEqual({ artist: 'Nicols Guzmn', title: 'E=MC (Francia, 1976) de Teddy Lasry', playCount: 1, lastPlayedAt: at(2020, 8, 9, 11, 30) });
    // "06:36" after "19:24" under the 2020/08/09 heading is the next morning (the history M3U's
    // lastplaytime for it is 2020-08-10 04:36 UTC, 06:36 in the DJ's summer time).
    expect(tracks.find((track) => track.artist === 'Kllo')?.lastPlayedAt).toBe(at(2020, 8, 10, 6, 36));
    // An empty title after the separator: the artist alone.
    expect(tracks.filter((track) => track.artist === 'guregoripetuku')).toEqual([
      { artist: 'guregoripetuku', playCount: 1, lastPlayedAt: at(2020, 8, 9, 18, 26) },
      { artist: 'guregoripetuku', playCount: 1, lastPlayedAt: at(2020, 8, 10, 7, 24) },
    ]);
    // UTF-8 text (the file has a BOM): accents and kanji as written.
    expect(tracks.map((track) => track.artist)).toEqual(expect.arrayContaining(['猫叉Master+', 'Gipsy Kings', '$UICIDEBOY$', 'Ganja White Night x Subtronics', 'Black Eyed Peas Ft El Alfa']));
    expect(tracks.find((track) => track.artist === 'Gipsy Kings')?.title).toBe('Bamboléo');
  });
});
