import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { LibraryReadReport } from './library-track.js';
import { pauser } from './pauser.js';

/** The longest line the line readers take; longer ones are damage (or not text) and are skipped. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** How long a reader may hold the event loop before it lets other work run. */
const MAX_BUSY_MS = 5;

const LINE_FEED = 0x0a;
const windows1252 = new TextDecoder('windows-1252');

/**
 * A byte stream as text, chunk by chunk, without a leading byte-order mark, decoded as DJ
 * software writes it:
 * - with a UTF-16 byte-order mark (LE or BE), as UTF-16;
 * - otherwise line by line: a line that is valid UTF-8 is UTF-8, any other line is
 *   Windows-1252 (Latin-1 as Windows writes it), so one "é" from an old tagger or a file
 *   name in another code page gives "é", never U+FFFD. Each line decided alone, a bad byte
 *   late in the file costs only its own line; `report` counts such lines. (A line that
 *   arrives in pieces is read as UTF-8 up to its first bad byte: see lineByLineDecoder.)
 * Nothing is held beyond the current chunk (and the bytes of one split character).
 */
export async function* textChunks(stream: Readable, report?: LibraryReadReport): AsyncGenerator<string> {
  const pause = pauser(MAX_BUSY_MS);
  let decode: ((bytes: Buffer, last: boolean) => string) | undefined;
  // The first bytes, until there are enough to tell the encoding by its byte-order mark.
  let head = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    if (typeof chunk === 'string') {
      if (chunk.length > 0) yield chunk;
      continue;
    }
    let bytes = chunk;
    if (decode === undefined) {
      head = Buffer.concat([head, chunk]);
      if (head.length < 3) continue;
      decode = decoderFor(head, report);
      bytes = head;
    }
    const text = decode(bytes, false);
    if (text.length > 0) yield text;
    await pause();
  }
  // A file shorter than three bytes never got a decoder: its bytes are all still in `head`.
  const rest = decode === undefined ? decoderFor(head, report)(head, true) : decode(Buffer.alloc(0), true);
  if (rest.length > 0) yield rest;
}

/** The decoder a file's first bytes call for; the byte-order mark, if any, is dropped. */
function decoderFor(head: Buffer, report: LibraryReadReport | undefined): (bytes: Buffer, last: boolean) => string {
  if (head[0] === 0xff && head[1] === 0xfe) return utf16Decoder('utf-16le');
  if (head[0] === 0xfe && head[1] === 0xff) return utf16Decoder('utf-16be');
  return lineByLineDecoder(report);
}

function utf16Decoder(encoding: 'utf-16le' | 'utf-16be'): (bytes: Buffer, last: boolean) => string {
  // TextDecoder drops the byte-order mark itself and keeps a character split across chunks.
  const decoder = new TextDecoder(encoding);
  return (bytes, last) => decoder.decode(bytes, { stream: !last });
}

/**
 * UTF-8 or Windows-1252, decided per line. Both keep ASCII as is, so a line feed byte is
 * always a line feed: lines can be cut on bytes before decoding. A line that has fully
 * arrived is decided whole. The unfinished last line of a chunk is handed on at once (an XML
 * file may be one long line, and its reader must not wait for the end): as UTF-8 while it is
 * valid so far, and from the first byte that is not, as Windows-1252 to the end of the line.
 */
function lineByLineDecoder(report: LibraryReadReport | undefined): (bytes: Buffer, last: boolean) => string {
  // The bytes of a UTF-8 character split across chunks (at most 3).
  let pending: Buffer = Buffer.alloc(0);
  let first = true;
  // How the current line, already partly handed on, is read: set by its first piece.
  let lineEncoding: 'utf-8' | 'windows-1252' | undefined;

  const asWindows1252 = (bytes: Buffer): string => {
    if (lineEncoding !== 'windows-1252') report?.repair('line read as Windows-1252 (not valid UTF-8)');
    lineEncoding = 'windows-1252';
    return windows1252.decode(bytes);
  };

  /** A piece of the current line: decided by the line so far, else by itself. */
  const decodePiece = (bytes: Buffer): string => {
    if (bytes.length === 0) return '';
    if (lineEncoding === 'windows-1252' || !isUtf8(bytes)) return asWindows1252(bytes);
    lineEncoding = 'utf-8';
    return bytes.toString('utf8');
  };

  const decodeLines = (bytes: Buffer): string => {
    // Fast path: the whole run is valid UTF-8 (nearly always).
    if (lineEncoding !== 'windows-1252' && isUtf8(bytes)) {
      lineEncoding = undefined;
      return bytes.toString('utf8');
    }
    let text = '';
    let start = 0;
    while (start < bytes.length) {
      const end = bytes.indexOf(LINE_FEED, start);
      const stop = end === -1 ? bytes.length : end + 1;
      text += decodePiece(bytes.subarray(start, stop));
      lineEncoding = undefined;
      start = stop;
    }
    return text;
  };

  return (chunk, last) => {
    let bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    pending = Buffer.alloc(0);
    if (first && bytes.length >= 3) {
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const lastLineFeed = last ? bytes.length - 1 : bytes.lastIndexOf(LINE_FEED);
    const complete = decodeLines(bytes.subarray(0, lastLineFeed + 1));
    const unfinished = bytes.subarray(lastLineFeed + 1);
    if (lineEncoding === 'windows-1252') return complete + decodePiece(unfinished);
    // Hold back a character whose last bytes are still to come.
    const cut = characterBoundary(unfinished);
    pending = Buffer.from(unfinished.subarray(cut));
    return complete + decodePiece(unfinished.subarray(0, cut));
  };
}

/** The end of `bytes` less an unfinished UTF-8 sequence (at most 3 bytes). */
function characterBoundary(bytes: Buffer): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    // A lead byte: is its sequence complete?
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Text chunks as lines (any of \n, \r\n, \r ends one), holding at most one partial line. A
 * line longer than MAX_LINE_LENGTH is skipped (counted in `report`), not held.
 */
export async function* lines(chunks: AsyncIterable<string>, report?: LibraryReadReport): AsyncGenerator<string> {
  const pause = pauser(MAX_BUSY_MS);
  let partial = '';
  let skipping = false;
  for await (const chunk of chunks) {
    const parts = (partial + chunk).split(/\r\n|\n|\r/u);
    // A chunk ending in \r may be half of \r\n: keep it for the next chunk.
    partial = parts.pop() ?? '';
    if (partial === '' && chunk.endsWith('\r') && parts.length > 0) {
      partial = `${parts.pop() ?? ''}\r`;
    }
    for (const line of parts) {
      if (skipping) {
        // The end of a line already counted as too long.
        skipping = false;
        continue;
      }
      if (line.length > MAX_LINE_LENGTH) report?.skip(`line longer than ${MAX_LINE_LENGTH / 1024} KiB`);
      else yield line;
    }
    if (partial.length > MAX_LINE_LENGTH) {
      if (!skipping) report?.skip(`line longer than ${MAX_LINE_LENGTH / 1024} KiB`);
      skipping = true;
      partial = '';
    }
    await pause();
  }
  if (partial.endsWith('\r')) partial = partial.slice(0, -1);
  if (partial !== '' && !skipping) yield partial;
}

