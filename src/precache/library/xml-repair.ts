import { LibraryFormatError } from '../../errors.js';
import type { LibraryReadReport } from './library-track.js';

/**
 * Characters XML 1.0 forbids anywhere in a document, even escaped: C0 controls other than tab,
 * line feed and carriage return, and the non-characters U+FFFE and U+FFFF. DJ applications write
 * them (a backspace pasted into a comment) and read their own files back regardless.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/gu;

/**
 * The most characters between two `<`. No attribute value or text may hold a `<`, so a longer
 * run is one enormous value (or comment): no library holds one, and the parser would keep it
 * all in memory.
 */
export const MAX_CHARACTERS_WITHOUT_MARKUP = 1024 * 1024;

/**
 * XML text chunks with the characters XML 1.0 forbids dropped, each counted as a
 * `control character` repair; refuses a run of more than {@link MAX_CHARACTERS_WITHOUT_MARKUP}
 * characters without markup. Holds nothing beyond the current chunk.
 */
export async function* repairedXmlChunks(chunks: AsyncIterable<string>, source: string, report: LibraryReadReport): AsyncGenerator<string> {
  let runWithoutMarkup = 0;
  let line = 1;
  for await (const chunk of chunks) {
    let text = chunk;
    const dropped = text.match(FORBIDDEN_CHARACTERS)?.length ?? 0;
    if (dropped > 0) {
      report.repair('control character', dropped);
      text = text.replace(FORBIDDEN_CHARACTERS, '');
    }
    runWithoutMarkup = runAfterLastMarkup(text, runWithoutMarkup, (run) => {
      if (run > MAX_CHARACTERS_WITHOUT_MARKUP) {
        throw new LibraryFormatError(source, `more than ${MAX_CHARACTERS_WITHOUT_MARKUP} characters without markup after line ${line}: not a DJ library.`);
      }
    });
    line += countLineFeeds(text);
    if (text.length > 0) yield text;
  }
}

/**
 * Checks every stretch between two `<` in `text` (the first one continuing `carried`, the run
 * the previous chunks ended with) and returns the run this chunk ends with.
 */
function runAfterLastMarkup(text: string, carried: number, check: (run: number) => void): number {
  let previous = -1;
  let run = carried;
  for (let at = text.indexOf('<'); at !== -1; at = text.indexOf('<', at + 1)) {
    check(run + at - previous - 1);
    run = 0;
    previous = at;
  }
  const rest = run + text.length - previous - 1;
  check(rest);
  return rest;
}

function countLineFeeds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
