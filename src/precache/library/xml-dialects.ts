import type { SaxesTagPlain } from 'saxes';
import type { LibraryReadReport } from './library-track.js';
import { libraryTrack, playCountOf, traktorDayOf, unixSecondsOf } from './xml-track-fields.js';
import type { XmlLibraryFormat, XmlTrackReader, XmlTrackSink } from './xml-track-reader.js';

/**
 * The format of an XML library, told from its root element, or `undefined` for any other XML:
 * - Traktor `collection.nml` (and its history files): `<NML>`;
 * - rekordbox XML export: `<DJ_PLAYLISTS>`;
 * - VirtualDJ `database.xml` (8 and later) and `VirtualDJ Local Database v6.xml` (6 and 7):
 *   `<VirtualDJ_Database Version="…">`;
 * - iTunes / Apple Music `iTunes Music Library.xml` / `Library.xml`: `<plist>` (whether it holds
 *   a Tracks dictionary shows only later).
 */
export function xmlLibraryFormatOf(rootName: string): XmlLibraryFormat | undefined {
  // The root's attributes (VirtualDJ's Version, Traktor's VERSION) are not needed: versions differ in their elements.
  switch (rootName) {
    case 'NML': return 'traktor';
    case 'DJ_PLAYLISTS': return 'rekordbox';
    case 'VirtualDJ_Database': return 'virtualdj';
    case 'plist': return 'itunes';
    default: return undefined;
  }
}

/**
 * Traktor NML: `<NML><COLLECTION><ENTRY ARTIST TITLE><INFO PLAYCOUNT LAST_PLAYED/></ENTRY>`.
 * Playlists refer to entries by key and carry no artist, so only the collection is read.
 *
 * A history file (`History/history_2011y05m02d_….nml`) is the same: its COLLECTION holds the
 * tracks loaded that night, each with Traktor's own lifetime PLAYCOUNT and LAST_PLAYED (that
 * night), and its one PROTOCOL playlist lists every deck load, previews included
 * (PLAYEDPUBLIC="0"). We read its collection like any other: counting the playlist's entries
 * as well would count that night twice, and telling a history from a collection only at the
 * playlists (after the collection) would mean holding the whole collection back.
 *
 * COLLECTION ENTRIES is not compared with the entries present: Traktor's own count differs
 * from them in whole, healthy collections (1,146 listed, 1,036 present, say).
 * @internal
 */
export class TraktorReader implements XmlTrackReader {
  readonly readsText = false;
  private collectionDepth: number | undefined;
  private entry: { artist?: string; title?: string; playCount?: number; lastPlayedAt?: number } | undefined;

  constructor(private readonly sink: XmlTrackSink, private readonly report: LibraryReadReport) {}

  open(tag: SaxesTagPlain, depth: number): void {
    if (tag.name === 'COLLECTION' && this.collectionDepth === undefined) this.collectionDepth = depth;
    else if (this.collectionDepth !== undefined && depth === this.collectionDepth + 1 && tag.name === 'ENTRY') {
      this.sink.started();
      this.entry = { artist: tag.attributes.ARTIST, title: tag.attributes.TITLE };
    } else if (this.entry !== undefined && tag.name === 'INFO') {
      this.entry.playCount = playCountOf(tag.attributes.PLAYCOUNT, this.report);
      this.entry.lastPlayedAt = traktorDayOf(tag.attributes.LAST_PLAYED);
    }
  }

  close(name: string, depth: number): void {
    if (this.collectionDepth === undefined) return;
    if (depth === this.collectionDepth + 1 && name === 'ENTRY' && this.entry !== undefined) {
      const { artist, title, playCount, lastPlayedAt } = this.entry;
      this.entry = undefined;
      this.sink.finished(libraryTrack(artist, title, playCount, lastPlayedAt));
    } else if (depth === this.collectionDepth && name === 'COLLECTION') this.collectionDepth = Number.NaN;
  }

  text(): void {}

