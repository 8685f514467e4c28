import type Database from 'better-sqlite3';
import { ForeignDatabaseError, SchemaVersionError } from '../../errors.js';

/**
 * The database layout, versioned with `PRAGMA user_version`.
 *
 * Each migration moves the schema one version forward. A database at an older version is
 * migrated when it is opened (inside one `BEGIN IMMEDIATE` transaction, so two processes
 * opening it at once cannot both migrate); one at a newer version is refused.
 *
 * Times are INTEGER milliseconds since the Unix epoch. `file_path` is relative to the cache
 * directory with `/` separators, so a cache directory can move between machines.
 */
export const CURRENT_SCHEMA_VERSION = 12;

interface Migration {
  toVersion: number;
  description: string;
  apply(database: Database.Database): void;
}

const createVersion1 = `
  CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL UNIQUE,
    cachekey      TEXT    NOT NULL UNIQUE,
    identifier    TEXT    NOT NULL,
    data_type     TEXT    NOT NULL,
    provider      TEXT    NOT NULL,
    status_code   INTEGER NOT NULL,
    value_type    TEXT    NOT NULL,
    inline_data   BLOB,
    file_path     TEXT,
    size          INTEGER NOT NULL,
    checksum      TEXT    NOT NULL,
    mime_type     TEXT,
    metadata      TEXT,
    etag          TEXT,
    last_modified TEXT,
    created_at    INTEGER NOT NULL,
    stored_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_accessed INTEGER NOT NULL,
    access_count  INTEGER NOT NULL DEFAULT 0
  );
  -- Random image and listing reads: every column they filter on, so the index alone answers them.
  CREATE INDEX entries_by_identifier ON entries (identifier, data_type, status_code, provider, expires_at);
  CREATE INDEX entries_by_expiry ON entries (expires_at);
  CREATE INDEX entries_by_last_access ON entries (last_accessed);
  CREATE INDEX entries_by_provider ON entries (provider);
  CREATE INDEX entries_by_file ON entries (file_path) WHERE file_path IS NOT NULL;

  -- Running totals kept by triggers, so the byte budget is checked in O(1) after every store
  -- by every process, instead of summing a million rows.
  CREATE TABLE totals (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    entries    INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    file_bytes INTEGER NOT NULL
  );
  INSERT INTO totals (id, entries, bytes, file_bytes) VALUES (1, 0, 0, 0);

  CREATE TRIGGER entries_count_insert AFTER INSERT ON entries BEGIN
    UPDATE totals SET entries = entries + 1, bytes = bytes + NEW.size,
      file_bytes = file_bytes + (CASE WHEN NEW.file_path IS NULL THEN 0 ELSE NEW.size END) WHERE id = 1;
  END;
  CREATE TRIGGER entries_count_delete AFTER DELETE ON entries BEGIN
    UPDATE totals SET entries = entries - 1, bytes = bytes - OLD.size,
      file_bytes = file_bytes - (CASE WHEN OLD.file_path IS NULL THEN 0 ELSE OLD.size END) WHERE id = 1;
  END;
  CREATE TRIGGER entries_count_update AFTER UPDATE OF size, file_path ON entries BEGIN
    UPDATE totals SET bytes = bytes - OLD.size + NEW.size,
      file_bytes = file_bytes - (CASE WHEN OLD.file_path IS NULL THEN 0 ELSE OLD.size END)
                              + (CASE WHEN NEW.file_path IS NULL THEN 0 ELSE NEW.size END) WHERE id = 1;
  END;

  -- Small shared settings and bookkeeping (when maintenance last ran, …).
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * The three triggers that keep a totals table in step with `table`: `add` runs for each new
 * row, `take` for each deleted one, and both for an update of `columns` (only when one of them
 * really changed, if `onlyOnChange`).
 */
function totalsTriggers(options: {
  prefix: string; table: string; columns: string[]; add: string; take: string; onlyOnChange?: boolean;
}): string {
  const { prefix, table, columns, add, take } = options;
  const changed = options.onlyOnChange
    ? `\n    WHEN ${columns.map((column) => `OLD.${column} IS NOT NEW.${column}`).join(' OR ')}`
    : '';
  return `
  CREATE TRIGGER ${prefix}_insert AFTER INSERT ON ${table} BEGIN
    ${add}
  END;
  CREATE TRIGGER ${prefix}_delete AFTER DELETE ON ${table} BEGIN
    ${take}
  END;
  CREATE TRIGGER ${prefix}_update AFTER UPDATE OF ${columns.join(', ')} ON ${table}${changed} BEGIN
    ${take}
    ${add}
  END;`;
}

// Version 2: totals per provider and data type instead of one grand total, so that stats()
// reads a few dozen rows instead of grouping every entry (1.5-1.9 s, synchronously, at a
// million entries); and an expiry index that covers `size`, so counting expired bytes never
// reads the table.
/** SQL adding (`NEW`) a row to, or taking (`OLD`) a row from, the totals of its group. */
const addToGroup = (row: 'NEW') => `
    INSERT INTO group_totals (provider, data_type, entries, bytes, file_bytes, negative_entries)
      VALUES (${row}.provider, ${row}.data_type, 1, ${row}.size,
              CASE WHEN ${row}.file_path IS NULL THEN 0 ELSE ${row}.size END,
              CASE WHEN ${row}.status_code = 200 THEN 0 ELSE 1 END)
      ON CONFLICT (provider, data_type) DO UPDATE SET
        entries = entries + 1, bytes = bytes + excluded.bytes,
        file_bytes = file_bytes + excluded.file_bytes, negative_entries = negative_entries + excluded.negative_entries;`;
const takeFromGroup = (row: 'OLD') => `
    UPDATE group_totals SET
      entries = entries - 1, bytes = bytes - ${row}.size,
      file_bytes = file_bytes - (CASE WHEN ${row}.file_path IS NULL THEN 0 ELSE ${row}.size END),
      negative_entries = negative_entries - (CASE WHEN ${row}.status_code = 200 THEN 0 ELSE 1 END)
    WHERE provider = ${row}.provider AND data_type = ${row}.data_type;`;

const moveToGroupTotals = `
  DROP TRIGGER entries_count_insert;
  DROP TRIGGER entries_count_delete;
  DROP TRIGGER entries_count_update;
  DROP TABLE totals;

  CREATE TABLE group_totals (
    provider         TEXT    NOT NULL,
    data_type        TEXT    NOT NULL,
    entries          INTEGER NOT NULL,
    bytes            INTEGER NOT NULL,
    file_bytes       INTEGER NOT NULL,
    negative_entries INTEGER NOT NULL,
    PRIMARY KEY (provider, data_type)
  ) WITHOUT ROWID;
  INSERT INTO group_totals (provider, data_type, entries, bytes, file_bytes, negative_entries)
    SELECT provider, data_type, count(*), total(size),
           total(CASE WHEN file_path IS NULL THEN 0 ELSE size END),
           total(CASE WHEN status_code = 200 THEN 0 ELSE 1 END)
    FROM entries GROUP BY provider, data_type;

  ${totalsTriggers({
    prefix: 'entries_count', table: 'entries', columns: ['provider', 'data_type', 'size', 'file_path', 'status_code'],
    add: addToGroup('NEW'), take: takeFromGroup('OLD'),
  })}

  DROP INDEX entries_by_expiry;
  CREATE INDEX entries_by_expiry ON entries (expires_at, size);
