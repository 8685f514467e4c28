import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, LibraryFormatError } from '../../errors.js';
import { describeValue } from '../../validation.js';
import { LibraryReadReport, type LibraryTrack } from './library-track.js';
import { playlistTracks } from './playlist-library.js';
import { looksLikeSerato } from './serato/detect-serato.js';
import { seratoCrateTracks } from './serato/serato-crate.js';
import { seratoDatabaseTracks } from './serato/serato-database.js';
import { seratoSessionTracks } from './serato/serato-session.js';
import type { SeratoFileKind } from './serato/serato-version.js';
import { looksLikeRekordboxMasterDb } from './sqlite/rekordbox-master-db.js';
import { sqliteLibraryKind, sqliteLibraryTracksOfKind, type SqliteLibraryKind } from './sqlite/sqlite-library.js';
import { textChunks } from './text-chunks.js';
import { textTracks } from './text-library.js';
import { looksLikeVdjTracklist, vdjTracklistTracks } from './vdj-tracklist.js';
import { xmlLibraryTracks, type XmlLibraryFormat } from './xml-library.js';

/** The library formats `precache` reads. */
export type LibraryFormat =
  | XmlLibraryFormat
  | 'm3u'
  | 'vdj-tracklist'
  | 'text'
  | 'serato-database'
  | 'serato-crate'
  | 'serato-session'
  | 'engine-dj'
  | 'mixxx'
  | 'rekordbox-master-db';

export const LIBRARY_FORMATS: readonly LibraryFormat[] = [
  'traktor',
  'rekordbox',
  'virtualdj',
  'itunes',
  'm3u',
  'vdj-tracklist',
  'text',
  'serato-database',
  'serato-crate',
  'serato-session',
  'engine-dj',
  'mixxx',
  'rekordbox-master-db',
];

/** Formats told apart by their bytes only: a file of one of them is never read as text. */
type BinaryFormat = SeratoFileKind | SqliteLibraryKind;
const BINARY_FORMATS: ReadonlySet<LibraryFormat> = new Set<BinaryFormat>(['serato-database', 'serato-crate', 'serato-session', 'engine-dj', 'mixxx', 'rekordbox-master-db']);

