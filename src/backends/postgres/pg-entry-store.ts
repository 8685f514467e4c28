import type { EntryFields } from '../../storage/cached-entry.js';
import type { PostgresTier } from './postgres-tier.js';
import { SERVER_NOW_MS } from './schema.js';

/** A shared entry with its payload. Times in the server's clock, ms since the epoch. */
export interface SharedEntry extends EntryFields {
  id: number;
  data: Buffer;
}

/** What a machine puts into the shared tier after a fetch: an entry's own fields, its bytes and how long it stays fresh. */
export type SharedPut = Pick<
  EntryFields,
  'url' | 'cachekey' | 'identifier' | 'dataType' | 'provider' | 'statusCode' | 'storedType' | 'checksum' | 'mimeType' | 'metadataText' | 'etag' | 'lastModified'
> & {
  data: Buffer;
  /** How long it is fresh from now (relative, so that no machine's clock matters). */
  ttlMs: number;
};

/** Which entries a purge or a deletion removes; every machine applies the same filter to its own tier. */
export interface InvalidationFilter {
  url?: string;
  provider?: string;
  identifier?: string;
  dataType?: string;
  all?: boolean;
}

export interface SharedTotals {
  entries: number;
  bytes: number;
  expiredEntries: number;
  byProvider: Record<string, { entries: number; bytes: number }>;
  byDataType: Record<string, { entries: number; bytes: number }>;
}

/** An active process of a machine on the shared tier. */
export interface SharedProcess {
  hostname: string;
  cacheDir: string;
  pid: number;
  startedAt: number;
  lastSeen: number;
}

const columns = `id, url, cachekey, identifier, data_type AS "dataType", provider, status_code AS "statusCode",
  value_type AS "storedType", metadata AS "metadataText", mime_type AS "mimeType", checksum, size, etag,
  last_modified AS "lastModified", created_at AS "createdAt", stored_at AS "storedAt", expires_at AS "expiresAt",
  last_accessed AS "lastAccessed", 0 AS "accessCount"`;

/** The channel a machine announces a stored entry on (payload: its URL), so waiters elsewhere look. */
export const ENTRIES_CHANNEL = 'datacache_entries';
/** The channel a purge or deletion is announced on (payload: its sequence number). */
export const INVALIDATIONS_CHANNEL = 'datacache_invalidations';

/**
 * The shared tier's entries in PostgreSQL: payloads in the row, one row per URL, found by URL,
 * cache key or artist; purges and deletions recorded as invalidations every machine applies
 * to its own tier. Reads and writes are one statement each (one round trip).
 */
export class PgEntryStore {
  constructor(private readonly tier: PostgresTier) {}

  /** The entry for `url`, fresh or not, with its payload; null when there is none. */
  async get(url: string): Promise<SharedEntry | null> {
    const result = await this.tier.query<SharedEntry>(`SELECT ${columns}, data FROM entries WHERE url = $1`, [url], 'datacache-entry-by-url');
    return result.rows[0] ?? null;
  }

  async getByCachekey(cachekey: string): Promise<SharedEntry | null> {
    const result = await this.tier.query<SharedEntry>(`SELECT ${columns}, data FROM entries WHERE cachekey = $1`, [cachekey], 'datacache-entry-by-cachekey');
    return result.rows[0] ?? null;
  }

  async getById(id: number): Promise<SharedEntry | null> {
    const result = await this.tier.query<SharedEntry>(`SELECT ${columns}, data FROM entries WHERE id = $1`, [id]);
    return result.rows[0] ?? null;
  }

  /** The live status-200 entries of an identifier and data type (optionally one provider's), newest first, without payloads. */
  async live(identifier: string, dataType: string, provider: string | undefined): Promise<(EntryFields & { id: number })[]> {
    const result = await this.tier.query<EntryFields & { id: number }>(
      `SELECT ${columns} FROM entries
       WHERE identifier = $1 AND data_type = $2 AND status_code = 200 AND expires_at > ${SERVER_NOW_MS} AND ($3::text IS NULL OR provider = $3)
       ORDER BY stored_at DESC, id DESC`,
      [identifier, dataType, provider ?? null],
    );
    return result.rows;
  }