`;

// Version 3: the rate limits every process shares (see src/ratelimit/).
const addRateLimits = `
  CREATE TABLE rate_limits (
    provider        TEXT    PRIMARY KEY,
    -- GCRA's theoretical arrival time: when the next request would be due, epoch ms.
    next_due_at     REAL    NOT NULL,
    cooldown_until  INTEGER NOT NULL DEFAULT 0,
    cooldown_reason TEXT
  ) WITHOUT ROWID;
`;

// Version 4: the queue of fetches any process's worker may run (see src/queue/).
const addQueue = `
  CREATE TABLE queue_jobs (
    id           INTEGER PRIMARY KEY,
    url          TEXT    NOT NULL UNIQUE,
    provider     TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    -- Everything needed to run the job, as JSON: headers, TTLs, checksum, metadata, …
    request      TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  );
  CREATE INDEX queue_by_state ON queue_jobs (state, priority, id);
  CREATE INDEX queue_by_lease ON queue_jobs (state, lease_until);
`;

// Version 6: analytics, per minute, written in batches by every process (see src/analytics/).
const addAnalytics = `
  CREATE TABLE analytics_counts (
    minute        INTEGER NOT NULL,  -- milliseconds since the epoch, at the start of the minute
    provider      TEXT    NOT NULL,
    data_type     TEXT    NOT NULL,
    hits          INTEGER NOT NULL DEFAULT 0,
    misses        INTEGER NOT NULL DEFAULT 0,
    stale         INTEGER NOT NULL DEFAULT 0,
    fetches       INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    bytes_fetched INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, provider, data_type)
  ) WITHOUT ROWID;
  -- Latency histograms: bucket b counts durations in [2^b, 2^(b+1)) microseconds.
  CREATE TABLE analytics_latency (
    minute INTEGER NOT NULL,
    kind   TEXT    NOT NULL CHECK (kind IN ('hit', 'fetch')),
    bucket INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (minute, kind, bucket)
  ) WITHOUT ROWID;
