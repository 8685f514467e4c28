import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LibraryFormatError } from '../../../src/errors.js';
import { LibraryReadReport, type LibraryTrack } from '../../../src/precache/library/library-track.js';
import { looksLikeSerato } from '../../../src/precache/library/serato/detect-serato.js';
import { seratoCrateTrackPaths, seratoCrateTracks } from '../../../src/precache/library/serato/serato-crate.js';
import { seratoDatabaseEntries, seratoDatabaseTracks } from '../../../src/precache/library/serato/serato-database.js';
import { seratoSessionTracks } from '../../../src/precache/library/serato/serato-session.js';
import { seratoPathKey } from '../../../src/precache/library/serato/serato-text.js';
import {
  databaseTrackRecord,
  inChunks,
  SESSION_VERSION,
  seratoCrateFile,
  seratoDatabaseFile,
  seratoRecord,
  seratoSessionFile,
  utf16be,
  type SessionEntrySpec,
} from '../../helpers/serato-files.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

const once = (bytes: Buffer): AsyncGenerator<Buffer> => inChunks(bytes, bytes.length);

async function sessionTracks(bytes: Buffer, chunkSize = 7): Promise<{ tracks: LibraryTrack[]; report: LibraryReadReport }> {
  const report = new LibraryReadReport();
  const tracks = await collect(seratoSessionTracks(inChunks(bytes, chunkSize), 'test.session', report));
  return { tracks, report };
}

async function formatError(read: Promise<unknown>): Promise<LibraryFormatError> {
  const error: unknown = await read.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LibraryFormatError);
  return error as LibraryFormatError;
}

// 2021-02-06 20:43:38 UTC and 20:45:27, as in whats-now-playing's serato-2.4-mac/1.session.
const START = 1_612_644_410;
const END = 1_612_644_519;

const PLAYS: SessionEntrySpec[] = [
  { path: '/Users/dj/Music/Björk/Homogenic/06 5 Years.mp3', title: '5 Years', artist: 'Björk', startedAt: START, endedAt: END },
  { path: '/Users/dj/Music/坂本龍一/Merry Christmas Mr. Lawrence.mp3', title: 'Merry Christmas Mr. Lawrence', artist: '坂本龍一', startedAt: END, endedAt: END + 300, deck: 2 },
  { path: '/Users/dj/Movies/Leonard Nimoy - The Ballad of Bilbo Baggins.mov', title: 'Leonard Nimoy - The Ballad of Bilbo Baggins', startedAt: END + 300 },
  { path: '/Users/dj/Music/Sigur Rós/Hoppípolla.mp3', title: 'Hoppípolla', artist: 'Sigur Rós', startedAt: END + 400, endedAt: END + 500, played: false },
];