  end(): void {}
}

/**
 * rekordbox XML: `<DJ_PLAYLISTS><COLLECTION Entries><TRACK Artist Name PlayCount DateAdded>`.
 * PlayCount is rekordbox's own count, which history playlists add to as they are recorded, so
 * the playlists (`<TRACK Key>`, HISTORY included) are not read: counting them again would count
 * a play twice. DateAdded is when the file was imported, not played: there is no last play.
 *
 * A partial export lists more tracks in COLLECTION Entries than it holds: the difference is
 * reported as skipped, `listed in the collection but not in the file`.
 * @internal
 */
export class RekordboxReader implements XmlTrackReader {
  readonly readsText = false;
  private collectionDepth: number | undefined;
  private listed: number | undefined;
  private present = 0;
  private track: { artist?: string; title?: string; playCount?: number } | undefined;

  constructor(private readonly sink: XmlTrackSink, private readonly report: LibraryReadReport) {}

  open(tag: SaxesTagPlain, depth: number): void {
    if (tag.name === 'COLLECTION' && this.collectionDepth === undefined) {
      this.collectionDepth = depth;
      const listed = Number(tag.attributes.Entries);
      this.listed = Number.isSafeInteger(listed) && listed >= 0 ? listed : undefined;
    } else if (this.collectionDepth !== undefined && depth === this.collectionDepth + 1 && tag.name === 'TRACK') {
      this.sink.started();
      this.present += 1;
      this.track = { artist: tag.attributes.Artist, title: tag.attributes.Name, playCount: playCountOf(tag.attributes.PlayCount, this.report) };
    }
  }

  close(name: string, depth: number): void {
    if (this.collectionDepth === undefined) return;
    if (depth === this.collectionDepth + 1 && name === 'TRACK' && this.track !== undefined) {
      const { artist, title, playCount } = this.track;
      this.track = undefined;
      this.sink.finished(libraryTrack(artist, title, playCount, undefined));
    } else if (depth === this.collectionDepth && name === 'COLLECTION') {
      this.collectionDepth = Number.NaN;
      if (this.listed !== undefined && this.listed > this.present) this.report.skip('listed in the collection but not in the file', this.listed - this.present);
    }
  }

  text(): void {}

  end(): void {}
}

/**
 * VirtualDJ: `<VirtualDJ_Database Version><Song FilePath>` with the tags in `<Tags Author Title>`
 * (VirtualDJ 8 and later) or `<Display Author Title>` (VirtualDJ 6 and 7, Version="6xx"/"7xx"),
 * and the plays in `<Infos PlayCount LastPlay>` (LastPlay in seconds since the Unix epoch).
 * @internal
 */
export class VirtualDjReader implements XmlTrackReader {
  readonly readsText = false;
  private song: { artist?: string; title?: string; playCount?: number; lastPlayedAt?: number } | undefined;

  constructor(private readonly sink: XmlTrackSink, private readonly report: LibraryReadReport) {}

  open(tag: SaxesTagPlain, depth: number): void {
    if (depth === 2 && tag.name === 'Song') {
      this.sink.started();
      this.song = {};
    } else if (this.song !== undefined && depth === 3) {
      if (tag.name === 'Tags' || (tag.name === 'Display' && this.song.artist === undefined)) {
        this.song.artist = tag.attributes.Author;
        this.song.title = tag.attributes.Title;
      } else if (tag.name === 'Infos') {
        this.song.playCount = playCountOf(tag.attributes.PlayCount, this.report);
        this.song.lastPlayedAt = unixSecondsOf(tag.attributes.LastPlay);
      }
    }
  }

  close(name: string, depth: number): void {
    if (depth === 2 && name === 'Song' && this.song !== undefined) {
      const { artist, title, playCount, lastPlayedAt } = this.song;
      this.song = undefined;
      this.sink.finished(libraryTrack(artist, title, playCount, lastPlayedAt));
    }
  }

  text(): void {}

  end(): void {}
}
