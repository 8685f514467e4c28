import { LibraryReadReport, type LibraryTrack } from './library-track.js';
import { lines } from './text-chunks.js';
import { decodeXmlEntities } from './xml-entities.js';

/**
 * The tracks of an M3U or M3U8 playlist, VirtualDJ's own included. The artist of an entry,
 * from the first source that names one:
 * 1. `#EXTART:` (a player's artist tag);
 * 2. VirtualDJ's `#EXTVDJ:` `<artist>` (with `<title>`), as the tags of the file say;
 * 3. an "Artist - Title" in VirtualDJ's `<title>` (its tag reader leaves the artist empty and
 *    the whole file name in the title when a file has no tags), or in `#EXTINF:…,Artist - Title`;
 * 4. a file named "Artist - Title.mp3", less a track number ("02 Santigold - Disparate Youth").
 * Entries with none of these (a bare title, a stream URL) give nothing.
 * A VirtualDJ history entry (it has `<time>`, the time of the play) is one play; its
 * `<lastplaytime>` (seconds since the epoch) gives `lastPlayedAt`.
 */
export async function* playlistTracks(chunks: AsyncIterable<string>, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  let entry: PlaylistEntry = {};
  for await (const raw of lines(chunks, report)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      readDirective(line, entry);
      continue;
    }
    // A location ends the entry.
    const track = trackOf(entry, line, report);
    if (track !== null) yield track;
    entry = {};
  }
}

/**
 * The artist field of every entry of a playlist (see playlistTracks), for readers that want
 * only the names.
 */
export async function* playlistArtists(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const track of playlistTracks(chunks, new LibraryReadReport())) yield track.artist;
}

/** What the lines before a location said about it. */
interface PlaylistEntry {
  artistTag?: string;
  /** `#EXTINF`'s display text: "Artist - Title", or a title alone. */
  display?: string;
  /** VirtualDJ's tags, entities decoded: artist, title, time, lastplaytime, … */
  vdj?: Map<string, string>;
}

function readDirective(line: string, entry: PlaylistEntry): void {
  if (/^#EXTINF(?::|$)/iu.test(line)) entry.display = displayTitle(line);
  else if (/^#EXTART:/iu.test(line)) entry.artistTag = line.slice('#EXTART:'.length).trim();
  else if (/^#EXTVDJ:/iu.test(line)) entry.vdj = vdjTags(line.slice('#EXTVDJ:'.length));
}

function trackOf(entry: PlaylistEntry, location: string, report: LibraryReadReport): LibraryTrack | null {
  const named = namedTrack(entry, location, report);
  if (named === null) return null;
  const track: LibraryTrack = named.title === undefined || named.title === '' ? { artist: named.artist } : { artist: named.artist, title: named.title };
  const vdj = entry.vdj;
  if (vdj?.has('time') === true) track.playCount = 1;
  const lastPlay = Number(vdj?.get('lastplaytime') ?? Number.NaN);
  if (Number.isSafeInteger(lastPlay) && lastPlay > 0) track.lastPlayedAt = lastPlay * 1000;
  return track;
}

function namedTrack(entry: PlaylistEntry, location: string, report: LibraryReadReport): ArtistAndTitle | null {
  const title = entry.vdj?.get('title')?.trim();
  if (entry.artistTag !== undefined && entry.artistTag !== '') return { artist: entry.artistTag, title: title ?? titleOf(entry.display) };
  const vdjArtist = entry.vdj?.get('artist')?.trim();
  if (vdjArtist !== undefined && vdjArtist !== '') return { artist: vdjArtist, title };
  return splitArtistTitle(title ?? '') ?? splitArtistTitle(entry.display ?? '') ?? splitArtistTitle(fileTitle(location, report));
}

interface ArtistAndTitle {
  artist: string;
  title?: string | undefined;
}

/**
 * "Artist - Title" → both; a dash needs white space on at least one side ("Dave Seaman-
 * Justified", "Lee Van Dowski – Nekuia"), so "Jay-Z" and "Format-B" stay whole. Without
 * such a dash there is no artist: "Quivver-These Are The Days" could as well be a title.
 */
function splitArtistTitle(text: string): ArtistAndTitle | null {
  const separator = /\s+[-–—]\s*|\s*[-–—]\s+/u.exec(text);
  if (separator === null) return null;
  const artist = text.slice(0, separator.index).trim();
  if (artist === '') return null;
  const title = text.slice(separator.index + separator[0].length).trim();
  return title === '' ? { artist } : { artist, title };
}

function titleOf(display: string | undefined): string | undefined {
  if (display === undefined || display === '') return undefined;
  return splitArtistTitle(display)?.title ?? display;
}

/** What follows the first comma outside quotes: `#EXTINF:-1 tvg-name="a, b",Artist - Title`. */
function displayTitle(line: string): string {
  let quoted = false;
  for (let index = '#EXTINF'.length; index < line.length; index += 1) {
    const character = line[index];
    if (character === '"') quoted = !quoted;
    else if (character === ',' && !quoted) return line.slice(index + 1).trim();
  }
  return '';
}

/** `<artist>A &amp; B</artist><title>…</title>` → artist "A & B", title …. */
function vdjTags(text: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const match of text.matchAll(/<([a-z]+)>([^<]*)<\/\1>/giu)) {
    const [, name = '', value = ''] = match;
    tags.set(name.toLowerCase(), decodeXmlEntities(value));
  }
  return tags;
}

/** Folders that hold many artists' tracks: a number before a file's name there is a track number. */
const COMPILATION_FOLDERS = new Set(['various artists', 'various', 'va', 'compilations', 'compilation', 'soundtrack', 'soundtracks']);

/**
 * A location's file name without extension or track number: "Artist - Title" with luck.
 * For a URL, the name in its path (a stream's query string names nothing reliably); a name
 * whose percent-escapes are not UTF-8 is in a code page nobody wrote down, so it gives "".
 */
function fileTitle(location: string, report: LibraryReadReport): string {
  let path = location;
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(location)) {
    try {
      path = decodeURIComponent(new URL(location).pathname);
    } catch {
      report.skip('file name escaped in an unknown code page');
      return '';
    }
  }
  const folders = path.replaceAll('\\', '/').split('/');
  const name = (folders.pop() ?? '').replace(/\.[a-z0-9]{1,5}$/iu, '');
  return withoutTrackNumber(name, folders);
}

/**
 * "02 Santigold - Disparate Youth" → "Santigold - Disparate Youth". A zero-padded, disc-track
 * ("1-10") or dotted ("12.") number is always a track number; a bare one ("10 CAKE") only in a
 * folder named like the artist or a compilation folder, since "50 Cent - In Da Club" is a name.
 */
function withoutTrackNumber(name: string, folders: string[]): string {
  const always = /^(?:\d{1,2}-\d{1,3}|0\d{1,2}|\d{1,3}[.)])(?:\s*[._-]\s*|\s+)(?=\S)/u.exec(name);
  if (always !== null) return name.slice(always[0].length);
  const bare = /^\d{1,3}\s+(?=\S)/u.exec(name);
  if (bare === null) return name;
  const rest = name.slice(bare[0].length);
  const artist = splitArtistTitle(rest)?.artist.toLowerCase();
  const known = folders.some((folder) => {
    const folded = folder.trim().toLowerCase();
    return folded === artist || COMPILATION_FOLDERS.has(folded);
  });
  return known ? rest : name;
}
