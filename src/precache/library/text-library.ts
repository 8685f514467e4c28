import { lines } from './text-chunks.js';

/** One artist per line; blank lines are skipped. */
export async function* textArtists(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const line of lines(chunks)) {
    if (line.trim() !== '') yield line;
  }
}
