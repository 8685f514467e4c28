import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { SqliteDriver } from '../../src/precache/library/sqlite/open-library-database.js';
import { REKORDBOX_MASTER_DB_KEY } from '../../src/precache/library/sqlite/rekordbox-master-db.js';
import { loadSqlCipherDriver } from '../../src/precache/library/sqlite/sqlcipher-driver.js';

/** A track to put in a test library, with the play history the app would have recorded. */
export interface TestTrack {
  artist: string | Buffer | null;
  title?: string | null;
  /** The app's own play counter (Mixxx `timesplayed`, rekordbox `DJPlayCount`). */
  playCount?: number;
  /** The app's own last-played stamp, in ms (whole seconds: Engine keeps seconds). */
  lastPlayedAt?: number;
  /** Plays recorded in the app's history playlists (Mixxx, rekordbox), in ms. */
  plays?: number[];
  /** Removed from the library but kept in the database (Mixxx `mixxx_deleted`, rekordbox `rb_local_deleted`). */
  deleted?: boolean;
}

export interface TestDatabaseOptions {
  /** Create the database in WAL mode, as a running app's database often is. */
  wal?: boolean;
}

/**
 * Engine DJ 3.x `Database2/m.db`, with the CREATE statements Engine uses for schema 3.0.2 as
 * libdjinterop records them (src/djinterop/engine/schema/schema_3_0_2.cpp, xsco/libdjinterop).
 */
export const ENGINE_DJ_SCHEMA: readonly string[] = [
  'CREATE TABLE Information ( id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT, schemaVersionMajor INTEGER, schemaVersionMinor INTEGER, schemaVersionPatch INTEGER, currentPlayedIndiciator INTEGER, lastRekordBoxLibraryImportReadCounter INTEGER);',
  'CREATE TABLE AlbumArt ( id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT, albumArt BLOB );',
  'CREATE TABLE Pack ( id INTEGER PRIMARY KEY AUTOINCREMENT, packId TEXT, changeLogDatabaseUuid TEXT, changeLogId INTEGER, lastPackTime DATETIME );',
  'CREATE TABLE Track ( id INTEGER PRIMARY KEY AUTOINCREMENT, playOrder INTEGER, length INTEGER, bpm INTEGER, year INTEGER, path TEXT, filename TEXT, bitrate INTEGER, bpmAnalyzed REAL, albumArtId INTEGER, fileBytes INTEGER, title TEXT, artist TEXT, album TEXT, genre TEXT, comment TEXT, label TEXT, composer TEXT, remixer TEXT, key INTEGER, rating INTEGER, albumArt TEXT, timeLastPlayed DATETIME, isPlayed BOOLEAN, fileType TEXT, isAnalyzed BOOLEAN, dateCreated DATETIME, dateAdded DATETIME, isAvailable BOOLEAN, isMetadataOfPackedTrackChanged BOOLEAN, isPerfomanceDataOfPackedTrackChanged BOOLEAN, playedIndicator INTEGER, isMetadataImported BOOLEAN, pdbImportKey INTEGER, streamingSource TEXT, uri TEXT, isBeatGridLocked BOOLEAN, originDatabaseUuid TEXT, originTrackId INTEGER, streamingFlags INTEGER, explicitLyrics BOOLEAN, lastEditTime DATETIME, albumArtSourceHash CHAR(40), CONSTRAINT C_originDatabaseUuid_originTrackId UNIQUE (originDatabaseUuid, originTrackId), CONSTRAINT C_path UNIQUE (path), FOREIGN KEY (albumArtId) REFERENCES AlbumArt (id) ON DELETE RESTRICT );',
  'CREATE TABLE PerformanceData ( trackId INTEGER PRIMARY KEY, trackData BLOB, overviewWaveFormData BLOB, beatData BLOB, quickCues BLOB, loops BLOB, thirdPartySourceId INTEGER, activeOnLoadLoops INTEGER, FOREIGN KEY(trackId) REFERENCES Track(id) ON DELETE CASCADE ON UPDATE CASCADE );',
  'CREATE TABLE Playlist ( id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, parentListId INTEGER, isPersisted BOOLEAN, nextListId INTEGER, lastEditTime DATETIME, isExplicitlyExported BOOLEAN, CONSTRAINT C_NAME_UNIQUE_FOR_PARENT UNIQUE (title, parentListId), CONSTRAINT C_NEXT_LIST_ID_UNIQUE_FOR_PARENT UNIQUE (parentListId, nextListId) );',
  'CREATE TABLE PlaylistEntity ( id INTEGER PRIMARY KEY AUTOINCREMENT, listId INTEGER, trackId INTEGER, databaseUuid TEXT, nextEntityId INTEGER, membershipReference INTEGER, CONSTRAINT C_NAME_UNIQUE_FOR_LIST UNIQUE (listId, databaseUuid, trackId), FOREIGN KEY (listId) REFERENCES Playlist (id) ON DELETE CASCADE );',
  'CREATE TABLE PreparelistEntity ( id INTEGER PRIMARY KEY AUTOINCREMENT, trackId INTEGER, trackNumber INTEGER, FOREIGN KEY (trackId) REFERENCES Track (id) ON DELETE CASCADE );',
  'CREATE TABLE Smartlist ( listUuid TEXT NOT NULL PRIMARY KEY, title TEXT, parentPlaylistPath TEXT, nextPlaylistPath TEXT, nextListUuid TEXT, rules TEXT, lastEditTime DATETIME, CONSTRAINT C_NAME_UNIQUE_FOR_PARENT UNIQUE (title, parentPlaylistPath), CONSTRAINT C_NEXT_LIST_UNIQUE_FOR_PARENT UNIQUE (parentPlaylistPath, nextPlaylistPath, nextListUuid) );',
  "INSERT INTO Information VALUES(1,'43b432fc-8c09-40cd-8ef4-9fcb9a853f84',3,0,2,8054931482920806910,NULL);",
];

