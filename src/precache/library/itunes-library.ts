import type { SaxesTagPlain } from 'saxes';
import { LibraryFormatError } from '../../errors.js';
import type { LibraryReadReport } from './library-track.js';
import { isoDateOf, libraryTrack, playCountOf } from './xml-track-fields.js';
import type { XmlTrackReader, XmlTrackSink } from './xml-track-reader.js';

/** The longest plist value kept: far beyond any name; a longer one makes its track unreadable. */
const MAX_VALUE_LENGTH = 64 * 1024;

/** The track keys read; every other one (and its value) is passed over. */
const TRACK_KEYS = new Set(['Name', 'Artist', 'Album Artist', 'Compilation', 'Play Count', 'Play Date UTC', 'Podcast', 'Movie', 'TV Show']);

/** Kinds of media that are not music: their "artist" is a broadcaster or a studio. */
const NOT_MUSIC = ['Podcast', 'Movie', 'TV Show'] as const;

/**
 * iTunes / Apple Music `iTunes Music Library.xml` (`Library.xml` when exported): an Apple
 * property list, read as a stream. Its layout (xml.com, "Hacking iTunes", 2004,
 * http://www.xml.com/pub/a/2004/11/03/itunes.html; a real export excerpt in
 * AYMANTV/youtube-playlist-uploader `src/shared/test/playlist-xml.ts`):
 *
 *     <plist version="1.0"><dict>
 *       <key>Major Version</key><integer>1</integer> …
 *       <key>Tracks</key>
 *       <dict>
 *         <key>1935</key>
 *         <dict>
 *           <key>Track ID</key><integer>1935</integer>
 *           <key>Name</key><string>Tomboy</string>
 *           <key>Artist</key><string>Bettie Serveert</string>
 *           <key>Play Count</key><integer>15</integer>
 *           <key>Play Date UTC</key><date>2018-05-10T22:00:02Z</date>
 *           <key>Compilation</key><true/> …
 *         </dict> …
 *       </dict>
 *       <key>Playlists</key><array>…</array>
 *     </dict></plist>
 *
 * Only the top-level Tracks dictionary is read (playlists refer to tracks by ID). A track's
 * artist is its Artist; without one, its Album Artist, unless the album is a compilation (whose
 * album artist is "Various Artists" or the compiler). Podcasts, films and TV shows are left out
 * like untagged files: they are not music, not damage.
 */
export class ITunesLibraryReader implements XmlTrackReader {
  readonly readsText = true;
  /** The last key read directly in the top-level dictionary. */
  private topKey: string | undefined;
  private inTracks = false;
  private sawTracks = false;
  private track: Map<string, string | boolean> | undefined;
  private trackKey: string | undefined;
  /** The text of the `<key>` or value element being read, when it is one we keep. */
  private value: string | undefined;

  constructor(private readonly sink: XmlTrackSink, private readonly report: LibraryReadReport) {}

  open(tag: SaxesTagPlain, depth: number): void {
    if (depth === 3) {
      if (tag.name === 'key') this.value = '';
      else if (tag.name === 'dict' && this.topKey === 'Tracks' && !this.sawTracks) this.inTracks = this.sawTracks = true;
    } else if (this.inTracks && depth === 4 && tag.name === 'dict') {
      this.sink.started();
      this.track = new Map();
    } else if (this.track !== undefined && depth === 5 && (tag.name === 'key' || (this.trackKey !== undefined && TRACK_KEYS.has(this.trackKey)))) {
      this.value = '';
    }
  }

  close(name: string, depth: number): void {
    const value = this.value;
    this.value = undefined;
    if (depth === 3) {
      if (name === 'key') this.topKey = value;
      else if (name === 'dict' && this.inTracks) this.inTracks = false;
      else this.topKey = undefined;
    } else if (this.track !== undefined && depth === 5) {
      if (name === 'key') this.trackKey = value;
      else {
        if (this.trackKey !== undefined && TRACK_KEYS.has(this.trackKey)) this.track.set(this.trackKey, name === 'true' ? true : name === 'false' ? false : value ?? '');
        this.trackKey = undefined;
      }
    } else if (this.track !== undefined && depth === 4 && name === 'dict') {
      const fields = this.track;
      this.track = undefined;
      this.trackKey = undefined;
      this.sink.finished(this.trackOf(fields));
    }
  }

  text(text: string): void {
    if (this.value === undefined) return;
    if (this.value.length + text.length > MAX_VALUE_LENGTH) {
      if (this.track !== undefined) this.sink.damaged(`a value over ${MAX_VALUE_LENGTH} characters`);
      return;
    }
    this.value += text;
  }

  end(source: string): void {
    if (!this.sawTracks) throw new LibraryFormatError(source, 'a property list without a Tracks dictionary: not an iTunes or Apple Music library.');
  }

  private trackOf(fields: ReadonlyMap<string, string | boolean>): ReturnType<typeof libraryTrack> {
    if (NOT_MUSIC.some((kind) => fields.get(kind) === true)) return undefined;
    const text = (key: string): string | undefined => {
      const value = fields.get(key);
      // A blank field is no field: an empty Artist falls back to the Album Artist.
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    const artist = text('Artist') ?? (fields.get('Compilation') === true ? undefined : text('Album Artist'));
    return libraryTrack(artist, text('Name'), playCountOf(text('Play Count'), this.report), isoDateOf(text('Play Date UTC')));
  }
}
