import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { LibraryFormatError } from '../../errors.js';

/** The XML libraries datacache reads, told apart by their root element. */
export type XmlLibraryFormat = 'traktor' | 'virtualdj' | 'rekordbox';

interface Dialect {
  format: XmlLibraryFormat;
  /** The element that lists the tracks (the rest of the file refers to them by key). */
  collection: string | null;
  /** The element that carries a track's artist, and the attribute it is in. */
  track: string;
  artist: string;
}

/**
 * - Traktor `collection.nml`: `<NML><COLLECTION><ENTRY ARTIST="…">`; playlists refer to
 *   entries by key and carry no artist.
 * - Rekordbox XML export: `<DJ_PLAYLISTS><COLLECTION><TRACK Artist="…">`; the same.
 * - VirtualDJ `database.xml`: `<VirtualDJ_Database><Song><Tags Author="…">`.
 */
const DIALECTS: Readonly<Record<string, Dialect>> = {
  NML: { format: 'traktor', collection: 'COLLECTION', track: 'ENTRY', artist: 'ARTIST' },
  DJ_PLAYLISTS: { format: 'rekordbox', collection: 'COLLECTION', track: 'TRACK', artist: 'Artist' },
  VirtualDJ_Database: { format: 'virtualdj', collection: null, track: 'Tags', artist: 'Author' },
};

/**
 * The artist field of every track in a Traktor, Rekordbox or VirtualDJ library, read as a
 * stream: each chunk is parsed and its artists handed on before the next is read, so a
 * 100,000-track library never sits in memory whole.
 */
export async function* xmlLibraryArtists(chunks: AsyncIterable<string>, source: string, expected?: XmlLibraryFormat): AsyncGenerator<string> {
  const parser = new SaxesParser({ position: true, xmlns: false });
  let dialect: Dialect | undefined;
  let inCollection = false;
  let found: string[] = [];
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (dialect === undefined) {
      dialect = Object.hasOwn(DIALECTS, tag.name) ? DIALECTS[tag.name] : undefined;
      if (dialect === undefined) {
        throw new LibraryFormatError(source, `an XML file with root element <${tag.name}>, which is not a Traktor (<NML>), Rekordbox (<DJ_PLAYLISTS>) or VirtualDJ (<VirtualDJ_Database>) library.`);
      }
      if (expected !== undefined && dialect.format !== expected) {
        throw new LibraryFormatError(source, `this is a ${dialect.format} library, not ${expected}; leave out --format or give the right one.`);
      }
      inCollection = dialect.collection === null;
      return;
    }
    if (tag.name === dialect.collection) inCollection = true;
    else if (inCollection && tag.name === dialect.track) {
      const artist = tag.attributes[dialect.artist];
      if (artist !== undefined && artist !== '') found.push(artist);
    }
  });
  parser.on('closetag', (tag) => {
    if (dialect !== undefined && tag.name === dialect.collection) inCollection = false;
  });
  const parse = (text: string | null): void => {
    try {
      if (text === null) parser.close();
      else parser.write(text);
    } catch (error) {
      if (error instanceof LibraryFormatError) throw error;
      throw new LibraryFormatError(source, `not well-formed XML near line ${parser.line}: ${error instanceof Error ? error.message.replace(/^[^:]*:\d+:\d+: /u, '') : String(error)}`, { cause: error });
    }
  };
  for await (const chunk of chunks) {
    parse(chunk);
    if (found.length > 0) {
      const batch = found;
      found = [];
      yield* batch;
    }
  }
  parse(null);
  if (dialect === undefined) throw new LibraryFormatError(source, 'an empty XML file: no library in it.');
  yield* found;
}
