import type Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';

/**
 * Adopts a cache written by whats-now-playing's Python `datacache` module (its `cached_data`
 * table, schema "version 0": no `user_version`), so a user pointing datacache at that
 * directory keeps what it had downloaded.
 *
 * What is kept: URLs, cache keys, identifiers, types, providers, status codes, metadata, MIME
 * types and times (seconds become milliseconds). Its blob files stay where they are
 * (`blobs/xx/yy/<hash>.bin`, the same two-level layout) and are verified by checksum when read.
 * What is dropped: rows whose blob has no recorded checksum (they could not be verified, so
 * maintenance sweeps their files), rows whose `file_path` is not a plain `blobs/…` path,
 * which could otherwise point outside the cache directory, and rows whose URL, cache key,
 * provider or data type hold a control character (CR, LF, NUL, any `\p{Cc}`): those end up in
 * request lines, headers and log lines, where a line break splits them, and datacache refuses
 * them on every new store. A MIME type with a control character is cleared instead (the entry
 * is kept, without a type): the bytes are verified and still good, a reader falls back to
 * sniffing or a default type, and it is what becomes a `Content-Type` header. Its
 * `pending_requests` table is left alone.
 *
 * Returns what it did, or undefined when there was no legacy table.
 */
export function importLegacyCache(database: Database.Database): LegacyImportReport | undefined {
  const legacyTable = database
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cached_data'")
    .get();
  if (legacyTable === undefined) return undefined;

  const columns = new Set(
    (database.prepare('SELECT name FROM pragma_table_info(?)').all('cached_data') as { name: string }[]).map(
      (column) => column.name,
    ),
  );
  const optional = (name: string, fallback: string): string => (columns.has(name) ? name : `${fallback} AS ${name}`);
  // Read in chunks by rowid: better-sqlite3 cannot insert while a SELECT is still iterating,
  // and a whole legacy table in memory at once could be large.
  const select = database.prepare<[number], LegacyRow>(`
    SELECT rowid, url, cachekey, identifier, data_type, provider, data_value, file_path, metadata,
           created_at, expires_at, access_count, last_accessed, data_size,
           ${optional('status_code', '200')}, ${optional('mime_type', 'NULL')}, ${optional('content_checksum', 'NULL')}
    FROM cached_data WHERE rowid > ? ORDER BY rowid LIMIT 500`);
  const insert = database.prepare(`
    INSERT OR IGNORE INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type,
      inline_data, file_path, size, checksum, mime_type, metadata, created_at, stored_at, expires_at,
      last_accessed, access_count)
    VALUES (@url, @cachekey, @identifier, @dataType, @provider, @statusCode, 'bytes',
      @inlineData, @filePath, @size, @checksum, @mimeType, @metadata, @createdAt, @createdAt, @expiresAt,
      @lastAccessed, @accessCount)`);

  const report: LegacyImportReport = { imported: 0, skippedUnverifiable: 0, skippedUnsafePath: 0, skippedControlCharacters: 0, mimeTypesCleared: 0 };
  for (let rows = select.all(0); rows.length > 0; rows = select.all(rows[rows.length - 1]!.rowid)) {
    for (const row of rows) {
      const converted = convertRow(row);
      if (typeof converted === 'string') {
        report[converted]++;
        continue;
      }
      if (insert.run(converted).changes !== 1) continue; // a duplicate URL or cache key
      report.imported++;
      if (converted.mimeType === null && row.mime_type !== null) report.mimeTypesCleared++;
    }
  }
  database.exec('DROP TABLE cached_data');
  return report;
}

/** What importing a whats-now-playing cache did, row by row. */
export interface LegacyImportReport {
  imported: number;
  /** A blob without a recorded checksum. */
  skippedUnverifiable: number;
  /** A `file_path` that is not a plain `blobs/…` path. */
  skippedUnsafePath: number;
  /** A URL, cache key, provider or data type holding a control character. */
  skippedControlCharacters: number;
  /** Rows imported without their MIME type, which held a control character. */
  mimeTypesCleared: number;
}

type SkipReason = 'skippedUnverifiable' | 'skippedUnsafePath' | 'skippedControlCharacters';

const controlCharacter = /\p{Cc}/u;

interface LegacyRow {
  rowid: number;
  url: string;
  cachekey: string | null;
  identifier: string;
  data_type: string;
  provider: string;
  data_value: Buffer | string | null;
  file_path: string | null;
  metadata: string | null;
  created_at: number;
  expires_at: number;
  access_count: number | null;
  last_accessed: number;
  data_size: number;
  status_code: number;
  mime_type: string | null;
  content_checksum: string | null;
}

interface ConvertedRow {
  url: string;
  cachekey: string;
  identifier: string;
  dataType: string;
  provider: string;
  statusCode: number;
  inlineData: Buffer | null;
  filePath: string | null;
  size: number;
  checksum: string;
  mimeType: string | null;
  metadata: string | null;
  createdAt: number;
  expiresAt: number;
  lastAccessed: number;
  accessCount: number;
}

const legacyBlobPath = /^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{1,64}\.bin$/;

function convertRow(row: LegacyRow): ConvertedRow | SkipReason {
  const seconds = (value: number): number => Math.round(value * 1000);
  if ([row.url, row.cachekey ?? '', row.provider, row.data_type].some((text) => controlCharacter.test(text))) {
    return 'skippedControlCharacters';
  }
  let inlineData: Buffer | null = null;
  let filePath: string | null = null;
  let checksum = row.content_checksum;
  let size = row.data_size;
  if (row.file_path !== null) {
    filePath = row.file_path.replaceAll('\\', '/');
    if (!legacyBlobPath.test(filePath)) return 'skippedUnsafePath';
    if (checksum === null) return 'skippedUnverifiable';
  } else {
    // better-sqlite3 gives BLOBs as Buffers already: only text needs converting.
    inlineData = row.data_value === null ? Buffer.alloc(0) : typeof row.data_value === 'string' ? Buffer.from(row.data_value) : row.data_value;
    checksum = createHash('sha256').update(inlineData).digest('hex');
    size = inlineData.length;
  }
  return {
    url: row.url,
    cachekey: row.cachekey ?? randomUUID(),
    identifier: row.identifier,
    dataType: row.data_type,
    provider: row.provider,
    statusCode: row.status_code,
    inlineData,
    filePath,
    size,
    checksum: checksum.toLowerCase(),
    mimeType: row.mime_type !== null && controlCharacter.test(row.mime_type) ? null : row.mime_type,
    metadata: isJsonObjectText(row.metadata) ? row.metadata : null,
    createdAt: seconds(row.created_at),
    expiresAt: seconds(row.expires_at),
    lastAccessed: seconds(row.last_accessed),
    accessCount: row.access_count ?? 0,
  };
}

function isJsonObjectText(text: string | null): boolean {
  if (text === null) return false;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