describe('Serato history sessions', () => {
  it('reads each entry as one play, with its title and start time, across any chunking', async () => {
    for (const chunkSize of [1, 7, 4096]) {
      const { tracks, report } = await sessionTracks(seratoSessionFile(PLAYS), chunkSize);
      expect(tracks).toEqual([
        { artist: 'Björk', title: '5 Years', playCount: 1, lastPlayedAt: START * 1000 },
        { artist: '坂本龍一', title: 'Merry Christmas Mr. Lawrence', playCount: 1, lastPlayedAt: END * 1000 },
        { artist: 'Sigur Rós', title: 'Hoppípolla', playCount: 0 },
      ]);
      expect(report.skippedCount).toBe(0);
    }
  });

  it('reads the 8-byte times Serato writes on Windows', async () => {
    const { tracks } = await sessionTracks(seratoSessionFile([{ path: 'C:\\Users\\dj\\Music\\a.mp3', title: 'Night Owl', artist: 'Broke For Free', startedAt: START }], 'windows'));
    expect(tracks).toEqual([{ artist: 'Broke For Free', title: 'Night Owl', playCount: 1, lastPlayedAt: START * 1000 }]);
  });

  it('gives a play without a time when the entry has no start time', async () => {
    const { tracks } = await sessionTracks(seratoSessionFile([{ path: '/a.mp3', artist: 'Björk' }]));
    expect(tracks).toEqual([{ artist: 'Björk', playCount: 1 }]);
  });

  it('skips and counts a last entry cut short, keeping the ones before it', async () => {
    const whole = seratoSessionFile(PLAYS.slice(0, 2));
    const { tracks, report } = await sessionTracks(whole.subarray(0, whole.length - 40));
    expect(tracks.map((track) => track.artist)).toEqual(['Björk']);
    expect(report.skipped).toEqual(new Map([['Serato record cut short at the end of the file', 1]]));
  });

  it('rejects a record length no Serato file has, naming its byte offset', async () => {
    const first = seratoSessionFile(PLAYS.slice(0, 1));
    const corrupt = Buffer.concat([first, seratoRecord('oent', Buffer.alloc(16))]);
    corrupt.writeUInt32BE(0x7fff_ffff, first.length + 4);
    const error = await formatError(sessionTracks(corrupt));
    expect(error.message).toContain(`at byte ${first.length}`);
    expect(error.message).toContain('2147483647 bytes');
  });

  it('rejects bytes that are not a record, naming their offset', async () => {
    const first = seratoSessionFile(PLAYS.slice(0, 1));
    const error = await formatError(sessionTracks(Buffer.concat([first, Buffer.from([0, 1, 2, 3, 0, 0, 0, 0])])));
    expect(error.message).toContain(`no Serato record at byte ${first.length}`);
  });

  it('skips and counts an entry whose fields run past its end, and reads on', async () => {
    const adat = Buffer.concat([seratoRecord(7, utf16be('Björk', true)), seratoRecord(6, Buffer.alloc(4))]);
    adat.writeUInt32BE(500, adat.length - 8);
    const damaged = seratoRecord('oent', seratoRecord('adat', adat));
    const bytes = Buffer.concat([seratoSessionFile([]), damaged, seratoSessionFile(PLAYS.slice(0, 1)).subarray(68)]);
    const { tracks, report } = await sessionTracks(bytes);
    expect(tracks.map((track) => track.artist)).toEqual(['Björk']);
    expect(report.skipped).toEqual(new Map([['damaged Serato session entry (a field running past the end of its record)', 1]]));
  });

  it('skips and counts an artist with a NUL or other control character inside', async () => {
    const { tracks, report } = await sessionTracks(seratoSessionFile([{ path: '/a.mp3', artist: 'Bj\u0000rk' }, { path: '/b.mp3', artist: 'Daft\u0007Punk' }, { path: '/c.mp3', artist: 'Air' }]));
    expect(tracks.map((track) => track.artist)).toEqual(['Air']);
    expect(report.skipped).toEqual(new Map([['Serato artist with control characters (a bad read)', 2]]));
  });

  it('skips half a surrogate pair and repairs a text field of odd length', async () => {
    const halfSurrogate = seratoRecord(7, Buffer.concat([utf16be('Air '), Buffer.from([0xd8, 0x3d]), utf16be('', true)]));
    const oddLength = seratoRecord(7, Buffer.concat([utf16be('Air', true), Buffer.from([0x41])]));
    const bytes = Buffer.concat([seratoSessionFile([]), seratoRecord('oent', seratoRecord('adat', halfSurrogate)), seratoRecord('oent', seratoRecord('adat', oddLength))]);
    const { tracks, report } = await sessionTracks(bytes);
    expect(tracks).toEqual([{ artist: 'Air', playCount: 1 }]);
    expect(report.skippedCount).toBe(1);
    expect(report.repaired).toEqual(new Map([['Serato text field of odd length (last byte dropped)', 1]]));
  });

  it('refuses the history index, which shares the session version', async () => {
    const historyIndex = Buffer.concat([seratoRecord('vrsn', utf16be(SESSION_VERSION)), seratoRecord('ocol', seratoRecord('ucok', Buffer.alloc(4)))]);
    expect((await formatError(sessionTracks(historyIndex))).message).toContain('history.database');
  });

  it('refuses a crate, an empty file and a file that is not Serato, saying which', async () => {
    expect((await formatError(sessionTracks(seratoCrateFile(['a.mp3'])))).message).toContain('this is a Serato crate');
    expect((await formatError(sessionTracks(Buffer.alloc(0)))).message).toContain('an empty file');
    expect((await formatError(sessionTracks(Buffer.from('#EXTM3U\n#EXTINF:1,A - B\n')))).message).toContain('does not start with');
  });
});

