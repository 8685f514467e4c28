import type Database from 'better-sqlite3';
import type { EntryFields } from '../../storage/cached-entry.js';
import type { StoredValueType } from '../../storage/value-codec.js';

/** One row of `entries` as the statements below return it. */
export interface EntryRow extends EntryFields {
  id: number;
  inlineData: Buffer | null;
  filePath: string | null;
  /** How the payload is compressed (see EntryCodec), or null when stored as it is. */
  codec: string | null;
  dictionaryId: number | null;
  /** Bytes on disk; `size` is the decoded length callers see. */
  storedSize: number;
}

/** A row as a deletion reports it: enough to delete its file and count what was freed. */
export interface DeletedRow {
  filePath: string | null;
  size: number;
}

export interface Totals {
  entries: number;
  bytes: number;
  fileBytes: number;
}

export interface UpsertParameters {
  url: string;
  cachekey: string;
  identifier: string;
  dataType: string;
  provider: string;
  statusCode: number;
  storedType: StoredValueType;
  inlineData: Buffer | null;
  filePath: string | null;
  /** Bytes on disk (compressed, when `codec` is set). */
  size: number;
  /** The decoded length when compressed, else null. */
  valueSize: number | null;
  codec: string | null;
  dictionaryId: number | null;
  checksum: string;
  mimeType: string | null;
  metadata: string | null;
  etag: string | null;
  lastModified: string | null;
  now: number;
  expiresAt: number;
}

const summaryColumns = `
  id, url, cachekey, identifier, data_type AS dataType, provider, status_code AS statusCode,
  value_type AS storedType, metadata AS metadataText, mime_type AS mimeType, checksum,
  coalesce(value_size, size) AS size, etag, last_modified AS lastModified, created_at AS createdAt,
  stored_at AS storedAt, expires_at AS expiresAt, last_accessed AS lastAccessed, access_count AS accessCount`;

const entryColumns = `${summaryColumns},
  inline_data AS inlineData, file_path AS filePath, codec, dictionary_id AS dictionaryId, size AS storedSize`;

/** A prepared statement taking `Parameters` and giving rows of type `Row`. */
export type Statement<Parameters extends unknown[], Row = unknown> = Database.Statement<Parameters, Row>;

export interface EntryStatements {
  selectByUrl: Statement<[string], EntryRow>;
  selectSummaryByUrl: Statement<[string], EntryFields>;
  selectByCachekey: Statement<[string], EntryRow>;
  selectById: Statement<[number], EntryRow>;
  selectFileOfUrl: Statement<[string], { filePath: string | null; checksum: string }>;
  candidateIds: Statement<[string, string, number], number>;
  candidateIdsOfProvider: Statement<[string, string, string, number], number>;
  summaries: Statement<[string, string, number], EntryFields>;
  summariesOfProvider: Statement<[string, string, string, number], EntryFields>;
  upsert: Statement<[UpsertParameters], EntryRow>;
  deleteIfFileUnchanged: Statement<[number, string], DeletedRow>;
  deleteIfUnchanged: Statement<[number, number, string], DeletedRow>;
  recordAccess: Statement<[number, number, string]>;
  totals: Statement<[], Totals>;
  renew: Statement<[{ url: string; expiresAt: number; now: number; etag: string | null; lastModified: string | null }], EntryRow>;
}

/**
 * Every statement on `entries`, prepared once per connection. Statements that take a
 * provider come in pairs (with and without the filter) rather than one with `? IS NULL OR`,
 * which would stop SQLite from using the identifier index fully.
 */
