/**
 * Where each DJ application keeps its library and its play history when nobody moved them:
 * data only, each path with where it was confirmed. library-locations.ts looks there.
 */

/** The applications whose libraries datacache knows how to find. */
export type LibraryApp = 'traktor' | 'rekordbox' | 'serato' | 'virtualdj' | 'engine-dj' | 'mixxx' | 'itunes';

/** The applications in the order they are listed. */
export const LIBRARY_APPS: readonly LibraryApp[] = ['traktor', 'rekordbox', 'serato', 'virtualdj', 'engine-dj', 'mixxx', 'itunes'];

/** A whole collection (one file), or a play history (one file per session, or one log). */
export type LibraryKind = 'collection' | 'history';

/** Operating systems as the applications tell them apart: Linux stands for every other Unix too. */
export type PlatformFamily = 'macos' | 'windows' | 'linux';

/**
 * The folder a location starts from. On Windows they come from the environment (USERPROFILE,
 * APPDATA, LOCALAPPDATA); elsewhere from the home folder. `documents` and `music` are the
 * profile's Documents and Music folders.
 */
export type BaseFolder = 'home' | 'documents' | 'music' | 'roamingAppData' | 'localAppData';

/** Every subfolder whose name matches, e.g. one per installed Traktor version. */
export interface AnyFolder {
  readonly anyFolder: RegExp;
  /** How the folder is shown in a list of places looked in: "Traktor *". */
  readonly shownAs: string;
}

/** Every file in the folder whose name matches: a history written one file per session. */
export interface AnyFile {
  readonly anyFile: RegExp;
}

/** One place an application keeps a library file (or a folder of history files). */
export interface LibraryLocation {
  readonly app: LibraryApp;
  readonly kind: LibraryKind;
  readonly platforms: readonly PlatformFamily[];
  readonly base: BaseFolder;
  /** The folders under `base`, in order; an AnyFolder stands for each matching subfolder. */
  readonly folders: readonly (string | AnyFolder)[];
  readonly file: string | AnyFile;
  /** What a person should know about what was found there. */
  readonly note?: string;
}

const MAC_AND_WINDOWS: readonly PlatformFamily[] = ['macos', 'windows'];

/** Traktor names its user folder after the version that made it: "Traktor 3.11.1", "Traktor 4.0.2". */
const TRAKTOR_VERSION_FOLDER: AnyFolder = { anyFolder: /^Traktor\b/iu, shownAs: 'Traktor *' };

/**
 * Sources, by application:
 * - Traktor: the user folder is Documents/Native Instruments/Traktor <version>
 *   (traktorlibrarian README, github.com/r0x0r/traktorlibrarian: "~/Documents/Native
 *   Instruments/Traktor <latest version>"); collection.nml in it and History/history_<date>.nml
 *   (traktor-nml-utils README, github.com/wolkenarchitekt/traktor-nml-utils). What's Now Playing
 *   also looks in %LOCALAPPDATA%\Native Instruments on Windows 11 (whatsnowplaying/whats-now-playing
 *   commit 0a13d30, nowplaying/inputs/traktor.py).
 * - rekordbox 6 and 7: master.db, SQLite encrypted with SQLCipher 4, in %APPDATA%\Pioneer\rekordbox
 *   (rekord.cloud/blog/technical-inspection-of-rekordbox-6-and-its-new-internals) and
 *   ~/Library/Pioneer/rekordbox on macOS (the Homebrew cask's zap list; pyrekordbox docs).
 * - Serato: Music/_Serato_ on both systems (support.serato.com/hc/en-us/articles/204022904,
 *   "What is in the _Serato_ folder?"), with "database V2" (legacy since Serato DJ 4) and
 *   History/Sessions/*.session (whats-now-playing nowplaying/inputs/serato.py before Serato 4).
 *   Serato DJ 4 on macOS: ~/Library/Application Support/Serato/Library/master.sqlite
 *   (ben-xo/sslscrobbler pull request 36); its Windows place is not documented anywhere we found.
 * - VirtualDJ: Documents/VirtualDJ/database.xml (8 and later), "VirtualDJ Database v6.xml" there
 *   for 6 and 7, and ~/Library/Application Support/VirtualDJ on newer Mac builds
 *   (mixxxdj/mixxx src/library/vdj/vdjfeature.cpp); History/*.m3u (whats-now-playing docs, m3u.rst)
 *   and History/tracklist.txt (many now-playing tools read it); %LOCALAPPDATA%\VirtualDJ on
 *   Windows 11 (whats-now-playing commit 0a13d30). No VirtualDJ for Linux.
 * - Engine DJ: Music/Engine Library/Database2/m.db (Engine DJ's "Support for Third-Party Database
 *   Tools", enginedj.com/kb/solutions/69000834165; many tools' defaults); Engine Prime 1.x kept
 *   m.db directly in Engine Library (mixxxdj/mixxx wiki, "Engine Library Format").
 * - Mixxx: the settings folder holds mixxxdb.sqlite: ~/.mixxx (Linux),
 *   ~/Library/Containers/org.mixxx.mixxx/Data/Library/Application Support/Mixxx (macOS, 2.3 and
 *   later, sandboxed), ~/Library/Application Support/Mixxx (2.2 and earlier), %LOCALAPPDATA%\Mixxx
 *   (Windows) (Mixxx wiki "Mixxx Settings Directory"); the Flatpak persists .mixxx under
 *   ~/.var/app/org.mixxx.Mixxx (flathub/org.mixxx.Mixxx manifest, --persist=.mixxx).
 * - iTunes: Music/iTunes/"iTunes Music Library.xml", or "iTunes Library.xml" from iTunes 10.8
 *   (dougscripts.com/itunes/itinfo/multlibraryconfusion.php; macworld.com "About iTunes library
 *   files"). Apple's Music app (macOS 10.15 and later) writes no XML: File › Library › Export
 *   Library saves one wherever the user chooses, so there is no place to look for it.
 */