  /** The identifiers with live entries of these data types, containing `search`, with entries and bytes by data type. */
  async identifiers(search: string, dataTypes: readonly string[] | null, limit: number): Promise<{ identifier: string; dataType: string; entries: number; bytes: number; lastStoredAt: number }[]> {
    const result = await this.tier.query<{ identifier: string; dataType: string; entries: number; bytes: number; lastStoredAt: number }>(
      `SELECT identifier, data_type AS "dataType", count(*)::bigint AS entries, sum(size)::bigint AS bytes, max(stored_at) AS "lastStoredAt"
       FROM entries WHERE status_code = 200 AND expires_at > ${SERVER_NOW_MS} AND ($1::text[] IS NULL OR data_type = ANY($1)) AND strpos(identifier, $2) > 0
       GROUP BY identifier, data_type ORDER BY identifier LIMIT $3`,
      [dataTypes, search, limit],
    );
    return result.rows;
  }

  /**
   * Stores (or replaces) the entry for `put.url`, keeping its cache key when it is there
   * already, and announces it. Resolves to the shared row's id, cache key and expiry, and the
   * tier's total bytes as they were before it (for the budget check).
   */
  async put(put: SharedPut, storedBy: string): Promise<{ id: number; cachekey: string; expiresAt: number; totalBytes: number }> {
    const result = await this.tier.query<{ id: number; cachekey: string; expiresAt: number; totalBytes: number }>(
      `WITH up AS (
         INSERT INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type, data, size, checksum,
           mime_type, metadata, etag, last_modified, created_at, stored_at, expires_at, last_accessed, stored_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, ${SERVER_NOW_MS}, ${SERVER_NOW_MS}, ${SERVER_NOW_MS} + $15, ${SERVER_NOW_MS}, $16)
         ON CONFLICT (url) DO UPDATE SET
           identifier = excluded.identifier, data_type = excluded.data_type, provider = excluded.provider,
           status_code = excluded.status_code, value_type = excluded.value_type, data = excluded.data, size = excluded.size,
           checksum = excluded.checksum, mime_type = excluded.mime_type, metadata = excluded.metadata, etag = excluded.etag,
           last_modified = excluded.last_modified, stored_at = excluded.stored_at, expires_at = excluded.expires_at,
           last_accessed = excluded.last_accessed, stored_by = excluded.stored_by
         RETURNING id, cachekey, expires_at AS "expiresAt")
       SELECT up.*, (SELECT bytes FROM entry_totals WHERE id = 1) AS "totalBytes", pg_notify('${ENTRIES_CHANNEL}', $1) FROM up`,
      [
        put.url, put.cachekey, put.identifier, put.dataType, put.provider, put.statusCode, put.storedType, put.data, put.data.length,
        put.checksum, put.mimeType, put.metadataText, put.etag, put.lastModified, Math.round(put.ttlMs), storedBy,
      ],
    );
    return result.rows[0]!;
  }

  /** Makes the entry for `url` fresh again for `ttlMs` (a 304), with new validators when given. */
  async renew(url: string, ttlMs: number, etag: string | null, lastModified: string | null): Promise<void> {
    await this.tier.query(
      `UPDATE entries SET expires_at = ${SERVER_NOW_MS} + $2, etag = coalesce($3, etag), last_modified = coalesce($4, last_modified) WHERE url = $1`,
      [url, Math.round(ttlMs), etag, lastModified],
    );
  }

  /**
   * Removes the entries the filter matches, and records the filter for every machine to apply
   * to its own tier (announced on INVALIDATIONS_CHANNEL). Resolves to how many were removed here.
   */
  async invalidate(filter: InvalidationFilter, origin: string): Promise<number> {
    const result = await this.tier.query<{ removed: number }>(
      `WITH gone AS (
         DELETE FROM entries WHERE $1::boolean
           OR (($2::text IS NOT NULL OR $3::text IS NOT NULL OR $4::text IS NOT NULL OR $5::text IS NOT NULL)
               AND ($2::text IS NULL OR url = $2) AND ($3::text IS NULL OR provider = $3)
               AND ($4::text IS NULL OR identifier = $4) AND ($5::text IS NULL OR data_type = $5))
         RETURNING 1),
       recorded AS (INSERT INTO invalidations (filter, at, origin) VALUES ($6, ${SERVER_NOW_MS}, $7) RETURNING seq)
       SELECT (SELECT count(*) FROM gone)::bigint AS removed, pg_notify('${INVALIDATIONS_CHANNEL}', (SELECT seq FROM recorded)::text)`,
      [filter.all === true, filter.url ?? null, filter.provider ?? null, filter.identifier ?? null, filter.dataType ?? null, JSON.stringify(filter), origin],
    );
    return result.rows[0]!.removed;
  }

