/**
 * What the machines coordinate through: rate limits (GCRA, one row per provider, the server's
 * clock), the analytics minutes, the machines themselves (a heartbeat each), and a little
 * shared state. Times are milliseconds since the epoch in the server's clock.
 */
export const COORDINATION_DDL = `
  CREATE TABLE rate_limits (
    provider        text PRIMARY KEY,
    next_due_at     double precision NOT NULL DEFAULT 0,
    send_due_at     double precision NOT NULL DEFAULT 0,
    cooldown_until  bigint NOT NULL DEFAULT 0,
    cooldown_reason text
  );

  CREATE TABLE analytics_counts (
    minute        bigint NOT NULL,
    provider      text   NOT NULL,
    data_type     text   NOT NULL,
    hits          bigint NOT NULL DEFAULT 0,
    misses        bigint NOT NULL DEFAULT 0,
    stale         bigint NOT NULL DEFAULT 0,
    fetches       bigint NOT NULL DEFAULT 0,
    errors        bigint NOT NULL DEFAULT 0,
    bytes_fetched bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, provider, data_type)
  );
  CREATE TABLE analytics_latency (
    minute bigint  NOT NULL,
    kind   text    NOT NULL CHECK (kind IN ('hit', 'fetch')),
    bucket integer NOT NULL,
    count  bigint  NOT NULL,
    PRIMARY KEY (minute, kind, bucket)
  );

  CREATE TABLE machines (
    process_id text   PRIMARY KEY,
    hostname   text   NOT NULL,
    cache_dir  text   NOT NULL,
    pid        integer NOT NULL,
    started_at bigint NOT NULL,
    last_seen  bigint NOT NULL
  );
  CREATE INDEX machines_by_last_seen ON machines (last_seen);

  CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
  );
`;