/**
 * Mixxx's `mixxxdb.sqlite`, built as Mixxx builds it: the migrations of res/schema.xml
 * (mixxxdj/mixxx) in order, by revision, for the tables a library reader meets. Revisions
 * that only touch other tables or data are left out.
 */
export const MIXXX_SCHEMA_REVISIONS: readonly (readonly [number, string])[] = [
  [1, `CREATE TABLE IF NOT EXISTS settings (name TEXT UNIQUE NOT NULL, value TEXT, locked INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0);
    CREATE TABLE IF NOT EXISTS track_locations (id INTEGER PRIMARY KEY AUTOINCREMENT, location varchar(512) UNIQUE, filename varchar(512), directory varchar(512), filesize INTEGER, fs_deleted INTEGER, needs_verification INTEGER);
    CREATE TABLE IF NOT EXISTS LibraryHashes (directory_path VARCHAR(256) PRIMARY KEY, hash INTEGER, directory_deleted INTEGER);
    CREATE TABLE IF NOT EXISTS library (id INTEGER PRIMARY KEY AUTOINCREMENT, artist varchar(48), title varchar(48), album varchar(48), year varchar(16), genre varchar(32), tracknumber varchar(3), location varchar(512) REFERENCES track_locations(location), comment varchar(20), url varchar(256), duration FLOAT, bitrate INTEGER, samplerate INTEGER, cuepoint INTEGER, bpm FLOAT, wavesummaryhex BLOB, channels INTEGER, datetime_added DEFAULT CURRENT_TIMESTAMP, mixxx_deleted INTEGER, played INTEGER);
    CREATE TABLE Playlists (id INTEGER PRIMARY KEY, name varchar(48), position INTEGER, hidden INTEGER DEFAULT 0 NOT NULL, date_created datetime, date_modified datetime);
    CREATE TABLE PlaylistTracks (id INTEGER PRIMARY KEY, playlist_id INTEGER REFERENCES Playlists(id), track_id INTEGER REFERENCES library(id), position INTEGER);
    CREATE TABLE IF NOT EXISTS crates (id INTEGER PRIMARY KEY AUTOINCREMENT, name varchar(48) UNIQUE NOT NULL, count INTEGER DEFAULT 0, show INTEGER DEFAULT 1);
    CREATE TABLE IF NOT EXISTS crate_tracks (crate_id INTEGER NOT NULL REFERENCES crates(id), track_id INTEGER NOT NULL REFERENCES library(id), UNIQUE (crate_id, track_id));`],
  [2, 'ALTER TABLE library ADD COLUMN header_parsed INTEGER DEFAULT 0;'],
  [3, `ALTER TABLE library RENAME TO library_old;
    CREATE TABLE IF NOT EXISTS library (id INTEGER PRIMARY KEY AUTOINCREMENT, artist varchar(64), title varchar(64), album varchar(64), year varchar(16), genre varchar(64), tracknumber varchar(3), location INTEGER REFERENCES track_locations(location), comment varchar(256), url varchar(256), duration FLOAT, bitrate INTEGER, samplerate INTEGER, cuepoint INTEGER, bpm FLOAT, wavesummaryhex BLOB, channels INTEGER, datetime_added DEFAULT CURRENT_TIMESTAMP, mixxx_deleted INTEGER, played INTEGER, header_parsed INTEGER DEFAULT 0);
    DROP TABLE library_old;`],
  [4, "ALTER TABLE library ADD COLUMN filetype varchar(8) DEFAULT '?';"],
  [6, 'ALTER TABLE library ADD COLUMN replaygain FLOAT DEFAULT 0;'],
  [7, "ALTER TABLE library ADD COLUMN timesplayed INTEGER DEFAULT 0; ALTER TABLE library ADD COLUMN rating INTEGER DEFAULT 0; ALTER TABLE library ADD COLUMN key varchar(8) DEFAULT '';"],
  [10, 'ALTER TABLE crates ADD COLUMN locked INTEGER DEFAULT 0; ALTER TABLE playlists ADD COLUMN locked INTEGER DEFAULT 0;'],
  [12, 'ALTER TABLE Library ADD COLUMN beats BLOB; ALTER TABLE Library ADD COLUMN beats_version TEXT;'],
  [14, "ALTER TABLE library ADD COLUMN composer varchar(64) DEFAULT '';"],
  [15, 'ALTER TABLE PlaylistTracks ADD COLUMN pl_datetime_added;'],
  [21, "ALTER TABLE Library ADD COLUMN grouping TEXT DEFAULT ''; ALTER TABLE Library ADD COLUMN album_artist TEXT DEFAULT '';"],
  [24, "ALTER TABLE library ADD COLUMN coverart_source INTEGER DEFAULT 0; ALTER TABLE library ADD COLUMN coverart_type INTEGER DEFAULT 0; ALTER TABLE library ADD COLUMN coverart_location TEXT DEFAULT ''; ALTER TABLE library ADD COLUMN coverart_hash INTEGER DEFAULT 0;"],
  [26, "ALTER TABLE library ADD COLUMN tracktotal TEXT DEFAULT '//';"],
  [31, 'ALTER TABLE library ADD COLUMN color INTEGER;'],
  [34, 'CREATE INDEX IF NOT EXISTS idx_PlaylistTracks_playlist_id_track_id ON PlaylistTracks (playlist_id, track_id); CREATE INDEX IF NOT EXISTS idx_PlaylistTracks_track_id ON PlaylistTracks (track_id); CREATE INDEX IF NOT EXISTS idx_crate_tracks_track_id ON crate_tracks (track_id);'],
  [35, 'ALTER TABLE library ADD COLUMN last_played_at DATETIME DEFAULT NULL;'],
  [37, 'ALTER TABLE library ADD COLUMN source_synchronized_ms INTEGER DEFAULT NULL;'],
  [40, 'ALTER TABLE library ADD COLUMN tuning_frequency_hz FLOAT DEFAULT 0.0;'],
];