  /** The invalidations recorded after `seq`, oldest first (at most `limit`). */
  async invalidationsAfter(seq: number, limit = 1000): Promise<{ seq: number; filter: InvalidationFilter; origin: string }[]> {
    const result = await this.tier.query<{ seq: number; filter: InvalidationFilter; origin: string }>(
      'SELECT seq, filter, origin FROM invalidations WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, limit],
    );
    return result.rows;
  }

  /** The newest invalidation's sequence number (0 when there is none): where a new machine starts reading. */
  async latestInvalidation(): Promise<number> {
    const result = await this.tier.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM invalidations');
    return result.rows[0]?.seq ?? 0;
  }

  /** Entries and bytes, in all and by provider and data type, and how many are expired. */
  async totals(): Promise<SharedTotals> {
    const [totals, groups] = await Promise.all([
      this.tier.query<{ entries: number; bytes: number; expired: number }>(
        `SELECT t.entries, t.bytes, (SELECT count(*) FROM entries WHERE expires_at <= ${SERVER_NOW_MS})::bigint AS expired FROM entry_totals t WHERE id = 1`,
      ),
      this.tier.query<{ provider: string; dataType: string; entries: number; bytes: number }>(
        'SELECT provider, data_type AS "dataType", count(*)::bigint AS entries, sum(size)::bigint AS bytes FROM entries GROUP BY provider, data_type',
      ),
    ]);
    const byProvider = Object.create(null) as SharedTotals['byProvider'];
    const byDataType = Object.create(null) as SharedTotals['byDataType'];
    for (const row of groups.rows) {
      const provider = (byProvider[row.provider] ??= { entries: 0, bytes: 0 });
      provider.entries += row.entries;
      provider.bytes += row.bytes;
      const dataType = (byDataType[row.dataType] ??= { entries: 0, bytes: 0 });
      dataType.entries += row.entries;
      dataType.bytes += row.bytes;
    }
    const row = totals.rows[0]!;
    return { entries: row.entries, bytes: row.bytes, expiredEntries: row.expired, byProvider, byDataType };
  }

  /**
   * Brings the shared tier under `maxBytes`, down to `lowWaterBytes`: entries expired longer
   * than `staleRetentionMs` first, then expired ones, then the least recently stored, in
   * batches of a few hundred. One machine at a time (an advisory lock; another that finds it
   * taken leaves the work to it). Resolves to the entries and bytes removed.
   */
  async evict(maxBytes: number, lowWaterBytes: number, staleRetentionMs: number): Promise<{ entries: number; bytes: number }> {
    const removed = { entries: 0, bytes: 0 };
    return this.tier.transaction(async (client) => {
      const locked = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('datacache shared eviction')) AS locked");
      if (locked.rows[0]?.locked !== true) return removed;
      const over = await client.query<{ bytes: number }>('SELECT bytes FROM entry_totals WHERE id = 1');
      if ((over.rows[0]?.bytes ?? 0) <= maxBytes) return removed;
      for (;;) {
        const total = (await client.query<{ bytes: number }>('SELECT bytes FROM entry_totals WHERE id = 1')).rows[0]?.bytes ?? 0;
        if (total <= lowWaterBytes) return removed;
        const batch = await client.query<{ size: number }>(
          `DELETE FROM entries WHERE id IN (
             SELECT id FROM entries ORDER BY (expires_at <= ${SERVER_NOW_MS} - $1) DESC, (expires_at <= ${SERVER_NOW_MS}) DESC, last_accessed, id LIMIT 200)
           RETURNING size`,
          [staleRetentionMs],
        );
        if (batch.rows.length === 0) return removed;
        removed.entries += batch.rows.length;
        removed.bytes += batch.rows.reduce((sum, row) => sum + row.size, 0);
      }
    });
  }

  /** Deletes entries expired longer than `staleRetentionMs`, in batches. */
  async removeExpired(staleRetentionMs: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const result = await this.tier.query(
        `DELETE FROM entries WHERE id IN (SELECT id FROM entries WHERE expires_at <= ${SERVER_NOW_MS} - $1 LIMIT 500)`,
        [staleRetentionMs],
      );
      removed += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < 500) return removed;
    }
  }

  /** The processes that have beaten their heart within `withinMs` (30 s: three beats). */
  async activeProcesses(withinMs = 30_000): Promise<SharedProcess[]> {
    const result = await this.tier.query<SharedProcess>(
      `SELECT hostname, cache_dir AS "cacheDir", pid, started_at AS "startedAt", last_seen AS "lastSeen"
       FROM machines WHERE last_seen > ${SERVER_NOW_MS} - $1 ORDER BY hostname, cache_dir, pid`,
      [withinMs],
    );
    return result.rows;
  }
}