`;

// Version 11: compressed payloads. `size` stays what the entry takes on disk (the byte budget
// counts it); `value_size` is the decoded length when the payload is compressed (NULL when not).
// `value_bytes` in the group totals sums the decoded lengths, for the ratio stats() shows.
const valueSize = (row: 'NEW' | 'OLD') => `coalesce(${row}.value_size, ${row}.size)`;
/** Version 2's addToGroup and takeFromGroup, counting decoded bytes too. */
const addToGroupWithValue = `
    INSERT INTO group_totals (provider, data_type, entries, bytes, file_bytes, negative_entries, value_bytes)
      VALUES (NEW.provider, NEW.data_type, 1, NEW.size,
              CASE WHEN NEW.file_path IS NULL THEN 0 ELSE NEW.size END,
              CASE WHEN NEW.status_code = 200 THEN 0 ELSE 1 END, ${valueSize('NEW')})
      ON CONFLICT (provider, data_type) DO UPDATE SET
        entries = entries + 1, bytes = bytes + excluded.bytes, file_bytes = file_bytes + excluded.file_bytes,
        negative_entries = negative_entries + excluded.negative_entries, value_bytes = value_bytes + excluded.value_bytes;`;
const takeFromGroupWithValue = `
    UPDATE group_totals SET
      entries = entries - 1, bytes = bytes - OLD.size,
      file_bytes = file_bytes - (CASE WHEN OLD.file_path IS NULL THEN 0 ELSE OLD.size END),
      negative_entries = negative_entries - (CASE WHEN OLD.status_code = 200 THEN 0 ELSE 1 END),
      value_bytes = value_bytes - ${valueSize('OLD')}
    WHERE provider = OLD.provider AND data_type = OLD.data_type;`;
const addCompression = `
  ALTER TABLE entries ADD COLUMN codec TEXT;
  ALTER TABLE entries ADD COLUMN dictionary_id INTEGER;
  ALTER TABLE entries ADD COLUMN value_size INTEGER;
  -- Which dictionaries entries still use, so that an unused old one can be dropped.
  CREATE INDEX entries_by_dictionary ON entries (dictionary_id) WHERE dictionary_id IS NOT NULL;

  CREATE TABLE dictionaries (
    id           INTEGER PRIMARY KEY,
    provider     TEXT    NOT NULL,
    data_type    TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    samples      INTEGER NOT NULL,
    sample_bytes INTEGER NOT NULL,
    -- The group's decoded bytes when it was trained: it trains again at four times that.
    group_bytes  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
  );
  CREATE INDEX dictionaries_by_group ON dictionaries (provider, data_type, id);

  ALTER TABLE group_totals ADD COLUMN value_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE group_totals SET value_bytes = bytes;

  DROP TRIGGER entries_count_insert;
  DROP TRIGGER entries_count_delete;
  DROP TRIGGER entries_count_update;
  ${totalsTriggers({
    prefix: 'entries_count', table: 'entries',
    columns: ['provider', 'data_type', 'size', 'file_path', 'status_code', 'value_size'],
    add: addToGroupWithValue, take: takeFromGroupWithValue,
  })}
