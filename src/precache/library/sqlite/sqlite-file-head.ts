import { closeSync, openSync, readSync } from 'node:fs';
import { LibraryFormatError } from '../../../errors.js';

/** The 16 bytes every plain SQLite 3 database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** What the first 100 bytes of a file (the SQLite header, if it is one) say about it. */
export interface SqliteFileHead {
  /** Starts with `SQLite format 3\0`: a plain, unencrypted SQLite database. */
  isSqlite: boolean;
  /**
   * A plain database in WAL mode (header bytes 18 and 19 are 2): its latest commits may live
   * in the `-wal` file beside it, so it must be read through SQLite's WAL protocol.
   */
  isWal: boolean;
  /** The file's first 16 bytes, for telling encrypted databases from other files. */
  magic: Buffer;
}

/** Reads the header of a would-be SQLite file; a file that cannot be read is a LibraryFormatError. */
export function readSqliteFileHead(path: string, source: string): SqliteFileHead {
  const head = Buffer.alloc(100);
  let length: number;
  try {
    const descriptor = openSync(path, 'r');
    try {
      length = readSync(descriptor, head, 0, head.length, 0);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new LibraryFormatError(source, `cannot be read (${code}: ${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  const magic = head.subarray(0, Math.min(length, 16));
  const isSqlite = length >= 100 && magic.equals(SQLITE_MAGIC);
  return { isSqlite, isWal: isSqlite && head[18] === 2 && head[19] === 2, magic: Buffer.from(magic) };
}