/**
 * The rekordbox 6/7 `master.db` tables a reader meets, with the columns and types pyrekordbox
 * declares for them (pyrekordbox/masterdb/models.py, dylanljones/pyrekordbox: each table's
 * own columns, then the shared StatsFull columns).
 */
export const REKORDBOX_SCHEMA: readonly string[] = [
  'CREATE TABLE djmdArtist (ID VARCHAR(255) PRIMARY KEY, Name VARCHAR(255), SearchStr VARCHAR(255), UUID VARCHAR(255), rb_data_status INTEGER, rb_local_data_status INTEGER, rb_local_deleted TINYINT(1), rb_local_synced TINYINT(1), usn BIGINT, rb_local_usn BIGINT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);',
  'CREATE TABLE djmdContent (ID VARCHAR(255) PRIMARY KEY, FolderPath VARCHAR(255), FileNameL VARCHAR(255), FileNameS VARCHAR(255), Title VARCHAR(255), ArtistID VARCHAR(255), AlbumID VARCHAR(255), GenreID VARCHAR(255), BPM INTEGER, Length INTEGER, TrackNo INTEGER, BitRate INTEGER, BitDepth INTEGER, Commnt TEXT, FileType INTEGER, Rating INTEGER, ReleaseYear INTEGER, RemixerID VARCHAR(255), LabelID VARCHAR(255), OrgArtistID VARCHAR(255), KeyID VARCHAR(255), StockDate VARCHAR(255), ColorID VARCHAR(255), DJPlayCount VARCHAR(255), ImagePath VARCHAR(255), MasterDBID VARCHAR(255), MasterSongID VARCHAR(255), AnalysisDataPath VARCHAR(255), SearchStr VARCHAR(255), FileSize INTEGER, DiscNo INTEGER, ComposerID VARCHAR(255), Subtitle VARCHAR(255), SampleRate INTEGER, DisableQuantize INTEGER, Analysed INTEGER, ReleaseDate VARCHAR(255), DateCreated VARCHAR(255), ContentLink INTEGER, Tag VARCHAR(255), ModifiedByRBM VARCHAR(255), HotCueAutoLoad VARCHAR(255), DeliveryControl VARCHAR(255), DeliveryComment VARCHAR(255), CueUpdated VARCHAR(255), AnalysisUpdated VARCHAR(255), TrackInfoUpdated VARCHAR(255), Lyricist VARCHAR(255), ISRC VARCHAR(255), SamplerTrackInfo INTEGER, SamplerPlayOffset INTEGER, SamplerGain Float, VideoAssociate VARCHAR(255), LyricStatus INTEGER, ServiceID INTEGER, OrgFolderPath VARCHAR(255), Reserved1 TEXT, Reserved2 TEXT, Reserved3 TEXT, Reserved4 TEXT, ExtInfo TEXT, rb_file_id VARCHAR(255), DeviceID VARCHAR(255), rb_LocalFolderPath VARCHAR(255), SrcID VARCHAR(255), SrcTitle VARCHAR(255), SrcArtistName VARCHAR(255), SrcAlbumName VARCHAR(255), SrcLength INTEGER, UUID VARCHAR(255), rb_data_status INTEGER, rb_local_data_status INTEGER, rb_local_deleted TINYINT(1), rb_local_synced TINYINT(1), usn BIGINT, rb_local_usn BIGINT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);',
  'CREATE TABLE djmdHistory (ID VARCHAR(255) PRIMARY KEY, Seq INTEGER, Name VARCHAR(255), Attribute INTEGER, ParentID VARCHAR(255), DateCreated VARCHAR(255), UUID VARCHAR(255), rb_data_status INTEGER, rb_local_data_status INTEGER, rb_local_deleted TINYINT(1), rb_local_synced TINYINT(1), usn BIGINT, rb_local_usn BIGINT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);',
  'CREATE TABLE djmdSongHistory (ID VARCHAR(255) PRIMARY KEY, HistoryID VARCHAR(255), ContentID VARCHAR(255), TrackNo INTEGER, UUID VARCHAR(255), rb_data_status INTEGER, rb_local_data_status INTEGER, rb_local_deleted TINYINT(1), rb_local_synced TINYINT(1), usn BIGINT, rb_local_usn BIGINT, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);',
];