`;

// Version 12: what the dashboard draws over time, and queue counts that cost nothing to read.
// `queue_totals` is kept by triggers, as `totals` is for entries: counting a 100,000-job queue
// took 50-110 ms of the event loop, and the dashboard and the depth sampler ask every few seconds.
// Rows that fall to 0 stay (a handful per state, priority and provider); readers skip them.
const addToQueueTotals = `
    INSERT INTO queue_totals (state, priority, provider, jobs) VALUES (NEW.state, NEW.priority, NEW.provider, 1)
      ON CONFLICT (state, priority, provider) DO UPDATE SET jobs = jobs + 1;`;
const takeFromQueueTotals = `
    UPDATE queue_totals SET jobs = jobs - 1 WHERE state = OLD.state AND priority = OLD.priority AND provider = OLD.provider;`;
const addDashboardHistory = `
  CREATE TABLE queue_totals (
    state    TEXT    NOT NULL,
    priority INTEGER NOT NULL,
    provider TEXT    NOT NULL,
    jobs     INTEGER NOT NULL,
    PRIMARY KEY (state, priority, provider)
  ) WITHOUT ROWID;
  INSERT INTO queue_totals (state, priority, provider, jobs) SELECT state, priority, provider, count(*) FROM queue_jobs GROUP BY state, priority, provider;
  ${totalsTriggers({
    prefix: 'queue_totals', table: 'queue_jobs', columns: ['state', 'priority', 'provider'], onlyOnChange: true,
    add: addToQueueTotals, take: takeFromQueueTotals,
  })}

  -- Requests let through the rate limits' send gate, per provider and second (the store's
  -- clock), for the live view of the limits; the last ten minutes are kept.
  CREATE TABLE rate_grants (
    provider TEXT    NOT NULL,
    second   INTEGER NOT NULL,  -- seconds since the epoch
    grants   INTEGER NOT NULL,
    PRIMARY KEY (provider, second)
  ) WITHOUT ROWID;

  -- The queue's depth once a minute, sampled by whichever process gets there first. The row
  -- with provider '' is the whole queue, so an empty queue still leaves a sample.
  CREATE TABLE analytics_queue_depth (
    minute   INTEGER NOT NULL,
    provider TEXT    NOT NULL,
    pending  INTEGER NOT NULL,
    running  INTEGER NOT NULL,
    failed   INTEGER NOT NULL,
    PRIMARY KEY (minute, provider)
  ) WITHOUT ROWID;
