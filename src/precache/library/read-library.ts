import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, LibraryFormatError } from '../../errors.js';
import { describeValue } from '../../validation.js';
import { playlistArtists } from './playlist-library.js';
import { textArtists } from './text-library.js';
import { textChunks } from './text-chunks.js';
import { xmlLibraryArtists, type XmlLibraryFormat } from './xml-library.js';

/** The library formats `precache` reads. */
export type LibraryFormat = XmlLibraryFormat | 'm3u' | 'text';

export const LIBRARY_FORMATS: readonly LibraryFormat[] = ['traktor', 'rekordbox', 'virtualdj', 'm3u', 'text'];

export interface ReadLibraryOptions {
  /** Default: told from the content (an XML root element, `#EXTM3U`) and the file name. */
  format?: LibraryFormat;
  /** The name errors give the source, when `input` is a stream. */
  name?: string;
}

/**
 * The artist field of every track in a DJ library, as the library spells it (one per track,
 * repeats included), read as a stream. `input` is a file path or a readable byte stream.
 *
 * @example
 * for await (const artist of readLibraryArtists('~/Documents/Native Instruments/Traktor/collection.nml')) …
 */
export async function* readLibraryArtists(input: string | Readable, options: ReadLibraryOptions = {}): AsyncGenerator<string> {
  const format = options.format;
  if (format !== undefined && !LIBRARY_FORMATS.includes(format)) {
    throw new InvalidArgumentError(`format must be one of ${LIBRARY_FORMATS.join(', ')}, got ${describeValue(format)}.`);
  }
  const given: unknown = input;
  if (typeof given !== 'string' && (typeof given !== 'object' || given === null || typeof (given as Partial<Readable>).read !== 'function')) {
    throw new InvalidArgumentError(`readLibraryArtists() takes a file path or a readable stream, got ${describeValue(input)}.`);
  }
  const source = typeof input === 'string' ? input : (options.name ?? 'the library stream');
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const chunks = textChunks(stream);
  try {
    const first = await chunks.next();
    const head = first.done === true ? '' : first.value;
    const all = prepend(head, chunks);
    const kind = format ?? detectFormat(head, source);
    if (kind === 'm3u') yield* playlistArtists(all);
    else if (kind === 'text') yield* textArtists(all);
    else yield* xmlLibraryArtists(all, source, format === undefined ? undefined : kind as XmlLibraryFormat);
  } catch (error) {
    if (isFileError(error)) throw new LibraryFormatError(source, `cannot be read (${error.code}: ${error.message}).`, { cause: error });
    throw error;
  } finally {
    stream.destroy();
  }
}

/** XML by its first tag; M3U by `#EXTM3U` or its extension; else by extension; else plain text. */
function detectFormat(head: string, source: string): LibraryFormat | 'xml' {
  const start = head.trimStart();
  if (start.startsWith('<')) return 'xml';
  if (/^#EXTM3U/iu.test(start)) return 'm3u';
  const extension = extname(source).toLowerCase();
  if (extension === '.m3u' || extension === '.m3u8') return 'm3u';
  if (extension === '.nml' || extension === '.xml') return 'xml';
  return 'text';
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
