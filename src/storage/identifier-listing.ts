import type { Statement } from 'better-sqlite3';
import { foldForSearch } from './search-fold.js';
import type { StorageInternals } from './storage-internals.js';

/** Which identifiers `listIdentifiers` returns. */
export interface IdentifierListQuery {
  /** Only identifiers containing this text, ignoring case and accents ("beyonce" finds "beyoncé"; see foldForSearch). */
  search?: string;
  /** Only entries of these data types (e.g. the image types). Default: every type. */
  dataTypes?: readonly string[];
  /** At most this many identifiers, in alphabetical order. Default 100. */
  limit?: number;
}

/** One identifier's live entries of one data type. */
export interface IdentifierListing {
  identifier: string;
  dataType: string;
  entries: number;
  bytes: number;
  /** When the newest of them was stored (ms since the epoch). */
  lastStoredAt: number;
}

const statements = new WeakMap<StorageInternals['connection'], Statement<[Record<string, unknown>], IdentifierListing>>();

// The identifiers are chosen first, so that `limit` counts artists, not artist-and-type rows.
const LIVE = `status_code = 200 AND expires_at > @now
  AND (@dataTypes IS NULL OR data_type IN (SELECT value FROM json_each(@dataTypes)))
  AND (@search IS NULL OR instr(datacache_fold(identifier), @search) > 0)`;
const SQL = `
  WITH chosen AS (SELECT DISTINCT identifier FROM entries WHERE ${LIVE} ORDER BY identifier LIMIT @limit)
  SELECT identifier, data_type AS dataType, count(*) AS entries, sum(size) AS bytes, max(stored_at) AS lastStoredAt
  FROM entries JOIN chosen USING (identifier)
  WHERE ${LIVE}
  GROUP BY identifier, data_type
  ORDER BY identifier, data_type`;

/**
 * The live identifiers (artists, for images), with how many entries and bytes of each data type they have.
 * @internal
 */
export async function listIdentifiers(internals: StorageInternals, query: Required<Pick<IdentifierListQuery, 'limit'>> & IdentifierListQuery): Promise<IdentifierListing[]> {
  const { connection, options } = internals;
  let statement = statements.get(connection);
  if (statement === undefined) {
    // Folding happens in JavaScript (SQLite knows no accents), once per identifier scanned.
    connection.database.function('datacache_fold', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldForSearch(text) : ''));
    statement = connection.database.prepare<[Record<string, unknown>], IdentifierListing>(SQL);
    statements.set(connection, statement);
  }
  const parameters = {
    now: options.clock.now(),
    dataTypes: query.dataTypes === undefined ? null : JSON.stringify(query.dataTypes),
    search: query.search === undefined || foldForSearch(query.search) === '' ? null : foldForSearch(query.search),
    limit: query.limit,
  };
  const prepared = statement;
  return connection.read('listing identifiers', () => prepared.all(parameters));
}