`;

const migrations: Migration[] = [
  {
    toVersion: 1,
    description: 'entries, totals and meta tables',
    apply(database) {
      database.exec(createVersion1);
    },
  },
  {
    toVersion: 2,
    description: 'totals per provider and data type; an expiry index covering size',
    apply(database) {
      database.exec(moveToGroupTotals);
    },
  },
  {
    toVersion: 3,
    description: 'shared rate limits and cool-downs',
    apply(database) {
      database.exec(addRateLimits);
    },
  },
  {
    toVersion: 4,
    description: 'the queue of background fetches',
    apply(database) {
      database.exec(addQueue);
    },
  },
  {
    toVersion: 5,
    description: 'rate limits also gate the moment requests are sent',
    apply(database) {
      // GCRA's arrival time again, over actual send times: a request that woke late pushes the next one back.
      database.exec('ALTER TABLE rate_limits ADD COLUMN send_due_at REAL NOT NULL DEFAULT 0');
    },
  },
  {
    toVersion: 6,
    description: 'analytics: counts and latency histograms per minute',
    apply(database) {
      database.exec(addAnalytics);
    },
  },
  {
    toVersion: 7,
    description: 'finished queue jobs found by when they finished',
    apply(database) {
      // Removing finished jobs walked every done row to find the old ones, inside a write transaction.
      database.exec('CREATE INDEX queue_by_finish ON queue_jobs (state, updated_at)');
    },
  },
  {
    toVersion: 8,
    description: 'queue jobs count the claims whose worker stopped without settling them',
    apply(database) {
      // A job that freezes or kills its worker was redelivered for ever: only a surviving worker counted attempts.
      database.exec('ALTER TABLE queue_jobs ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0');
    },
  },
  {
    toVersion: 9,
    description: 'entries stored while the shared tier was away, to write back to it',
    apply(database) {
      // Kept in the machine's database, not a process's memory: whichever of its processes sees the tier come back writes them back.
      database.exec('CREATE TABLE shared_write_backs (url TEXT PRIMARY KEY, added_at INTEGER NOT NULL)');
    },
  },
  {
    toVersion: 10,
    description: 'refreshes ahead of expiry counted per provider and day, against their daily budget',
    apply(database) {
      // In the database, not a worker's memory: every worker of the machine draws on one budget, and a restart does not reset it.
      database.exec('CREATE TABLE refresh_budget (provider TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (provider, day)) WITHOUT ROWID');
    },
  },
  {
    toVersion: 11,
    description: 'compressed payloads: codec, dictionary and decoded size per entry; dictionaries; decoded bytes per group',
    apply(database) {
      database.exec(addCompression);
    },
  },
  {
    toVersion: 12,
    description: 'queue totals kept by triggers; rate-limit grants per second; the queue depth per minute',
    apply(database) {
      database.exec(addDashboardHistory);
    },
  },
];

export function readSchemaVersion(database: Database.Database): number {
  return database.pragma('user_version', { simple: true }) as number;
}

/**
 * Refuses, before anything touches it, a database written by a newer datacache, and one that
 * datacache did not create: version 0 with tables in it is another program's (whats-now-playing's
 * `cached_data`, say), because datacache creates its tables and sets the version in one
 * transaction. An empty file is a new cache.
 */
export function assertSchemaSupported(database: Database.Database, databasePath: string): void {
  // The version and the table list from one snapshot: read apart, another process's migration
  // could commit between them (version 0, then its tables), and a new cache looked foreign.
  if (!database.inTransaction) {
    database.transaction(() => { assertSchemaSupported(database, databasePath); })();
    return;
  }
  const version = readSchemaVersion(database);
  if (version > CURRENT_SCHEMA_VERSION) throw new SchemaVersionError(databasePath, version, CURRENT_SCHEMA_VERSION);
  if (version > 0) return;
  const tables = (database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name);
  if (tables.length === 0) return;
  throw new ForeignDatabaseError(databasePath, tables.includes('cached_data') ? 'whats-now-playing' : 'unknown');
}

/** What `migrate` did: the versions applied. */
export interface MigrationResult {
  applied: number[];
}

/**
 * Applies the migrations the database still needs, up to `targetVersion` (the current one
 * unless a test builds an older database). Call inside a `BEGIN IMMEDIATE` transaction: the
 * version is read again under the write lock. Reports are returned rather than logged here,
 * so that nothing is reported for a transaction that then rolls back.
 */
export function migrate(database: Database.Database, databasePath: string, targetVersion = CURRENT_SCHEMA_VERSION): MigrationResult {
  assertSchemaSupported(database, databasePath);
  const result: MigrationResult = { applied: [] };
  for (const migration of migrations) {
    if (migration.toVersion > targetVersion) break;
    if (readSchemaVersion(database) >= migration.toVersion) continue;
    migration.apply(database);
    database.pragma(`user_version = ${migration.toVersion}`);
    result.applied.push(migration.toVersion);
  }
  return result;
}
