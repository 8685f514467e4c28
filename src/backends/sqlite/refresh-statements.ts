import type Database from 'better-sqlite3';
import type { Statement } from './entry-statements.js';

/** An entry worth refreshing before it expires: what a fetch of it needs, and how often it was read. */
export interface RefreshCandidateRow {
  url: string;
  identifier: string;
  dataType: string;
  provider: string;
  mimeType: string | null;
  /** The metadata stored with it, as JSON text (kept by the refresh). */
  metadata: string | null;
  storedAt: number;
  expiresAt: number;
  accessCount: number;
}

/** @internal */
export interface RefreshStatements {
  candidates: Statement<[{ now: number; until: number; minReads: number; readSince: number; limit: number }], RefreshCandidateRow>;
  budgetUsed: Statement<[string, string], number>;
  spendBudget: Statement<[string, string, number]>;
  forgetOldDays: Statement<[string]>;
}

/**
 * The statements of refresh-ahead (storage/refresh-ahead.ts).
 * @internal
 */
export function prepareRefreshStatements(database: Database.Database): RefreshStatements {
  return {
    // Through the expiry index: live entries expiring soon, then filtered by reads; the most read first.
    // In their last quarter of life too: an entry whose whole life is shorter than the window (a
    // one-hour TTL) is not due again the moment its refresh renews it.
    candidates: database.prepare(`
      SELECT url, identifier, data_type AS dataType, provider, mime_type AS mimeType, metadata, stored_at AS storedAt,
        expires_at AS expiresAt, access_count AS accessCount
      FROM entries
      WHERE expires_at > @now AND expires_at <= @until AND status_code = 200 AND access_count >= @minReads AND last_accessed >= @readSince
        AND (expires_at - @now) * 4 <= expires_at - stored_at
      ORDER BY access_count DESC, expires_at LIMIT @limit`),
    budgetUsed: database.prepare<[string, string], number>('SELECT used FROM refresh_budget WHERE provider = ? AND day = ?').pluck(),
    spendBudget: database.prepare(
      'INSERT INTO refresh_budget (provider, day, used) VALUES (?, ?, ?) ON CONFLICT (provider, day) DO UPDATE SET used = used + excluded.used',
    ),
    forgetOldDays: database.prepare('DELETE FROM refresh_budget WHERE day < ?'),
  };
}