export interface ReadLibraryOptions {
  /** Default: told from the content (magic bytes, the XML root, SQLite tables, `#EXTM3U`), then the file name. */
  format?: LibraryFormat;
  /** The name errors give the source, when `input` is a stream. */
  name?: string;
  /** Filled in as the file is read: the tracks that could not be read, and repairs made. */
  report?: LibraryReadReport;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const HEAD_BYTES = 4096;

/**
 * Every track of a DJ library that names an artist, as the application keeps it (repeats
 * included, with play counts where it counts plays), read as a stream or, for the apps that
 * keep a database, by read-only queries page by page. `input` is a file path or (for the text
 * and XML formats) a readable byte stream. The format is told from the content first; binary
 * files that are no library datacache knows are refused, never read as text.
 *
 * @example
 * for await (const track of readLibraryTracks('~/Music/_Serato_/database V2')) track.artist;
 */
export async function* readLibraryTracks(input: string | Readable, options: ReadLibraryOptions = {}): AsyncGenerator<LibraryTrack> {
  const format = options.format;
  if (format !== undefined && !LIBRARY_FORMATS.includes(format)) {
    throw new InvalidArgumentError(`format must be one of ${LIBRARY_FORMATS.join(', ')}, got ${describeValue(format)}.`);
  }
  const given: unknown = input;
  if (typeof given !== 'string' && (typeof given !== 'object' || given === null || typeof (given as Partial<Readable>).read !== 'function')) {
    throw new InvalidArgumentError(`readLibraryArtists() takes a file path or a readable stream, got ${describeValue(input)}.`);
  }
  if (options.report !== undefined && !(options.report instanceof LibraryReadReport)) throw new InvalidArgumentError(`report must be a LibraryReadReport, got ${describeValue(options.report)}.`);
  const report = options.report ?? new LibraryReadReport();
  const source = typeof input === 'string' ? input : (options.name ?? 'the library stream');
  try {
    if (typeof input === 'string') {
      const binary = await binaryFormatOf(input, source);
      if (binary !== null || (format !== undefined && BINARY_FORMATS.has(format))) {
        if (format !== undefined && binary !== format) throw new LibraryFormatError(source, `this is ${binary === null ? 'not a binary library' : `a ${binary} file`}, not ${format}; leave out --format or give the right one.`);
        yield* readBinary(input, source, binary!, report);
        return;
      }
    } else if (format !== undefined && BINARY_FORMATS.has(format)) {
      throw new InvalidArgumentError(`a ${format} library is read from its file path, not a stream.`);
    }
    yield* readText(input, source, format, report);
  } catch (error) {
    if (isFileError(error)) throw new LibraryFormatError(source, `cannot be read (${error.code}: ${error.message}).`, { cause: error });
    throw error;
  }
}

/**
 * The artist field of every track in a DJ library, as the library spells it (one per track,
 * repeats included): readLibraryTracks, artists only.
 *
 * @example
 * for await (const artist of readLibraryArtists('~/Documents/Native Instruments/Traktor/collection.nml')) …
 */
export async function* readLibraryArtists(input: string | Readable, options: ReadLibraryOptions = {}): AsyncGenerator<string> {
  for await (const track of readLibraryTracks(input, options)) yield track.artist;
}

/** The binary format of a file by its first bytes (and, for an SQLite file, its tables), or null for text. Refuses other binary files. */
async function binaryFormatOf(path: string, source: string): Promise<BinaryFormat | null> {
  const head = await readHead(path);
  const serato = looksLikeSerato(head);
  if (serato !== null) return serato;
  if (head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    const kind = sqliteLibraryKind(path);
    if (kind === null) throw new LibraryFormatError(source, 'an SQLite database, but not the library of a DJ application datacache reads (Engine DJ m.db, Mixxx mixxxdb.sqlite).');
    return kind;
  }
  if (looksLikeRekordboxMasterDb(path, (await stat(path)).size)) return 'rekordbox-master-db';
  if (isBinary(head)) {
    throw new LibraryFormatError(source, 'a binary file that is not a DJ library datacache reads (Traktor, rekordbox, Serato, VirtualDJ, Engine DJ, Mixxx, iTunes, M3U, tracklist.txt or a text file of artists); nothing was read from it.');
  }
  return null;
}

async function* readBinary(path: string, source: string, format: BinaryFormat, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  const bytes = (): AsyncIterable<Buffer> => createReadStream(path) as AsyncIterable<Buffer>;
  switch (format) {
    case 'serato-database':
      yield* seratoDatabaseTracks(bytes(), source, report);
      return;
    case 'serato-session':
      yield* seratoSessionTracks(bytes(), source, report);
      return;
    case 'serato-crate': {
      // A crate lists paths; their artists are in the database two folders up (_Serato_/Subcrates/x.crate → _Serato_/database V2).
      const databasePath = join(dirname(dirname(path)), 'database V2');
      const database = await stat(databasePath).catch(() => null);
      if (database === null) throw new LibraryFormatError(source, `a Serato crate lists track files, and their artists are in Serato's database, which is not at ${databasePath}.`);
      yield* seratoCrateTracks({ bytes: bytes(), source }, { bytes: createReadStream(databasePath) as AsyncIterable<Buffer>, source: databasePath }, report);
      return;
    }
    default:
      // The kind binaryFormatOf just told: the header and tables are not looked at again.
      yield* sqliteLibraryTracksOfKind(format, path, source, report);
  }
}

async function* readText(input: string | Readable, source: string, format: LibraryFormat | undefined, report: LibraryReadReport): AsyncGenerator<LibraryTrack> {
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const chunks = textChunks(stream, report);
  try {
    const first = await chunks.next();
    const head = first.done === true ? '' : first.value;
    const all = prepend(head, chunks);
    const kind = format ?? detectTextFormat(head, source);
    if (kind === 'm3u') yield* playlistTracks(all, report);
    else if (kind === 'vdj-tracklist') yield* vdjTracklistTracks(all, report);
    else if (kind === 'text') yield* textTracks(all, report);
    else yield* xmlLibraryTracks(all, source, report, format === undefined ? undefined : (kind as XmlLibraryFormat));
  } finally {
    stream.destroy();
  }
}

/** XML by its first tag; M3U by `#EXTM3U`/`#EXTVDJ` or its extension; a VirtualDJ tracklist by its lines; else by extension; else plain text. */
function detectTextFormat(head: string, source: string): LibraryFormat | 'xml' {
  const start = head.trimStart();
  if (start.startsWith('<')) return 'xml';
  if (/^#EXT(?:M3U|INF|VDJ)/iu.test(start)) return 'm3u';
  if (looksLikeVdjTracklist(head)) return 'vdj-tracklist';
  const extension = extname(source).toLowerCase();
  if (extension === '.m3u' || extension === '.m3u8') return 'm3u';
  if (extension === '.nml' || extension === '.xml') return 'xml';
  if (basename(source).toLowerCase() === 'tracklist.txt') return 'vdj-tracklist';
  return 'text';
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * A NUL byte (outside UTF-16 text with a byte-order mark: every binary library format has them
 * in its first kilobytes) or mostly control characters: not text. A few stray controls in a
 * text file (an escape sequence pasted into a tag) leave it text: the tidier drops them.
 */
function isBinary(head: Buffer): boolean {
  if (head.length === 0) return false;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) controls += 1;
  }
  return controls > head.length * 0.3;
}

async function* prepend(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (head !== '') yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}

function isFileError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && !(error instanceof LibraryFormatError) && /^E[A-Z]+$/u.test((error as NodeJS.ErrnoException).code ?? '');
}
