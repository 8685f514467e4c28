import type Database from 'better-sqlite3';
import type { DeletedRow, Statement } from './entry-statements.js';

/** A row considered for eviction. */
export interface EvictionCandidate {
  id: number;
  size: number;
  filePath: string | null;
}

/** A file-backed row, as the orphan check walks them. */
export interface FileRow {
  id: number;
  filePath: string;
}

export interface GroupCount {
  provider: string;
  dataType: string;
  entries: number;
  bytes: number;
  valueBytes: number;
  inlineBytes: number;
  negativeEntries: number;
}

export interface HousekeepingStatements {
  expiredCandidates: Statement<[number, number], EvictionCandidate>;
  leastRecentlyUsed: Statement<[number], EvictionCandidate>;
  deleteById: Statement<[number], DeletedRow>;
  /** File-backed rows after (file path, id), in that order: [filePath, id, limit]. */
  fileRowsAfter: Statement<[string, number, number], FileRow>;
  isFileReferenced: Statement<[string], number>;
  idsAfter: Statement<[number, number], { id: number; filePath: string | null; provider: string; identifier: string; dataType: string }>;
  idOfUrl: Statement<[string], { id: number; filePath: string | null }>;
  groupCounts: Statement<[], GroupCount>;
  expiredCount: Statement<[number], { entries: number; bytes: number }>;
  freePages: Statement<[], number>;
  readMeta: Statement<[string], string>;
  writeMeta: Statement<[string, string]>;
}

/**
 * Statements for the work that keeps the cache in shape: expiry, eviction, purge, orphan
 * checks, statistics and maintenance bookkeeping. Every deletion re-checks its condition in
 * the same statement or transaction that deletes, so a row another process has just
 * refreshed is never removed on the strength of an older look.
 */
export function prepareHousekeepingStatements(database: Database.Database): HousekeepingStatements {
  return {
    expiredCandidates: database.prepare<[number, number], EvictionCandidate>(
      'SELECT id, size, file_path AS filePath FROM entries WHERE expires_at <= ? ORDER BY expires_at, id LIMIT ?',
    ),
    leastRecentlyUsed: database.prepare<[number], EvictionCandidate>(
      'SELECT id, size, file_path AS filePath FROM entries ORDER BY last_accessed, id LIMIT ?',
    ),
    deleteById: database.prepare<[number], DeletedRow>(
      'DELETE FROM entries WHERE id = ? RETURNING file_path AS filePath, size',
    ),
    // Walks the partial file index in its own order: ordered by id, SQLite walked every row of
    // the table (images are a few among a million answers) in one synchronous statement.
    fileRowsAfter: database.prepare<[string, number, number], FileRow>(
      'SELECT id, file_path AS filePath FROM entries WHERE file_path IS NOT NULL AND (file_path, id) > (?, ?) ORDER BY file_path, id LIMIT ?',
    ),
    isFileReferenced: database
      .prepare<[string], number>('SELECT 1 FROM entries WHERE file_path = ? LIMIT 1')
      .pluck(),
    idsAfter: database.prepare<[number, number], { id: number; filePath: string | null; provider: string; identifier: string; dataType: string }>(
      'SELECT id, file_path AS filePath, provider, identifier, data_type AS dataType FROM entries WHERE id > ? ORDER BY id LIMIT ?',
    ),
    idOfUrl: database.prepare<[string], { id: number; filePath: string | null }>(
      'SELECT id, file_path AS filePath FROM entries WHERE url = ?',
    ),
    groupCounts: database.prepare<[], GroupCount>(`
      SELECT provider, data_type AS dataType, entries, bytes, value_bytes AS valueBytes, bytes - file_bytes AS inlineBytes,
             negative_entries AS negativeEntries
      FROM group_totals WHERE entries > 0`),
    expiredCount: database.prepare<[number], { entries: number; bytes: number }>(
      'SELECT count(*) AS entries, total(size) AS bytes FROM entries WHERE expires_at <= ?',
    ),
    freePages: database.prepare<[], number>('PRAGMA freelist_count').pluck(),
    readMeta: database.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    writeMeta: database.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

