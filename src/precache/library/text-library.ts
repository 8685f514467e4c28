import { LibraryReadReport, type LibraryTrack } from './library-track.js';
import { lines } from './text-chunks.js';

/** A text file with one artist per line: one track per non-blank line, nothing else known. */
export async function* textTracks(chunks: AsyncIterable<string>, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  for await (const line of lines(chunks, report)) {
    if (line.trim() !== '') yield { artist: line };
  }
}

/** One artist per line; blank lines are skipped. */
export async function* textArtists(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const track of textTracks(chunks, new LibraryReadReport())) yield track.artist;
}
