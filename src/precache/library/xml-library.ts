import { setImmediate as nextTurn } from 'node:timers/promises';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { LibraryFormatError } from '../../errors.js';
import { ITunesLibraryReader } from './itunes-library.js';
import { LibraryReadReport, type LibraryTrack } from './library-track.js';
import { RekordboxReader, TraktorReader, VirtualDjReader, xmlLibraryFormatOf } from './xml-dialects.js';
import { repairedXmlChunks } from './xml-repair.js';
import type { XmlLibraryFormat, XmlTrackReader, XmlTrackSink } from './xml-track-reader.js';

export { xmlLibraryFormatOf } from './xml-dialects.js';
export type { XmlLibraryFormat } from './xml-track-reader.js';

/** Deeper nesting than any library uses (an iTunes playlist is 6 deep): a hostile or foreign file. */
export const MAX_XML_DEPTH = 64;

/** The longest attribute value read; a track with a longer one is skipped (no name is this long). */
export const MAX_ATTRIBUTE_LENGTH = 64 * 1024;

/**
 * Parser errors that damage one element's attributes or text, after which the parser goes on
 * with the document's structure intact: a track they fall in is skipped, not the whole file.
 * Everything else (unclosed or unmatched tags, text outside the root…) breaks the structure.
 */
const LOCAL_DAMAGE = /entity|^disallowed character\.|disallowed character in attribute name|duplicate attribute|no whitespace between attributes|unquoted attribute value|attribute without value|value must be quoted|value required|"\]\]>"/u;

const ROOTS = 'a Traktor (<NML>), rekordbox (<DJ_PLAYLISTS>), VirtualDJ (<VirtualDJ_Database>) or iTunes / Apple Music (<plist>) library';

/**
 * Every track with an artist in a Traktor, rekordbox, VirtualDJ or iTunes / Apple Music XML
 * library, read as a stream: each chunk is parsed and its tracks handed on before the next is
 * read (with a turn of the event loop in between), so a 100,000-track library never sits in
 * memory whole and never holds the process up.
 *
 * Tolerant where the applications are: characters XML 1.0 forbids are dropped (counted as
 * `control character` repairs) and a track whose element cannot be read is skipped (counted in
 * `report`). A file that is not one of these libraries, or whose structure is broken, is a
 * `LibraryFormatError` naming the line. Entities other than XML's own are never expanded.
 */
export async function* xmlLibraryTracks(chunks: AsyncIterable<string>, source: string, report: LibraryReadReport, expected?: XmlLibraryFormat): AsyncGenerator<LibraryTrack> {
  const parser = new SaxesParser({ position: true, xmlns: false });
  let reader: XmlTrackReader | undefined;
  let depth = 0;
  let ready: LibraryTrack[] = [];
  /** Whether a track's element is open, and why it cannot be read (with the line it broke at). */
  let trackOpen = false;
  let damage: { reason: string; line: number } | undefined;
  /** Damage seen outside any open track: it belongs to the next element, whatever it is. */
  let unplaced: { reason: string; line: number } | undefined;

  const sink: XmlTrackSink = {
    started() {
      trackOpen = true;
      damage = unplaced;
      unplaced = undefined;
    },
    damaged(reason) {
      damage ??= { reason, line: parser.line };
    },
    finished(track) {
      trackOpen = false;
      if (damage !== undefined) report.skip(damage.reason);
      else if (track !== undefined) ready.push(track);
      damage = undefined;
    },
  };
  const placeDamage = (): void => {
    // Damage in markup that is not a track (a playlist entry, a header) does not stop the tracks being read.
    if (unplaced !== undefined) report.repair('unreadable markup outside the tracks');
    unplaced = undefined;
  };

  parser.on('error', (error: Error) => {
    const message = withoutPosition(error.message);
    if (reader !== undefined && depth > 0 && LOCAL_DAMAGE.test(message)) {
      const found = { reason: 'unreadable XML in the track', line: parser.line };
      if (trackOpen) damage ??= found;
      else unplaced ??= found;
      return;
    }
    const line = damage?.line ?? unplaced?.line ?? parser.line;
    throw new LibraryFormatError(source, `not well-formed XML near line ${line}: ${message}`, { cause: error });
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    depth += 1;
    if (depth > MAX_XML_DEPTH) throw new LibraryFormatError(source, `elements nested more than ${MAX_XML_DEPTH} deep near line ${parser.line}: not a DJ library.`);
    if (reader === undefined) {
      reader = readerFor(tag, source, expected, sink, report);
      if (reader.readsText) parser.on('text', (text) => { reader?.text(text); });
      placeDamage();
      return;
    }
    const wasOpen = trackOpen;
    reader.open(tag, depth);
    if (!trackOpen || wasOpen) placeDamage();
    if (trackOpen && Object.values(tag.attributes).some((value) => value.length > MAX_ATTRIBUTE_LENGTH)) {
      sink.damaged(`an attribute over ${MAX_ATTRIBUTE_LENGTH} characters`);
    }
  });
  parser.on('closetag', (tag) => {
    placeDamage();
    reader?.close(tag.name, depth);
    depth -= 1;
  });

  const parse = (text: string | null): void => {
    try {
      if (text === null) parser.close();
      else parser.write(text);
    } catch (error) {
      if (error instanceof LibraryFormatError) throw error;
      throw new LibraryFormatError(source, `not well-formed XML near line ${parser.line}: ${error instanceof Error ? withoutPosition(error.message) : String(error)}`, { cause: error });
    }
  };
  for await (const chunk of repairedXmlChunks(chunks, source, report)) {
    parse(chunk);
    if (ready.length > 0) {
      const batch = ready;
      ready = [];
      yield* batch;
    }
    // A turn of the event loop between chunks: timers and I/O go on while a big library is read.
    await nextTurn();
  }
  parse(null);
  if (reader === undefined) throw new LibraryFormatError(source, 'an empty XML file: no library in it.');
  reader.end(source);
  yield* ready;
}

/**
 * The artist field of every track in an XML library (see {@link xmlLibraryTracks}), one per
 * track, repeats included; what the reader skipped or repaired is not reported.
 */
export async function* xmlLibraryArtists(chunks: AsyncIterable<string>, source: string, expected?: XmlLibraryFormat): AsyncGenerator<string> {
  for await (const track of xmlLibraryTracks(chunks, source, new LibraryReadReport(), expected)) yield track.artist;
}

/** A saxes message without the "file:line:column: " it starts with: messages name the line themselves. */
function withoutPosition(message: string): string {
  return message.replace(/^(?:[^:]*:)?\d+:\d+: /u, '');
}

function readerFor(root: SaxesTagPlain, source: string, expected: XmlLibraryFormat | undefined, sink: XmlTrackSink, report: LibraryReadReport): XmlTrackReader {
  const format = xmlLibraryFormatOf(root.name);
  if (format === undefined) throw new LibraryFormatError(source, `an XML file with root element <${root.name}>, which is not ${ROOTS}.`);
  if (expected !== undefined && format !== expected) {
    throw new LibraryFormatError(source, `this is a ${format} library, not ${expected}; leave out --format or give the right one.`);
  }
  switch (format) {
    case 'traktor': return new TraktorReader(sink, report);
    case 'rekordbox': return new RekordboxReader(sink, report);
    case 'virtualdj': return new VirtualDjReader(sink, report);
    case 'itunes': return new ITunesLibraryReader(sink, report);
  }
}