export const DEFAULT_LIBRARY_LOCATIONS: readonly LibraryLocation[] = [
  { app: 'traktor', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'documents', folders: ['Native Instruments', TRAKTOR_VERSION_FOLDER], file: 'collection.nml' },
  { app: 'traktor', kind: 'collection', platforms: ['windows'], base: 'localAppData', folders: ['Native Instruments', TRAKTOR_VERSION_FOLDER], file: 'collection.nml' },
  { app: 'traktor', kind: 'history', platforms: MAC_AND_WINDOWS, base: 'documents', folders: ['Native Instruments', TRAKTOR_VERSION_FOLDER, 'History'], file: { anyFile: /\.nml$/iu } },
  { app: 'traktor', kind: 'history', platforms: ['windows'], base: 'localAppData', folders: ['Native Instruments', TRAKTOR_VERSION_FOLDER, 'History'], file: { anyFile: /\.nml$/iu } },

  ...(['home', 'roamingAppData'] as const).map((base): LibraryLocation => ({
    app: 'rekordbox',
    kind: 'collection',
    platforms: base === 'home' ? ['macos'] : ['windows'],
    base,
    folders: base === 'home' ? ['Library', 'Pioneer', 'rekordbox'] : ['Pioneer', 'rekordbox'],
    file: 'master.db',
    note: 'encrypted (SQLCipher): export it from rekordbox with File › Export Collection in xml format, then read the XML',
  })),

  { app: 'serato', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['_Serato_'], file: 'database V2' },
  { app: 'serato', kind: 'collection', platforms: ['macos'], base: 'home', folders: ['Library', 'Application Support', 'Serato', 'Library'], file: 'master.sqlite', note: 'Serato DJ 4 library (SQLite)' },
  // Crates (_Serato_/Subcrates/*.crate) are playlists over tracks "database V2" already holds: not listed.
  { app: 'serato', kind: 'history', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['_Serato_', 'History', 'Sessions'], file: { anyFile: /\.session$/iu } },

  ...virtualDjLocations('documents', ['VirtualDJ'], MAC_AND_WINDOWS),
  ...virtualDjLocations('home', ['Library', 'Application Support', 'VirtualDJ'], ['macos']),
  ...virtualDjLocations('localAppData', ['VirtualDJ'], ['windows']),

  { app: 'engine-dj', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['Engine Library', 'Database2'], file: 'm.db' },
  { app: 'engine-dj', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['Engine Library'], file: 'm.db', note: 'Engine Prime 1.x database' },

  { app: 'mixxx', kind: 'collection', platforms: ['linux'], base: 'home', folders: ['.mixxx'], file: 'mixxxdb.sqlite' },
  { app: 'mixxx', kind: 'collection', platforms: ['linux'], base: 'home', folders: ['.var', 'app', 'org.mixxx.Mixxx', '.mixxx'], file: 'mixxxdb.sqlite', note: 'the Flatpak install' },
  { app: 'mixxx', kind: 'collection', platforms: ['macos'], base: 'home', folders: ['Library', 'Containers', 'org.mixxx.mixxx', 'Data', 'Library', 'Application Support', 'Mixxx'], file: 'mixxxdb.sqlite' },
  { app: 'mixxx', kind: 'collection', platforms: ['macos'], base: 'home', folders: ['Library', 'Application Support', 'Mixxx'], file: 'mixxxdb.sqlite', note: 'Mixxx 2.2 or earlier' },
  { app: 'mixxx', kind: 'collection', platforms: ['windows'], base: 'localAppData', folders: ['Mixxx'], file: 'mixxxdb.sqlite' },

  { app: 'itunes', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['iTunes'], file: 'iTunes Library.xml' },
  { app: 'itunes', kind: 'collection', platforms: MAC_AND_WINDOWS, base: 'music', folders: ['iTunes'], file: 'iTunes Music Library.xml', note: 'written by iTunes before 10.8: stale when "iTunes Library.xml" is beside it' },
];

/** VirtualDJ's home folder holds the same files wherever it is. */
function virtualDjLocations(base: BaseFolder, home: readonly string[], platforms: readonly PlatformFamily[]): LibraryLocation[] {
  return [
    { app: 'virtualdj', kind: 'collection', platforms, base, folders: home, file: 'database.xml' },
    { app: 'virtualdj', kind: 'collection', platforms, base, folders: home, file: 'VirtualDJ Database v6.xml', note: 'VirtualDJ 6 or 7 database' },
    { app: 'virtualdj', kind: 'history', platforms, base, folders: [...home, 'History'], file: { anyFile: /\.m3u8?$|^tracklist\.txt$/iu } },
  ];
}
