import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { LibraryReadReport, type LibraryTrack } from '../../src/precache/library/library-track.js';
import { textChunks } from '../../src/precache/library/text-chunks.js';
import { xmlLibraryTracks, type XmlLibraryFormat } from '../../src/precache/library/xml-library.js';

/** What one reading gave: the tracks, the report, and the error it ended with, if any. */
export interface XmlReading {
  tracks: LibraryTrack[];
  report: LibraryReadReport;
  error?: unknown;
}

/** Reads a library file (or XML text, cut into `chunkSize` chunks) with {@link xmlLibraryTracks}. */
export async function readXmlLibrary(input: { path: string } | { text: string; chunkSize?: number }, expected?: XmlLibraryFormat): Promise<XmlReading> {
  const report = new LibraryReadReport();
  const tracks: LibraryTrack[] = [];
  const [chunks, source] = 'path' in input ? [textChunks(createReadStream(input.path)), input.path] : [chunksOf(input.text, input.chunkSize ?? 1000), 'library.xml'];
  try {
    for await (const track of xmlLibraryTracks(chunks, source, report, expected)) tracks.push(track);
    return { tracks, report };
  } catch (error) {
    return { tracks, report, error };
  }
}

/** `text` in chunks of `size` characters, as a file stream would hand it on. */
export async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) {
    await Promise.resolve();
    yield text.slice(at, at + size);
  }
}

/** One track of an iTunes library, with the keys iTunes writes for it (absent: not written). */
export interface ITunesTrackFixture {
  id: number;
  name?: string;
  artist?: string;
  albumArtist?: string;
  compilation?: boolean;
  playCount?: number;
  playDateUtc?: string;
  podcast?: boolean;
  movie?: boolean;
  tvShow?: boolean;
  hasVideo?: boolean;
}

/**
 * Text as iTunes escapes it: `&` as `&#38;`, `<` as `&#60;`, `>` as `&#62;` (as in the real export
 * excerpt in AYMANTV/youtube-playlist-uploader `src/shared/test/playlist-xml.ts`:
 * `<string>Alternative &#38; Punk</string>`).
 */
export function iTunesEscape(text: string): string {
  return text.replaceAll('&', '&#38;').replaceAll('<', '&#60;').replaceAll('>', '&#62;');
}

/** A track's `<key>ID</key><dict>…</dict>` in the Tracks dictionary, keys in iTunes's order. */
export function iTunesTrackXml(track: ITunesTrackFixture): string {
  const lines = [`\t\t<key>${track.id}</key>`, '\t\t<dict>', `\t\t\t<key>Track ID</key><integer>${track.id}</integer>`];
  const add = (key: string, value: string): void => { lines.push(`\t\t\t<key>${key}</key>${value}`); };
  add('Size', '<integer>7866542</integer>');
  add('Total Time', '<integer>245760</integer>');
  add('Date Modified', '<date>2016-01-10T11:46:10Z</date>');
  add('Date Added', '<date>2016-01-10T11:45:41Z</date>');
  add('Bit Rate', '<integer>256</integer>');
  if (track.playCount !== undefined) add('Play Count', `<integer>${track.playCount}</integer>`);
  if (track.playDateUtc !== undefined) {
    add('Play Date', `<integer>${Math.round(Date.parse(track.playDateUtc) / 1000) + 2_082_844_800}</integer>`);
    add('Play Date UTC', `<date>${track.playDateUtc}</date>`);
  }
  if (track.compilation === true) add('Compilation', '<true/>');
  if (track.hasVideo === true) add('Has Video', '<true/>');
  if (track.podcast === true) add('Podcast', '<true/>');
  if (track.movie === true) add('Movie', '<true/>');
  if (track.tvShow === true) add('TV Show', '<true/>');
  add('Persistent ID', `<string>${track.id.toString(16).toUpperCase().padStart(16, '0')}</string>`);
  add('Track Type', '<string>File</string>');
  if (track.name !== undefined) add('Name', `<string>${iTunesEscape(track.name)}</string>`);
  if (track.artist !== undefined) add('Artist', `<string>${iTunesEscape(track.artist)}</string>`);
  if (track.albumArtist !== undefined) add('Album Artist', `<string>${iTunesEscape(track.albumArtist)}</string>`);
  add('Kind', '<string>MPEG audio file</string>');
  add('Location', `<string>file:///Users/dj/Music/iTunes/iTunes%20Media/Music/${track.id}.mp3</string>`);
  lines.push('\t\t</dict>');
  return `${lines.join('\n')}\n`;
}

/** Everything before the tracks: the header keys iTunes 12 writes, then `<key>Tracks</key><dict>`. */
export const I_TUNES_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>Major Version</key><integer>1</integer>
\t<key>Minor Version</key><integer>1</integer>
\t<key>Date</key><date>2019-02-07T22:54:17Z</date>
\t<key>Application Version</key><string>12.8.2.3</string>
\t<key>Features</key><integer>5</integer>
\t<key>Show Content Ratings</key><true/>
\t<key>Music Folder</key><string>file:///Users/dj/Music/iTunes/iTunes%20Media/</string>
\t<key>Library Persistent ID</key><string>CB8E287712B09018</string>
\t<key>Tracks</key>
\t<dict>
`;

/**
 * Everything after the tracks: the Playlists array, whose dictionaries also have a Name (and
 * here an Artist-like key) and refer to tracks by Track ID, then the end of the plist.
 */
export const I_TUNES_TAIL = `\t</dict>
\t<key>Playlists</key>
\t<array>
\t\t<dict>
\t\t\t<key>Name</key><string>Library</string>
\t\t\t<key>Master</key><true/>
\t\t\t<key>Playlist ID</key><integer>9000</integer>
\t\t\t<key>Artist</key><string>Not A Track Artist</string>
\t\t\t<key>All Items</key><true/>
\t\t\t<key>Playlist Items</key>
\t\t\t<array>
\t\t\t\t<dict>
\t\t\t\t\t<key>Track ID</key><integer>1</integer>
\t\t\t\t</dict>
\t\t\t</array>
\t\t</dict>
\t</array>
</dict>
</plist>
`;

/** A whole iTunes Music Library.xml with these tracks. */
export function iTunesLibraryXml(tracks: readonly ITunesTrackFixture[]): string {
  return I_TUNES_HEAD + tracks.map(iTunesTrackXml).join('') + I_TUNES_TAIL;
}

/** Writes an iTunes library with these tracks to `path` as a stream (never whole in memory). */
export async function writeITunesLibrary(path: string, tracks: Iterable<ITunesTrackFixture>): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(I_TUNES_HEAD);
  for (const track of tracks) await write(iTunesTrackXml(track));
  out.end(I_TUNES_TAIL);
  await once(out, 'close');
}