describe('Serato database V2 (synthetic)', () => {
  it('reads artist, title, path and play count; leaves out tracks without an artist', async () => {
    const bytes = seratoDatabaseFile([
      { path: 'Users/dj/Music/a.mp3', artist: 'Björk', title: 'Army of Me', playCount: 3 },
      { path: 'Users/dj/Music/b.mp3', title: 'No artist' },
      { path: 'Users/dj/Music/c.mp3', artist: 'Sigur Rós', title: 'Hoppípolla' },
    ]);
    const report = new LibraryReadReport();
    expect(await collect(seratoDatabaseTracks(inChunks(bytes, 5), 'database V2', report))).toEqual([
      { path: 'Users/dj/Music/a.mp3', artist: 'Björk', title: 'Army of Me', playCount: 3 },
      { path: 'Users/dj/Music/c.mp3', artist: 'Sigur Rós', title: 'Hoppípolla' },
    ]);
    expect(report.skippedCount).toBe(0);
  });

  it('refuses a session given as a database', async () => {
    const read = collect(seratoDatabaseTracks(once(seratoSessionFile(PLAYS)), 'database V2', new LibraryReadReport()));
    expect((await formatError(read)).message).toContain('this is a Serato history session');
  });

  it('lets other work run while it reads a large database held in one chunk', async () => {
    const track = databaseTrackRecord({ path: 'Users/dj/Music/a.mp3', artist: 'Air' });
    const bytes = Buffer.concat([seratoDatabaseFile([]), ...Array.from({ length: 20_000 }, () => track)]);
    let turns = 0;
    let reading = true;
    const count = (): void => {
      turns += 1;
      if (reading) setImmediate(count);
    };
    setImmediate(count);
    const tracks = await collect(seratoDatabaseTracks(once(bytes), 'database V2', new LibraryReadReport()));
    reading = false;
    expect(tracks).toHaveLength(20_000);
    expect(turns).toBeGreaterThan(0);
  });
});

describe('Serato paths', () => {
  it('matches a path the way the database, crates and sessions spell it', () => {
    expect(seratoPathKey('/Users/dj/Music/a.mp3')).toBe('Users/dj/Music/a.mp3');
    expect(seratoPathKey('C:\\Users\\dj\\Music\\a.mp3')).toBe('Users/dj/Music/a.mp3');
    expect(seratoPathKey('Users/dj/Music/Bjo\u0308rk.mp3')).toBe(seratoPathKey('Users/dj/Music/Björk.mp3'));
    expect(seratoPathKey('Users/dj/Music/A.mp3')).not.toBe(seratoPathKey('Users/dj/Music/a.mp3'));
  });

  it('gives a crate the artists of its tracks from the database, counting tracks it lacks', async () => {
    const database = seratoDatabaseFile([
      { path: 'Users/dj/Music/a.mp3', artist: 'Björk', playCount: 2 },
      { path: 'Users/dj/Music/b.mp3', artist: 'Air' },
      { path: 'Users/dj/Music/c.mp3' },
    ]);
    const crate = seratoCrateFile(['/Users/dj/Music/a.mp3', 'Users/dj/Music/c.mp3', 'Users/dj/Music/gone.mp3']);
    const report = new LibraryReadReport();
    const tracks = await collect(seratoCrateTracks({ bytes: inChunks(crate, 3), source: 'a.crate' }, { bytes: inChunks(database, 11), source: 'database V2' }, report));
    expect(tracks).toEqual([{ path: 'Users/dj/Music/a.mp3', artist: 'Björk', title: 'a.mp3', playCount: 2 }]);
    expect(report.skipped).toEqual(new Map([['Serato crate track not in the database', 1]]));
  });
});

describe('recognising Serato files by content', () => {
  it('tells a database, a crate and a session apart by their version record', () => {
    expect(looksLikeSerato(seratoDatabaseFile([{ path: 'a.mp3', artist: 'Air' }]).subarray(0, 128))).toBe('serato-database');
    expect(looksLikeSerato(seratoCrateFile(['a.mp3']).subarray(0, 128))).toBe('serato-crate');
    expect(looksLikeSerato(seratoSessionFile(PLAYS).subarray(0, 128))).toBe('serato-session');
    expect(looksLikeSerato(seratoSessionFile([]))).toBe('serato-session');
  });

  it('does not take the history index, a smart crate or other files for ones it reads', () => {
    expect(looksLikeSerato(Buffer.concat([seratoRecord('vrsn', utf16be(SESSION_VERSION)), seratoRecord('ocol', Buffer.alloc(0))]))).toBeNull();
    expect(looksLikeSerato(seratoRecord('vrsn', utf16be('1.0/Serato ScratchLive Smart Crate')))).toBeNull();
    expect(looksLikeSerato(Buffer.from('<?xml version="1.0"?><NML VERSION="19">'))).toBeNull();
    expect(looksLikeSerato(seratoDatabaseFile([]).subarray(0, 20))).toBeNull();
  });
});

