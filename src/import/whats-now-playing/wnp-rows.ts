import type Database from 'better-sqlite3';
import type { WnpDatabase } from './wnp-database.js';

/** One row of whats-now-playing's `cached_data` (upstream.md section 4.1); later columns may be absent. */
export interface WnpRow {
  rowid: number;
  /** Null when longer than any whats-now-playing writes (MAX_TEXT), like the other text columns. */
  url: string | null;
  identifier: string | null;
  data_type: string | null;
  provider: string | null;
  data_value: Buffer | string | null;
  /** The inline payload's length, also when it was too large to read. */
  inline_size: number | null;
  file_path: string | null;
  metadata: string | null;
  created_at: number;
  expires_at: number;
  data_size: number | null;
  status_code: number;
  mime_type: string | null;
  content_checksum: string | null;
  color_palette: string | null;
}

/** One row of its `pending_requests` queue. */
export interface WnpPendingRow {
  rowid: number;
  provider: string;
  request_key: string;
  params: string;
  priority: number;
  status: string | null;
}

/**
 * Rows a few at a time, by rowid: each chunk is its own short read transaction, so a running
 * whats-now-playing never waits on the import, and a whole table is never in memory at once.
 */
export const ROWS_PER_CHUNK = 50;

/** whats-now-playing keeps payloads of at most 16 KiB inline; 1 MiB leaves room, and bounds a chunk to 50 MiB. */
export const MAX_INLINE_BYTES = 1024 * 1024;
/** URLs, identifiers, metadata, palettes: a few hundred characters in practice. */
export const MAX_TEXT = 64 * 1024;

/** Every `cached_data` row, in chunks. */
export async function* wnpRows(source: WnpDatabase): AsyncGenerator<WnpRow[]> {
  const optional = (name: string, fallback: string): string => (source.cachedDataColumns.has(name) ? name : `${fallback} AS ${name}`);
  // A hostile or damaged file could hold anything in any column: nothing larger than whats-now-playing
  // ever writes is read (a longer value comes back NULL, with its length, and the row is skipped).
  const capped = (column: string, limit: number): string =>
    source.cachedDataColumns.has(column) ? `CASE WHEN length(${column}) <= ${String(limit)} THEN ${column} END AS ${column}` : `NULL AS ${column}`;
  const select = source.database.prepare<[number, number], WnpRow>(`
    SELECT rowid, ${capped('url', MAX_TEXT)}, ${capped('identifier', MAX_TEXT)}, ${capped('data_type', MAX_TEXT)}, ${capped('provider', MAX_TEXT)},
           ${capped('data_value', MAX_INLINE_BYTES)}, length(data_value) AS inline_size, ${capped('file_path', MAX_TEXT)},
           ${capped('metadata', MAX_TEXT)}, ${optional('created_at', '0')}, expires_at, ${optional('data_size', 'NULL')},
           ${optional('status_code', '200')}, ${capped('mime_type', MAX_TEXT)}, ${capped('content_checksum', MAX_TEXT)}, ${capped('color_palette', MAX_TEXT)}
    FROM cached_data WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  yield* chunks(select);
}

/** What the names pass needs of every row: no image bytes. */
export interface WnpNameRow {
  rowid: number;
  url: string;
  identifier: string;
  data_type: string;
  metadata: string | null;
  /** The inline payload of a row that is not an image, when small enough to read for names. */
  answer: Buffer | string | null;
}

export async function* wnpNameRows(source: WnpDatabase, imageTypes: ReadonlySet<string>, maxAnswerBytes: number): AsyncGenerator<WnpNameRow[]> {
  const images = [...imageTypes].map((type) => `'${type.replaceAll("'", "''")}'`).join(', ');
  const select = source.database.prepare<[number, number], WnpNameRow>(`
    SELECT rowid, url, identifier, data_type, ${source.cachedDataColumns.has('metadata') ? 'metadata' : 'NULL AS metadata'},
           CASE WHEN data_type NOT IN (${images}) AND length(data_value) <= ${String(maxAnswerBytes)} THEN data_value END AS answer
    FROM cached_data WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  yield* chunks(select);
}

/** The queue rows still waiting (or claimed by a whats-now-playing worker that may have died). */
export async function* wnpPendingRows(source: WnpDatabase): AsyncGenerator<WnpPendingRow[]> {
  if (!source.hasPendingRequests) return;
  const select = source.database.prepare<[number, number], WnpPendingRow>(`
    SELECT rowid, provider, request_key, params, priority, status FROM pending_requests WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  yield* chunks(select);
}

async function* chunks<Row extends { rowid: number }>(select: Database.Statement<[number, number], Row>): AsyncGenerator<Row[]> {
  for (let after = 0; ; ) {
    const rows = select.all(after, ROWS_PER_CHUNK);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.rowid;
    // Let the app's own work (timers, requests) run between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
