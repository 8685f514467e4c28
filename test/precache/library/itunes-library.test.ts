import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iTunesLibraryXml, I_TUNES_HEAD, I_TUNES_TAIL, readXmlLibrary, writeITunesLibrary, type ITunesTrackFixture } from '../../helpers/xml-libraries.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

describe('reading an iTunes / Apple Music library (iTunes Music Library.xml)', () => {
  const tracks: ITunesTrackFixture[] = [
    { id: 1935, name: 'Tomboy', artist: 'Bettie Serveert', playCount: 15, playDateUtc: '2018-05-10T22:00:02Z' },
    { id: 1936, name: 'Hoppípolla', artist: 'Sigur Rós', albumArtist: 'Sigur Rós' },
    { id: 1937, name: 'Intro', albumArtist: 'Daft Punk', playCount: 0 },
    { id: 1938, name: 'Track 3', albumArtist: 'Various Artists', compilation: true },
    { id: 1939, name: 'September', artist: 'Earth, Wind & Fire <Live>', albumArtist: 'Various Artists', compilation: true, playCount: 2 },
    { id: 1940, name: 'Episode 12', artist: 'BBC Radio 1', podcast: true, playCount: 4 },
    { id: 1941, name: 'Interstellar', artist: 'Christopher Nolan', movie: true, hasVideo: true },
    { id: 1942, name: 'Pilot', artist: 'HBO', tvShow: true, hasVideo: true },
    { id: 1943, name: 'Around the World (video)', artist: 'Daft Punk', hasVideo: true },
    { id: 1944, name: 'Untitled' },
  ];

  it('reads each music track: Artist, else Album Artist unless a compilation; plays and last play; podcasts, films and TV left out', async () => {
    const reading = await readXmlLibrary({ text: iTunesLibraryXml(tracks), chunkSize: 200 });
    expect(reading.error).toBeUndefined();
    expect(reading.tracks).toEqual([
      { artist: 'Bettie Serveert', title: 'Tomboy', playCount: 15, lastPlayedAt: Date.UTC(2018, 4, 10, 22, 0, 2) },
      { artist: 'Sigur Rós', title: 'Hoppípolla' },
      { artist: 'Daft Punk', title: 'Intro', playCount: 0 },
      { artist: 'Earth, Wind & Fire <Live>', title: 'September', playCount: 2 },
      { artist: 'Daft Punk', title: 'Around the World (video)' },
    ]);
    // Left out without complaint: a compilation track with only its album artist, non-music, an untagged file.
    expect(reading.report.skippedCount).toBe(0);
  });

  it('decodes character references and XML entities in names, once', async () => {
    const text = I_TUNES_HEAD + '\t\t<key>7</key>\n\t\t<dict>\n\t\t\t<key>Track ID</key><integer>7</integer>\n\t\t\t<key>Name</key><string>Caf&#233; &#60;3</string>\n\t\t\t<key>Artist</key><string>Simon &amp; Garfunkel &#38;amp; Friends</string>\n\t\t</dict>\n' + I_TUNES_TAIL;
    const reading = await readXmlLibrary({ text, chunkSize: 50 });
    expect(reading.tracks).toEqual([{ artist: 'Simon & Garfunkel &amp; Friends', title: 'Café <3' }]);
  });

  it('reads only the top-level Tracks dictionary: playlists and header keys are not tracks', async () => {
    const reading = await readXmlLibrary({ text: iTunesLibraryXml([{ id: 1, name: 'Eple', artist: 'Röyksopp' }]) });
    expect(reading.tracks.map((track) => track.artist)).toEqual(['Röyksopp']);
  });

  it('skips and counts a track that cannot be read, and reads the others', async () => {
    const damaged = '\t\t<key>2</key>\n\t\t<dict>\n\t\t\t<key>Name</key><string>Broken &nbsp; Name</string>\n\t\t\t<key>Artist</key><string>Nobody</string>\n\t\t</dict>\n';
    const text = I_TUNES_HEAD + iTunesLibraryXml([{ id: 1, artist: 'Björk' }]).slice(I_TUNES_HEAD.length, -I_TUNES_TAIL.length) + damaged + iTunesLibraryXml([{ id: 3, artist: 'Moby' }]).slice(I_TUNES_HEAD.length);
    const reading = await readXmlLibrary({ text });
    expect(reading.error).toBeUndefined();
    expect(reading.tracks.map((track) => track.artist)).toEqual(['Björk', 'Moby']);
    expect(Object.fromEntries(reading.report.skipped)).toEqual({ 'unreadable XML in the track': 1 });
  });

  it('reads a 50,000-track library from a file, letting timers run while it reads', async () => {
    const path = join(await temporaryDirectory(), 'iTunes Music Library.xml');
    await writeITunesLibrary(path, (function* generate(): Generator<ITunesTrackFixture> {
      for (let id = 1; id <= 50_000; id += 1) {
        yield { id, name: `Track ${id}`, artist: `Artist ${id % 997}`, playCount: id % 5, ...(id % 10 === 0 ? { podcast: true } : {}) };
      }
    })());
    let ticks = 0;
    const ticker = setInterval(() => { ticks += 1; }, 0);
    try {
      const reading = await readXmlLibrary({ path });
      expect(reading.error).toBeUndefined();
      expect(reading.tracks).toHaveLength(45_000);
      expect(new Set(reading.tracks.map((track) => track.artist)).size).toBe(997);
      expect(reading.tracks.at(-1)).toEqual({ artist: `Artist ${49_999 % 997}`, title: 'Track 49999', playCount: 4 });
    } finally {
      clearInterval(ticker);
    }
    // The event loop turned between chunks: a timer fired while the file was being read.
    expect(ticks).toBeGreaterThan(0);
  });
});