const realSerato = fileURLToPath(new URL('../../../../shared/realworld-libraries/unsupported/serato/', import.meta.url));
const haveRealFiles = existsSync(realSerato);
const realDatabase = `${realSerato}database V2`;
const realCrate = `${realSerato}breaks.crate`;

describe.skipIf(!haveRealFiles)('a real Serato library (mookiejones/serato_js; absent: ../shared is not checked out)', () => {
  it('reads all 5,562 track records of the real database V2', async () => {
    const entries = await collect(seratoDatabaseEntries(createReadStream(realDatabase, { highWaterMark: 997 }), 'database V2', new LibraryReadReport()));
    expect(entries).toHaveLength(5562);
    expect(entries.filter((entry) => entry.artist === undefined)).toHaveLength(43);
  });

  it('gives the 5,519 tracks with artists, none with a control character, with play counts', async () => {
    const report = new LibraryReadReport();
    const tracks = await collect(seratoDatabaseTracks(createReadStream(realDatabase, { highWaterMark: 4096 }), 'database V2', report));
    expect(tracks).toHaveLength(5519);
    expect(report.skippedCount).toBe(0);
    // "07 - Make\u0092em NV": a Windows-1252 apostrophe read as Latin-1; the title goes, the track stays.
    expect(report.repaired).toEqual(new Map([['Serato title with control characters left out', 1]]));
    expect(tracks.filter((track) => hasControlCharacter(track.artist))).toEqual([]);
    expect(tracks.filter((track) => track.artist === 'Jay Dee')).toHaveLength(336);
    expect(tracks.filter((track) => track.playCount !== undefined)).toHaveLength(2729);
    expect(tracks).toContainEqual({ path: 'Users/djjed/Music/Timeless/14 - E Menina (Hey Girl).mp3', artist: 'Sérgio Mendes', title: 'E Menina (Hey Girl)', playCount: 1 });
    expect(tracks).toContainEqual({ path: 'Users/djjed/Music/Dilla/Ruff Draft/07 - Make\u0092em NV.mp3', artist: 'Jay Dee' });
  });

  it('reads the same tracks however the file is chunked', async () => {
    const whole = await collect(seratoDatabaseTracks(once(await readFile(realDatabase)), 'database V2', new LibraryReadReport()));
    const small = await collect(seratoDatabaseTracks(inChunks(await readFile(realDatabase), 61), 'database V2', new LibraryReadReport()));
    expect(small).toEqual(whole);
  });

  it('resolves the 109 tracks of the real crate to their artists through the database', async () => {
    const paths = await collect(seratoCrateTrackPaths(createReadStream(realCrate), 'breaks.crate', new LibraryReadReport()));
    expect(paths).toHaveLength(109);
    expect(paths[0]).toBe('Users/djjed/Music/Bill Withers - Use Me (KS ALT Intro).mp3');
    const report = new LibraryReadReport();
    const tracks = await collect(seratoCrateTracks({ bytes: createReadStream(realCrate), source: 'breaks.crate' }, { bytes: createReadStream(realDatabase), source: 'database V2' }, report));
    expect(tracks).toHaveLength(109);
    expect(report.skippedCount).toBe(0);
    expect(tracks).toContainEqual({ path: 'Users/djjed/Music/Bill Withers - Use Me (KS ALT Intro).mp3', artist: 'Bill Withers', title: 'Use Me (KS ALT Intro)', playCount: 16 });
    expect(tracks).toContainEqual({ path: 'Users/djjed/Music/Isaac Hayes - Breakthrough (Doc Adam Edit).mp3', artist: 'Isaac Hayes', title: 'Breakthrough (Doc Adam Edit)', playCount: 22 });
  });

  it('recognises the real database and crate by their first bytes', async () => {
    expect(looksLikeSerato((await readFile(realDatabase)).subarray(0, 128))).toBe('serato-database');
    expect(looksLikeSerato((await readFile(realCrate)).subarray(0, 128))).toBe('serato-crate');
  });
});