function openForWriting(path: string, options: TestDatabaseOptions, driver: SqliteDriver = Database): Database.Database {
  const db = new driver(path);
  if (options.wal === true) db.pragma('journal_mode = WAL');
  return db;
}

/** Creates an Engine DJ `m.db` holding `tracks`. */
export function createEngineDjLibrary(path: string, tracks: readonly TestTrack[], options: TestDatabaseOptions = {}): void {
  const db = openForWriting(path, options);
  try {
    for (const statement of ENGINE_DJ_SCHEMA) db.exec(statement);
    const insert = db.prepare('INSERT INTO Track (path, filename, title, artist, timeLastPlayed, isPlayed, isAvailable) VALUES (?, ?, ?, ?, ?, ?, 1)');
    db.transaction(() => {
      tracks.forEach((track, index) => {
        const seconds = track.lastPlayedAt === undefined ? null : Math.round(track.lastPlayedAt / 1000);
        insert.run(`../Music/${index}.mp3`, `${index}.mp3`, track.title ?? null, track.artist, seconds, seconds === null ? 0 : 1);
      });
    })();
  } finally {
    db.close();
  }
}

/** Creates a Mixxx `mixxxdb.sqlite` holding `tracks`, at schema `schemaVersion` (default: the newest here). */
export function createMixxxLibrary(path: string, tracks: readonly TestTrack[], options: TestDatabaseOptions & { schemaVersion?: number } = {}): void {
  const db = openForWriting(path, options);
  const version = options.schemaVersion ?? Infinity;
  // Revision 3 renames `library` away and back. Mixxx's connections (Qt's SQLite driver) leave
  // foreign keys off, so the other tables' REFERENCES library(...) stay as written; with them on,
  // as better-sqlite3 sets them, SQLite would repoint those at library_old.
  db.pragma('foreign_keys = OFF');
  db.pragma('legacy_alter_table = ON');
  try {
    for (const [revision, sql] of MIXXX_SCHEMA_REVISIONS) if (revision <= version) db.exec(sql);
    const columns = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('library') as string[]));
    db.prepare("INSERT INTO Playlists (id, name, position, hidden, date_created, date_modified) VALUES (1, '2024-05-01', 1, 2, '2024-05-01T20:00:00.000Z', '2024-05-01T20:00:00.000Z')").run();
    const location = db.prepare('INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted, needs_verification) VALUES (?, ?, ?, 1000, 0, 0)');
    const addPlay = db.prepare('INSERT INTO PlaylistTracks (playlist_id, track_id, position, pl_datetime_added) VALUES (1, ?, ?, ?)');
    let position = 0;
    db.transaction(() => {
      tracks.forEach((track, index) => {
        const locationId = location.run(`/music/${index}.mp3`, `${index}.mp3`, '/music').lastInsertRowid;
        const values: Record<string, unknown> = { artist: track.artist, title: track.title ?? null, location: locationId, mixxx_deleted: track.deleted === true ? 1 : 0 };
        if (columns.has('timesplayed')) values.timesplayed = track.playCount ?? 0;
        if (columns.has('last_played_at')) values.last_played_at = track.lastPlayedAt === undefined ? null : new Date(track.lastPlayedAt).toISOString();
        const names = Object.keys(values);
        const trackId = db.prepare(`INSERT INTO library (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...Object.values(values)).lastInsertRowid;
        for (const playedAt of track.plays ?? []) addPlay.run(trackId, ++position, new Date(playedAt).toISOString());
      });
    })();
  } finally {
    db.close();
  }
}

/** rekordbox's own date format: `YYYY-MM-DD HH:MM:SS.sss +00:00`. */
function rekordboxDate(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')} +00:00`;
}

/**
 * Creates a rekordbox 6/7 `master.db` holding `tracks`, encrypted as rekordbox encrypts it
 * (SQLCipher 4 defaults, the published key as passphrase) unless another `key` is given.
 */
export function createRekordboxMasterDb(path: string, tracks: readonly TestTrack[], driver: SqliteDriver, key = REKORDBOX_MASTER_DB_KEY): void {
  const db = new driver(path);
  try {
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma(`key = '${key}'`);
    for (const statement of REKORDBOX_SCHEMA) db.exec(statement);
    const now = rekordboxDate(Date.UTC(2024, 4, 1));
    const artist = db.prepare('INSERT INTO djmdArtist (ID, Name, rb_local_deleted, created_at, updated_at) VALUES (?, ?, 0, ?, ?)');
    const content = db.prepare('INSERT INTO djmdContent (ID, Title, ArtistID, DJPlayCount, rb_local_deleted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const play = db.prepare('INSERT INTO djmdSongHistory (ID, HistoryID, ContentID, TrackNo, rb_local_deleted, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)');
    db.prepare("INSERT INTO djmdHistory (ID, Seq, Name, Attribute, DateCreated, rb_local_deleted, created_at, updated_at) VALUES ('1', 1, '2024-05-01', 0, '2024-05-01', 0, ?, ?)").run(now, now);
    let playId = 0;
    db.transaction(() => {
      tracks.forEach((track, index) => {
        const id = String(1000 + index);
        artist.run(id, track.artist, now, now);
        content.run(id, track.title ?? null, id, track.playCount === undefined ? null : String(track.playCount), track.deleted === true ? 1 : 0, now, now);
        for (const playedAt of track.plays ?? []) play.run(String(++playId), '1', id, playId, rekordboxDate(playedAt), rekordboxDate(playedAt));
      });
    })();
  } finally {
    db.close();
  }
}

/**
 * The SQLCipher driver for tests: the package if installed, or a build elsewhere named by
 * DATACACHE_TEST_SQLCIPHER_MODULE (its package folder), so the optional package need not be
 * in this repository's dependencies. Undefined when neither is there.
 */
export async function testSqlCipherDriver(): Promise<SqliteDriver | undefined> {
  const folder = process.env.DATACACHE_TEST_SQLCIPHER_MODULE;
  if (folder !== undefined && folder !== '') {
    const module = (await import(pathToFileURL(join(folder, 'lib', 'index.js')).href)) as { default: SqliteDriver };
    return module.default;
  }
  return loadSqlCipherDriver();
}
