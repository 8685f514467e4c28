import { basename, extname } from 'node:path';
import { lines } from './text-chunks.js';

/**
 * The artist of every entry of an M3U or M3U8 playlist: from `#EXTART:` where a player wrote
 * one, else from `#EXTINF:<seconds> <attributes>,Artist - Title`, else from a file named
 * "Artist - Title.mp3". Entries with none of these (a bare title, a stream URL) give nothing.
 */
export async function* playlistArtists(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let fromInfo: string | undefined;
  let fromArtistTag: string | undefined;
  for await (const raw of lines(chunks)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (/^#EXTINF:/iu.test(line)) fromInfo = artistOfTitle(displayTitle(line));
      else if (/^#EXTART:/iu.test(line)) fromArtistTag = line.slice('#EXTART:'.length).trim();
      continue;
    }
    // A location ends the entry.
    const artist = fromArtistTag ?? fromInfo ?? artistOfTitle(fileTitle(line));
    if (artist !== undefined && artist !== '') yield artist;
    fromInfo = undefined;
    fromArtistTag = undefined;
  }
}

/** What follows the first comma outside quotes: `#EXTINF:-1 tvg-name="a, b",Artist - Title`. */
function displayTitle(line: string): string {
  let quoted = false;
  for (let index = '#EXTINF:'.length; index < line.length; index += 1) {
    const character = line[index];
    if (character === '"') quoted = !quoted;
    else if (character === ',' && !quoted) return line.slice(index + 1).trim();
  }
  return '';
}

/** "Artist - Title" → "Artist"; a title without the separator names no artist. */
function artistOfTitle(title: string): string | undefined {
  const separator = title.indexOf(' - ');
  return separator > 0 ? title.slice(0, separator).trim() : undefined;
}

function fileTitle(location: string): string {
  let path = location;
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(location)) {
    try {
      path = decodeURIComponent(new URL(location).pathname);
    } catch {
      return '';
    }
  }
  const name = basename(path.replaceAll('\\', '/'));
  return name.slice(0, name.length - extname(name).length);
}