export function prepareEntryStatements(database: Database.Database): EntryStatements {
  const identifierFilter = 'identifier = ? AND data_type = ? AND status_code = 200';
  return {
    selectByUrl: database.prepare<[string], EntryRow>(`SELECT ${entryColumns} FROM entries WHERE url = ?`),
    selectSummaryByUrl: database.prepare<[string], EntryFields>(`SELECT ${summaryColumns} FROM entries WHERE url = ?`),
    selectByCachekey: database.prepare<[string], EntryRow>(`SELECT ${entryColumns} FROM entries WHERE cachekey = ?`),
    selectById: database.prepare<[number], EntryRow>(`SELECT ${entryColumns} FROM entries WHERE id = ?`),
    selectFileOfUrl: database.prepare<[string], { filePath: string | null; checksum: string }>(
      'SELECT file_path AS filePath, checksum FROM entries WHERE url = ?',
    ),
    candidateIds: database
      .prepare<[string, string, number], number>(`SELECT id FROM entries WHERE ${identifierFilter} AND expires_at > ?`)
      .pluck(),
    candidateIdsOfProvider: database
      .prepare<[string, string, string, number], number>(
        `SELECT id FROM entries WHERE ${identifierFilter} AND provider = ? AND expires_at > ?`,
      )
      .pluck(),
    summaries: database.prepare<[string, string, number], EntryFields>(
      `SELECT ${summaryColumns} FROM entries WHERE ${identifierFilter} AND expires_at > ? ORDER BY stored_at DESC, id DESC`,
    ),
    summariesOfProvider: database.prepare<[string, string, string, number], EntryFields>(
      `SELECT ${summaryColumns} FROM entries WHERE ${identifierFilter} AND provider = ? AND expires_at > ? ORDER BY stored_at DESC, id DESC`,
    ),
    // A store keeps the row's cachekey, created_at and access_count: the cachekey is the
    // URL's stable public name, and a new download is not a new entry.
    upsert: database.prepare<[UpsertParameters], EntryRow>(`
      INSERT INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type,
        inline_data, file_path, size, value_size, codec, dictionary_id, checksum, mime_type, metadata, etag, last_modified,
        created_at, stored_at, expires_at, last_accessed, access_count)
      VALUES (@url, @cachekey, @identifier, @dataType, @provider, @statusCode, @storedType,
        @inlineData, @filePath, @size, @valueSize, @codec, @dictionaryId, @checksum, @mimeType, @metadata, @etag, @lastModified,
        @now, @now, @expiresAt, @now, 0)
      ON CONFLICT (url) DO UPDATE SET
        identifier = excluded.identifier, data_type = excluded.data_type, provider = excluded.provider,
        status_code = excluded.status_code, value_type = excluded.value_type,
        inline_data = excluded.inline_data, file_path = excluded.file_path, size = excluded.size,
        value_size = excluded.value_size, codec = excluded.codec, dictionary_id = excluded.dictionary_id,
        checksum = excluded.checksum, mime_type = excluded.mime_type, metadata = excluded.metadata,
        etag = excluded.etag, last_modified = excluded.last_modified, stored_at = excluded.stored_at,
        expires_at = excluded.expires_at, last_accessed = excluded.last_accessed
      RETURNING ${entryColumns}`),
    // Deletes a row whose file proved broken, unless another process has re-stored the URL
    // with a new file since we read it.
    deleteIfFileUnchanged: database.prepare<[number, string], DeletedRow>(
      'DELETE FROM entries WHERE id = ? AND file_path = ? RETURNING file_path AS filePath, size',
    ),
    // Deletes a row whose inline payload proved undecodable, unless it was re-stored since.
    deleteIfUnchanged: database.prepare<[number, number, string], DeletedRow>(
      'DELETE FROM entries WHERE id = ? AND stored_at = ? AND checksum = ? RETURNING file_path AS filePath, size',
    ),
    recordAccess: database.prepare<[number, number, string]>(
      'UPDATE entries SET access_count = access_count + ?, last_accessed = max(last_accessed, ?) WHERE url = ?',
    ),
    // A 304: the stored data is still right; only its freshness and validators change.
    renew: database.prepare(`
      UPDATE entries SET expires_at = @expiresAt, stored_at = @now,
        etag = coalesce(@etag, etag), last_modified = coalesce(@lastModified, last_modified)
      WHERE url = @url RETURNING ${entryColumns}`),
    totals: database.prepare<[], Totals>(
      'SELECT total(entries) AS entries, total(bytes) AS bytes, total(file_bytes) AS fileBytes FROM group_totals',
    ),
  };
}

