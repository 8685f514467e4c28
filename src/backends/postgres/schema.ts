import type { PoolClient } from 'pg';
import { COORDINATION_DDL } from './schema/coordination.js';
import { DASHBOARD_HISTORY_DDL } from './schema/dashboard-history.js';
import { ENTRIES_DDL } from './schema/entries.js';
import { QUEUE_DDL } from './schema/queue.js';

/** The version of the shared tier's tables this datacache writes; a newer one is refused. */
export const SHARED_SCHEMA_VERSION = 2;

const MIGRATIONS: { toVersion: number; description: string; sql: string }[] = [
  { toVersion: 1, description: 'entries, the queue, rate limits, analytics, machines', sql: ENTRIES_DDL + QUEUE_DDL + COORDINATION_DDL },
  { toVersion: 2, description: 'rate-limit grants per second; the queue depth per minute', sql: DASHBOARD_HISTORY_DDL },
];

/** The server's clock in milliseconds since the epoch, as SQL: every machine reads the same one. */
export const SERVER_NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Creates the schema and brings its tables to SHARED_SCHEMA_VERSION, under an advisory lock so
 * that machines starting at once migrate it exactly once. Returns the version found before,
 * or throws when the tables are newer than this datacache knows.
 */
export async function migrateSharedSchema(client: PoolClient, schema: string): Promise<{ from: number; to: number }> {
  const quoted = quoteIdentifier(schema);
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`datacache schema ${schema}`]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_version (version integer NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${quoted}.schema_version`);
    const from = found.rows[0]?.version ?? 0;
    if (from > SHARED_SCHEMA_VERSION) {
      throw new SchemaTooNewError(from);
    }
    for (const migration of MIGRATIONS.filter((candidate) => candidate.toVersion > from)) {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${quoted}`);
        await client.query(migration.sql);
        await client.query(`DELETE FROM ${quoted}.schema_version`);
        await client.query(`INSERT INTO ${quoted}.schema_version (version) VALUES ($1)`, [migration.toVersion]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    return { from, to: Math.max(from, SHARED_SCHEMA_VERSION) };
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`datacache schema ${schema}`]).catch(() => undefined);
  }
}

/** The shared tables were written by a newer datacache. */
export class SchemaTooNewError extends Error {
  constructor(readonly version: number) {
    super(`its tables have schema version ${version}, newer than this datacache understands (${SHARED_SCHEMA_VERSION}); upgrade datacache on this machine`);
  }
}

/** A schema name as an SQL identifier (names are checked to be [a-z0-9_] when configured). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
