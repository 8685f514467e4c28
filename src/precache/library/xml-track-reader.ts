import type { SaxesTagPlain } from 'saxes';
import type { LibraryTrack } from './library-track.js';

/** The XML libraries datacache reads, told apart by their root element. */
export type XmlLibraryFormat = 'traktor' | 'rekordbox' | 'virtualdj' | 'itunes';

/**
 * Where a format's reader hands what it finds. The reader says where each track's element
 * starts and ends, so the parser can tell damage inside a track (skip that track) from damage
 * to the file's structure (refuse the file).
 */
export interface XmlTrackSink {
  /** A track's element has opened. */
  started(): void;
  /** The open track cannot be read (`reason` goes to the report); it is skipped when it ends. */
  damaged(reason: string): void;
  /** The open track's element has closed: its track, or `undefined` when it names no artist. */
  finished(track: LibraryTrack | undefined): void;
}

/**
 * Reads one format from the parser's events; depth 1 is the root element.
 * @internal
 */
export interface XmlTrackReader {
  /** Whether the reader needs text content (the parser only gathers it when asked). */
  readonly readsText: boolean;
  open(tag: SaxesTagPlain, depth: number): void;
  close(name: string, depth: number): void;
  text(text: string): void;
  /** The document has ended well-formed: last checks, which may throw a `LibraryFormatError`. */
  end(source: string): void;
}
