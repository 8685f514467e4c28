import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LibraryFormatError } from '../../../src/errors.js';
import { LibraryReadReport, type LibraryTrack } from '../../../src/precache/library/library-track.js';
import { MAX_TEXT_LENGTH } from '../../../src/precache/library/sqlite/library-values.js';
import { sqliteLibraryKind, sqliteLibraryTracks, type SqliteLibraryOptions } from '../../../src/precache/library/sqlite/sqlite-library.js';
import { lastJsonLine, startTypeScript } from '../../helpers/child-process.js';
import { createEngineDjLibrary, createMixxxLibrary, createRekordboxMasterDb, testSqlCipherDriver, type TestTrack } from '../../helpers/dj-databases.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

const sqlCipherDriver = await testSqlCipherDriver();

async function readAll(path: string, options: SqliteLibraryOptions = {}, report = new LibraryReadReport()): Promise<LibraryTrack[]> {
  const tracks: LibraryTrack[] = [];
  for await (const track of sqliteLibraryTracks(path, path, report, options)) tracks.push(track);
  return tracks;
}

function numbered(count: number, offset = 0): TestTrack[] {
  return Array.from({ length: count }, (_, index) => ({ artist: `Artist ${index + offset}`, title: `Title ${index + offset}` }));
}

const MAY_FIRST = Date.UTC(2024, 4, 1, 20, 15, 30);
const MAY_SECOND = Date.UTC(2024, 4, 2, 1, 2, 3, 456);

describe('telling SQLite DJ libraries apart', () => {
  it('knows Engine DJ, Mixxx and rekordbox master.db by their content and place', async () => {
    const directory = await temporaryDirectory();
    createEngineDjLibrary(join(directory, 'm.db'), numbered(1));
    createMixxxLibrary(join(directory, 'mixxxdb.sqlite'), numbered(1));
    mkdirSync(join(directory, 'Pioneer', 'rekordbox'), { recursive: true });
    writeFileSync(join(directory, 'Pioneer', 'rekordbox', 'master.db'), randomBytes(8192));
    expect(sqliteLibraryKind(join(directory, 'm.db'))).toBe('engine-dj');
    expect(sqliteLibraryKind(join(directory, 'mixxxdb.sqlite'))).toBe('mixxx');
    expect(sqliteLibraryKind(join(directory, 'Pioneer', 'rekordbox', 'master.db'))).toBe('rekordbox-master-db');
  });

  it('does not claim other files or other apps\' SQLite databases', async () => {
    const directory = await temporaryDirectory();
    const other = new Database(join(directory, 'other.sqlite'));
    other.exec('CREATE TABLE Track (id INTEGER PRIMARY KEY, artist TEXT)');
    other.close();
    writeFileSync(join(directory, 'master.db'), randomBytes(8192));
    writeFileSync(join(directory, 'notes.txt'), 'Artist - Title\n');
    expect(sqliteLibraryKind(join(directory, 'other.sqlite'))).toBeNull();
    expect(sqliteLibraryKind(join(directory, 'master.db'))).toBeNull();
    expect(sqliteLibraryKind(join(directory, 'notes.txt'))).toBeNull();
    expect(sqliteLibraryKind(join(directory, 'missing.db'))).toBeNull();
    await expect(readAll(join(directory, 'other.sqlite'))).rejects.toThrow(/not an Engine DJ .* or Mixxx/u);
    await expect(readAll(join(directory, 'notes.txt'))).rejects.toThrow(LibraryFormatError);
  });
});

describe('Engine DJ', () => {
  it('reads artist, title and the last play from the Track table', async () => {
    const path = join(await temporaryDirectory(), 'm.db');
    createEngineDjLibrary(path, [
      { artist: 'Daft Punk', title: 'Revolution 909', lastPlayedAt: MAY_FIRST },
      { artist: 'Bicep', title: 'Glue' },
      { artist: null, title: 'No artist' },
    ]);
    expect(await readAll(path)).toEqual([
      { artist: 'Daft Punk', title: 'Revolution 909', lastPlayedAt: MAY_FIRST },
      { artist: 'Bicep', title: 'Glue' },
    ]);
  });

  it('names the column a changed schema lacks', async () => {
    const path = join(await temporaryDirectory(), 'm.db');
    const db = new Database(path);
    db.exec('CREATE TABLE Information (id INTEGER PRIMARY KEY); CREATE TABLE Track (id INTEGER PRIMARY KEY, artist TEXT)');
    db.close();
    await expect(readAll(path)).rejects.toThrow('table Track has no title column');
  });
});

