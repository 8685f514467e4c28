/**
 * The shared queue. Jobs that may run now are `ready`; jobs waiting for a time (a backoff, a
 * cool-down) are `waiting` and live in their own partial index, so a claim reads the ready
 * index alone however many jobs wait (a queue that filtered `available_at <= now` in its claim
 * index fell from thousands of claims a second to 88 with 100,000 deferred jobs). Due waiting
 * jobs are moved to `ready` in small batches, found through `queue_waiting`; leases that ran out
 * are found through `queue_leases` (pg-queue-housekeeping.ts).
 * `lease_token` fences a claim: each claim takes a new number, and settling a job checks it.
 * `queue_errors` holds only the rows with an error, so the dashboard's latest errors never read
 * the whole table.
 */
export const QUEUE_DDL = `
  CREATE SEQUENCE queue_lease_tokens;
  CREATE TABLE queue_jobs (
    id           bigserial PRIMARY KEY,
    url          text    NOT NULL UNIQUE,
    provider     text    NOT NULL,
    priority     integer NOT NULL,
    request      text    NOT NULL,
    state        text    NOT NULL CHECK (state IN ('ready', 'waiting', 'running', 'done', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    abandoned    integer NOT NULL DEFAULT 0,
    available_at bigint  NOT NULL,
    lease_owner  text,
    lease_until  bigint,
    lease_token  bigint,
    last_error   text,
    created_at   bigint  NOT NULL,
    updated_at   bigint  NOT NULL
  );
  CREATE INDEX queue_ready ON queue_jobs (priority, id) WHERE state = 'ready';
  CREATE INDEX queue_ready_by_provider ON queue_jobs (provider, priority, id) WHERE state = 'ready';
  CREATE INDEX queue_waiting ON queue_jobs (available_at) WHERE state = 'waiting';
  CREATE INDEX queue_leases ON queue_jobs (lease_until) WHERE state = 'running';
  CREATE INDEX queue_finished ON queue_jobs (state, updated_at) WHERE state IN ('done', 'failed');
  CREATE INDEX queue_errors ON queue_jobs (updated_at, id) WHERE last_error IS NOT NULL;
`;