describe('Mixxx', () => {
  it('reads play counts and last plays, leaving out tracks removed from the library', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, [
      { artist: 'Moodymann', title: 'Shades of Jae', playCount: 3, lastPlayedAt: MAY_SECOND, plays: [MAY_FIRST, MAY_SECOND] },
      { artist: 'Removed', title: 'Gone', deleted: true },
      { artist: 'Never Played', title: 'Fresh' },
    ]);
    expect(await readAll(path)).toEqual([
      { artist: 'Moodymann', title: 'Shades of Jae', playCount: 3, lastPlayedAt: MAY_SECOND },
      { artist: 'Never Played', title: 'Fresh' },
    ]);
  });

  it('takes the last play from the history playlists in schemas before last_played_at', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, [{ artist: 'Theo Parrish', title: 'Falling Up', playCount: 2, plays: [MAY_SECOND, MAY_FIRST] }], { schemaVersion: 34 });
    expect(await readAll(path)).toEqual([{ artist: 'Theo Parrish', title: 'Falling Up', playCount: 2, lastPlayedAt: MAY_SECOND }]);
  });

  it('names the column a changed schema lacks', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE track_locations (id INTEGER PRIMARY KEY); CREATE TABLE library (id INTEGER PRIMARY KEY, title TEXT)');
    db.close();
    expect(sqliteLibraryKind(path)).toBe('mixxx');
    const failure = readAll(path);
    await expect(failure).rejects.toThrow(LibraryFormatError);
    await expect(failure).rejects.toThrow('table library has no artist column');
  });
});

describe('reading large libraries', () => {
  it('reads every track of a library many pages long, in order', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, numbered(2_345));
    const tracks = await readAll(path);
    expect(tracks.map((track) => track.artist)).toEqual(numbered(2_345).map((track) => track.artist));
  });

  it('lets other work run between pages', async () => {
    const path = join(await temporaryDirectory(), 'm.db');
    createEngineDjLibrary(path, numbered(3_500));
    let turns = 0;
    let ticking = true;
    const tick = async (): Promise<void> => {
      while (ticking) {
        await nextTurn();
        turns++;
      }
    };
    const ticker = tick();
    const turnsBefore = turns;
    let count = 0;
    for await (const track of sqliteLibraryTracks(path, path, new LibraryReadReport())) count += track.artist === '' ? 0 : 1;
    const turnsDuring = turns - turnsBefore;
    ticking = false;
    await ticker;
    expect(count).toBe(3_500);
    // Four pages of 1,000: the loop turned at least between each of them.
    expect(turnsDuring).toBeGreaterThanOrEqual(3);
  });
});

describe('hostile databases', () => {
  it('skips and counts artists too long or not text, and leaves out unreadable titles', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, [
      { artist: 'x'.repeat(MAX_TEXT_LENGTH + 1), title: 'Huge artist' },
      { artist: Buffer.from([0xff, 0x00, 0x01]), title: 'Binary artist' },
      { artist: 'Fine', title: 'y'.repeat(5 * MAX_TEXT_LENGTH) },
    ]);
    const report = new LibraryReadReport();
    expect(await readAll(path, {}, report)).toEqual([{ artist: 'Fine' }]);
    expect(Object.fromEntries(report.skipped)).toEqual({ [`artist over ${MAX_TEXT_LENGTH} characters`]: 1, 'artist is not text': 1 });
    expect(Object.fromEntries(report.repaired)).toEqual({ 'unreadable title left out': 1 });
  });

  it('reports a damaged database as a LibraryFormatError', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, numbered(3_000));
    const bytes = readFileSync(path);
    randomBytes(bytes.length - 4096).copy(bytes, 4096);
    writeFileSync(path, bytes);
    await expect(readAll(path)).rejects.toThrow(LibraryFormatError);
  });

  it('reports a file with an SQLite header and nothing sound after it as a LibraryFormatError', async () => {
    const path = join(await temporaryDirectory(), 'm.db');
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(8192)]));
    expect(() => sqliteLibraryKind(path)).toThrow(LibraryFormatError);
    await expect(readAll(path)).rejects.toThrow(LibraryFormatError);
  });
});

describe('reading while the DJ app runs', () => {
  it('leaves the database and its WAL byte for byte as they were, and sees commits still in the WAL', async () => {
    const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
    createMixxxLibrary(path, numbered(10), { wal: true });
    // The app: still open, its last commits not yet checkpointed into the database.
    const app = new Database(path);
    app.pragma('wal_autocheckpoint = 0');
    app.prepare("INSERT INTO library (artist, title, mixxx_deleted) VALUES ('Only In WAL', 'Fresh', 0)").run();
    const database = readFileSync(path);
    const wal = readFileSync(`${path}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    try {
      const tracks = await readAll(path);
      expect(tracks).toHaveLength(11);
      expect(tracks.at(-1)).toEqual({ artist: 'Only In WAL', title: 'Fresh' });
      expect(readFileSync(path).equals(database)).toBe(true);
      expect(readFileSync(`${path}-wal`).equals(wal)).toBe(true);
    } finally {
      app.close();
    }
  });

  it('leaves a closed app\'s database unchanged', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'm.db');
    createEngineDjLibrary(path, numbered(5));
    const before = readFileSync(path);
    expect(await readAll(path)).toHaveLength(5);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(directory)).toEqual(['m.db']);
  });

  for (const wal of [true, false]) {
    it(`never holds a lock the app's writes wait for (${wal ? 'WAL' : 'rollback journal'})`, async () => {
      const path = join(await temporaryDirectory(), 'mixxxdb.sqlite');
      createMixxxLibrary(path, numbered(2_000), { wal });
      // The app waits at most 1 s for a lock: a reader holding one across its pages (this read
      // takes at least 2 s, for the pauses below) would fail its commits, while one page's
      // query, even on a machine whose cores are busy elsewhere, holds it far less.
      const writer = startTypeScript('../fixtures/mixxx-writer.ts', [path, '100', '1000']);
      await writer.printed('ready');
      let reads = 0;
      const writing = { done: false };
      void writer.exited.then(() => (writing.done = true));
      while (!writing.done || reads === 0) {
        let count = 0;
        for await (const track of sqliteLibraryTracks(path, path, new LibraryReadReport(), { pageSize: 100 })) {
          if (track.artist !== '' && ++count % 100 === 0) await sleep(100);
        }
        expect(count).toBeGreaterThanOrEqual(2_000);
        reads++;
      }
      expect(lastJsonLine<{ written: number; failures: string[] }>(await writer.exited)).toEqual({ written: 100, failures: [] });
      expect(await readAll(path)).toHaveLength(2_100);
    });
  }
});

describe('rekordbox 6/7 master.db', () => {
  it('says how to export XML when this build cannot decrypt it', async () => {
    const folder = join(await temporaryDirectory(), 'rekordbox');
    mkdirSync(folder);
    writeFileSync(join(folder, 'master.db'), randomBytes(8192));
    const failure = readAll(join(folder, 'master.db'), { loadSqlCipher: () => Promise.resolve(undefined) });
    await expect(failure).rejects.toThrow(LibraryFormatError);
    await expect(failure).rejects.toThrow(/encrypted and this build cannot open it.*File → Export Collection in xml format/u);
  });

  describe.runIf(sqlCipherDriver !== undefined)('with a SQLCipher build installed', () => {
    it('decrypts it with the published key and reads artists, play counts and history', async () => {
      const folder = join(await temporaryDirectory(), 'rekordbox');
      mkdirSync(folder);
      const path = join(folder, 'master.db');
      createRekordboxMasterDb(path, [
        { artist: 'Floating Points', title: 'LesAlpx', playCount: 4, plays: [MAY_FIRST, MAY_SECOND] },
        { artist: 'Deleted', title: 'Gone', deleted: true },
        { artist: 'Caribou', title: 'Sun', plays: [MAY_FIRST] },
        { artist: 'Four Tet', title: 'Baby' },
      ], sqlCipherDriver!);
      expect(readFileSync(path).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
      expect(sqliteLibraryKind(path)).toBe('rekordbox-master-db');
      const options = { loadSqlCipher: () => Promise.resolve(sqlCipherDriver) };
      expect(await readAll(path, options)).toEqual([
        { artist: 'Floating Points', title: 'LesAlpx', playCount: 4, lastPlayedAt: MAY_SECOND },
        { artist: 'Caribou', title: 'Sun', playCount: 1, lastPlayedAt: MAY_FIRST },
        { artist: 'Four Tet', title: 'Baby' },
      ]);
    });

    it('says so when the published key does not open it', async () => {
      const folder = join(await temporaryDirectory(), 'rekordbox');
      mkdirSync(folder);
      const path = join(folder, 'master.db');
      createRekordboxMasterDb(path, numbered(1), sqlCipherDriver!, 'some other key');
      await expect(readAll(path, { loadSqlCipher: () => Promise.resolve(sqlCipherDriver) })).rejects.toThrow(/published key does not open this master\.db.*Export Collection/u);
    });
  });
});
