import { SERVER_NOW_MS } from './schema.js';

/**
 * The shared queue's statements (pg-queue.ts runs them). Each is one statement, so one round
 * trip and its own transaction: a NOTIFY sent in it goes out when (and only if) it commits.
 * Times are reckoned in the server's clock, read once per statement (the `c` CTE), so machines'
 * clocks never meet in the table; times from a caller's clock arrive as delays from now.
 */

/** The channel every change that makes a job runnable is announced on (payload: its provider). */
export const QUEUE_CHANNEL = 'datacache_queue';

/** A job row as the statements return it, times in the server's clock, with the server's now beside them. */
export interface PgJobRow {
  id: number;
  url: string;
  provider: string;
  priority: number;
  request: string;
  state: 'ready' | 'waiting' | 'running' | 'done' | 'failed';
  attempts: number;
  abandoned: number;
  availableAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  leaseToken: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  /** The server's clock when the statement ran: what turns the times above into the caller's clock. */
  serverNow: number;
}

const CLOCK = `c AS (SELECT ${SERVER_NOW_MS} AS now)`;
/**
 * The server's now inside a WHERE clause: a scalar subquery is run once before the scan (an
 * InitPlan), so `available_at <= NOW` is an index condition. `c.now` joined from the CTE, or
 * clock_timestamp() itself (volatile), would make it a filter over every row of the index.
 */
const NOW = '(SELECT now FROM c)';
/**
 * One provider's ready jobs, in the per-provider index's order. Written as a range, not `=`:
 * with `provider = p.provider` the planner treats the provider as fixed, takes `queue_ready`
 * for the order and filters it, scanning past every other provider's backlog (27 ms with
 * 100,000 ready jobs of others, against 0.2 ms through `queue_ready_by_provider`).
 */
const PROVIDER_READY = `state = 'ready' AND provider >= p.provider AND provider <= p.provider ORDER BY provider, priority, id`;
const FINISHED = `q.state IN ('done', 'failed')`;
/**
 * A chain's step joining a waiting or running job without one (its `chain` absent or null)
 * takes its place, so the chain goes on: a running job's worker reads the row's chain when it
 * settles (as in SQLite).
 */
const CHAIN_JOINS = `q.state IN ('ready', 'waiting', 'running') AND jsonb_typeof(q.request::jsonb -> 'chain') IS DISTINCT FROM 'object' AND jsonb_typeof(excluded.request::jsonb -> 'chain') = 'object'`;

/** The columns of a PgJobRow from the row aliased `q` (the server's now from `now`, an SQL expression). */
function columns(now: string, alias = 'q'): string {
  return `${alias}.id, ${alias}.url, ${alias}.provider, ${alias}.priority, ${alias}.request, ${alias}.state, ${alias}.attempts, ${alias}.abandoned,
    ${alias}.available_at AS "availableAt", ${alias}.lease_owner AS "leaseOwner", ${alias}.lease_until AS "leaseUntil",
    ${alias}.lease_token AS "leaseToken", ${alias}.last_error AS "lastError", ${alias}.created_at AS "createdAt",
    ${alias}.updated_at AS "updatedAt", ${now} AS "serverNow"`;
}

/** Announces the providers of the rows of `rows` (a CTE with `state` and `provider`) that became ready. */
function announceReady(rows: string): string {
  return `(SELECT count(*) FROM (SELECT pg_notify('${QUEUE_CHANNEL}', p.provider) FROM (SELECT DISTINCT provider FROM ${rows} WHERE state = 'ready') p) n)`;
}

/** The state of a job that may run `delay` ms from now. */
const stateAfter = (delay: string): string => `CASE WHEN ${delay} > 0 THEN 'waiting' ELSE 'ready' END`;

/**
 * $1 url, $2 provider, $3 priority, $4 request. One row per URL, merged as in SQLite: a URL
 * waiting or running keeps its row, at the more urgent priority; a finished one starts afresh.
 * `before` locks the existing row first (FOR UPDATE waits for a concurrent change and sees its
 * result), so `added` is exact; a row inserted meanwhile by another machine shows as an update.
 */
export const ENQUEUE = `
  WITH ${CLOCK},
  before AS (SELECT state FROM queue_jobs WHERE url = $1 FOR UPDATE),
  up AS (
    INSERT INTO queue_jobs AS q (url, provider, priority, request, state, attempts, abandoned, available_at, created_at, updated_at)
    SELECT $1, $2, $3, $4, 'ready', 0, 0, c.now, c.now, c.now FROM c LEFT JOIN before ON true
    ON CONFLICT (url) DO UPDATE SET
      priority     = CASE WHEN ${FINISHED} THEN excluded.priority ELSE least(q.priority, excluded.priority) END,
      provider     = CASE WHEN ${FINISHED} THEN excluded.provider ELSE q.provider END,
      request      = CASE WHEN ${FINISHED} THEN excluded.request WHEN ${CHAIN_JOINS} THEN excluded.request ELSE q.request END,
      attempts     = CASE WHEN ${FINISHED} THEN 0 ELSE q.attempts END,
      abandoned    = CASE WHEN ${FINISHED} THEN 0 ELSE q.abandoned END,
      available_at = CASE WHEN ${FINISHED} THEN excluded.available_at ELSE q.available_at END,
      last_error   = CASE WHEN ${FINISHED} THEN NULL ELSE q.last_error END,
      created_at   = CASE WHEN ${FINISHED} THEN excluded.created_at ELSE q.created_at END,
      state        = CASE WHEN ${FINISHED} THEN 'ready' ELSE q.state END,
      updated_at   = excluded.updated_at
    RETURNING q.*, (q.xmax = 0 OR coalesce((SELECT state FROM before) IN ('done', 'failed'), false)) AS added
  ),
  announced AS (SELECT pg_notify('${QUEUE_CHANNEL}', provider) FROM up WHERE added)
  SELECT ${columns('c.now')}, q.added, (SELECT count(*) FROM announced) AS announced FROM up q, c`;

/** $1 owner, $2 limit, $3 lease ms: the most urgent ready jobs, oldest first, each with a new lease token. */
export const CLAIM = claimStatement(`SELECT id FROM queue_jobs WHERE state = 'ready' ORDER BY priority, id LIMIT $2 FOR UPDATE SKIP LOCKED`);

/**
 * The same for the providers in $4 (text[], no name twice): each provider's ready jobs in its
 * own index range (no scan past another provider's backlog), then the most urgent of those.
 * Rows locked in a provider's range but not taken are free again when the statement ends.
 */
export const CLAIM_PROVIDERS = claimStatement(`
  SELECT j.id FROM unnest($4::text[]) AS p(provider)
  CROSS JOIN LATERAL (
    SELECT id, priority FROM queue_jobs WHERE ${PROVIDER_READY} LIMIT $2 FOR UPDATE SKIP LOCKED
  ) j
  ORDER BY j.priority, j.id LIMIT $2`);

function claimStatement(picked: string): string {
  return `
  WITH ${CLOCK}, picked AS (${picked})
  UPDATE queue_jobs q SET state = 'running', lease_owner = $1, lease_until = c.now + $3::bigint,
    lease_token = nextval('queue_lease_tokens'), attempts = q.attempts + 1, updated_at = c.now
  FROM picked, c WHERE q.id = picked.id
  RETURNING ${columns('c.now')}`;
}

/**
 * $1 url, $2 provider, $3 owner, $4 request, $5 lease ms: takes the URL's row for a fetch now
 * (queued or not, merged as enqueue does at priority 0), unless another owner's lease on it is
 * still running: then no row comes back.
 */
export const CLAIM_URL = `
  WITH ${CLOCK}
  INSERT INTO queue_jobs AS q (url, provider, priority, request, state, attempts, abandoned, available_at, lease_owner, lease_until, lease_token, created_at, updated_at)
  SELECT $1, $2, 0, $4, 'running', 1, 0, c.now, $3, c.now + $5::bigint, nextval('queue_lease_tokens'), c.now, c.now FROM c
  ON CONFLICT (url) DO UPDATE SET
    priority     = CASE WHEN ${FINISHED} THEN excluded.priority ELSE least(q.priority, excluded.priority) END,
    provider     = CASE WHEN ${FINISHED} THEN excluded.provider ELSE q.provider END,
    request      = CASE WHEN ${FINISHED} THEN excluded.request ELSE q.request END,
    attempts     = CASE WHEN ${FINISHED} THEN 1 ELSE q.attempts + 1 END,
    abandoned    = CASE WHEN ${FINISHED} THEN 0 ELSE q.abandoned END,
    available_at = CASE WHEN ${FINISHED} THEN excluded.available_at ELSE q.available_at END,
    last_error   = CASE WHEN ${FINISHED} THEN NULL ELSE q.last_error END,
    created_at   = CASE WHEN ${FINISHED} THEN excluded.created_at ELSE q.created_at END,
    state = 'running', lease_owner = excluded.lease_owner, lease_until = excluded.lease_until,
    lease_token = excluded.lease_token, updated_at = excluded.updated_at
  WHERE NOT (q.state = 'running' AND q.lease_owner IS DISTINCT FROM excluded.lease_owner AND q.lease_until > excluded.updated_at)
  RETURNING ${columns('(SELECT now FROM c)')}`;

/** $1 url: how long the URL's current lease has left, and whose it is. */
export const LEASE_LEFT = `SELECT state, lease_owner AS "leaseOwner", lease_until - ${SERVER_NOW_MS} AS "leftMs" FROM queue_jobs WHERE url = $1`;

/** The claim a settling call names: job $1 running under owner $2 with token $3 (null: any token, for a job made by hand). */
const HELD = `q.id = $1 AND q.state = 'running' AND q.lease_owner = $2 AND ($3::bigint IS NULL OR q.lease_token = $3::bigint)`;
const UNLEASED = 'lease_owner = NULL, lease_until = NULL, lease_token = NULL';

/** $1 id, $2 owner, $3 token. */
export const COMPLETE = `
  UPDATE queue_jobs q SET state = 'done', ${UNLEASED}, last_error = NULL, updated_at = ${SERVER_NOW_MS} WHERE ${HELD}`;

/** $1 ids, $2 tokens (null: any), $3 owner: a batch completed in one statement. */
export const COMPLETE_ALL = `
  UPDATE queue_jobs q SET state = 'done', ${UNLEASED}, last_error = NULL, updated_at = c.now
  FROM unnest($1::bigint[], $2::bigint[]) AS s(id, token), (SELECT ${SERVER_NOW_MS} AS now) c
  WHERE q.id = s.id AND q.state = 'running' AND q.lease_owner = $3 AND (s.token IS NULL OR q.lease_token = s.token)`;

/** $1 id, $2 owner, $3 token, $4 error: failed for good. */
export const MARK_FAILED = `
  UPDATE queue_jobs q SET state = 'failed', ${UNLEASED}, last_error = $4, updated_at = ${SERVER_NOW_MS} WHERE ${HELD}`;

/**
 * $1 id, $2 owner, $3 token, $4 delay ms, $5 error (null: keep), $6 attempts to give back (0 or 1):
 * the job runs again `delay` from now (waiting until then; ready at once when the delay is not
 * positive, and announced). A retry and a release are both this.
 */
export const REQUEUE = `
  WITH ${CLOCK},
  u AS (
    UPDATE queue_jobs q SET state = ${stateAfter('$4::bigint')}, ${UNLEASED}, available_at = c.now + $4::bigint,
      last_error = coalesce($5, q.last_error), attempts = greatest(0, q.attempts - $6::integer), updated_at = c.now
    FROM c WHERE ${HELD}
    RETURNING q.state, q.provider)
  SELECT (SELECT count(*) FROM u) AS changed, ${announceReady('u')} AS announced`;

/** $1 id, $2 owner, $3 token, $4 lease ms. */
export const EXTEND = `UPDATE queue_jobs q SET lease_until = ${SERVER_NOW_MS} + $4::bigint WHERE ${HELD}`;

export const BY_URL = `SELECT ${columns('c.now')} FROM queue_jobs q, (SELECT ${SERVER_NOW_MS} AS now) c WHERE q.url = $1`;

/**
 * $1 batch size for promotions, $2 for lost leases. Moves due waiting jobs to ready (oldest due
 * first, at most $1, through the waiting index; announced), and lists up to $2 running jobs
 * whose lease ran out (through the leases index), for the policy to settle. Always one row
 * (`id` null when no lease ran out).
 */
export const HOUSEKEEPING = `
  WITH ${CLOCK},
  promoted AS (
    UPDATE queue_jobs q SET state = 'ready'
    FROM (SELECT id FROM queue_jobs WHERE state = 'waiting' AND available_at <= ${NOW} ORDER BY available_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
    WHERE q.id = due.id
    RETURNING q.state, q.provider)
  SELECT (SELECT count(*) FROM promoted) AS promoted, ${announceReady('promoted')} AS announced,
    e.id, e.attempts, e.abandoned, e.last_error AS "lastError", e.lease_token AS "leaseToken"
  FROM (SELECT 1) one LEFT JOIN LATERAL (
    SELECT id, attempts, abandoned, last_error, lease_token FROM queue_jobs
    WHERE state = 'running' AND lease_until <= ${NOW} ORDER BY lease_until LIMIT $2
  ) e ON true`;

/**
 * $1 ids, $2 tokens, $3 failed, $4 errors, $5 delays: settles leases that ran out as the policy
 * decided, each only if it is still the same claim and still ran out (a lease extended meanwhile
 * is left alone; another machine settling the same row changes nothing twice).
 */
export const SETTLE_LOST = `
  WITH ${CLOCK},
  u AS (
    UPDATE queue_jobs q SET
      state = CASE WHEN s.failed THEN 'failed' ELSE ${stateAfter('s.delay')} END,
      abandoned = q.abandoned + 1,
      last_error = CASE WHEN s.failed THEN s.error ELSE q.last_error END,
      available_at = CASE WHEN s.failed THEN q.available_at ELSE c.now + s.delay END,
      ${UNLEASED}, updated_at = c.now
    FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::text[], $5::bigint[]) AS s(id, token, failed, error, delay), c
    WHERE q.id = s.id AND q.state = 'running' AND q.lease_token IS NOT DISTINCT FROM s.token AND q.lease_until <= c.now
    RETURNING q.state, q.provider)
  SELECT (SELECT count(*) FROM u) AS settled, ${announceReady('u')} AS announced`;

/**
 * Whether a ready job is there (of the providers in $1 when `filtered`): an ordered probe of
 * the ready index (as a scalar subquery: EXISTS would drop the ORDER BY, and the planner then
 * scans the table, expecting ready rows everywhere).
 */
function readyExists(filtered: boolean): string {
  return filtered
    ? `(SELECT 1 FROM unnest($1::text[]) AS p(provider) CROSS JOIN LATERAL (
         SELECT 1 FROM queue_jobs WHERE ${PROVIDER_READY} LIMIT 1) j LIMIT 1) IS NOT NULL`
    : `(SELECT 1 FROM queue_jobs WHERE state = 'ready' ORDER BY priority, id LIMIT 1) IS NOT NULL`;
}

/** Whether a claim now would find something: a ready job, a due waiting one, or a lease that ran out. Each an index probe. */
export const RUNNABLE = runnable(false);
/** The same, for the providers in $1 (text[]). */
export const RUNNABLE_PROVIDERS = runnable(true);

function runnable(filtered: boolean): string {
  const filter = filtered ? ' AND provider = ANY($1::text[])' : '';
  return `
  WITH ${CLOCK}
  SELECT ${readyExists(filtered)}
    OR (SELECT 1 FROM queue_jobs WHERE state = 'waiting' AND available_at <= ${NOW}${filter} ORDER BY available_at LIMIT 1) IS NOT NULL
    OR (SELECT 1 FROM queue_jobs WHERE state = 'running' AND lease_until <= ${NOW}${filter} ORDER BY lease_until LIMIT 1) IS NOT NULL AS runnable`;
}

/**
 * How long until the next job is runnable (a waiting one falls due, a lease runs out), in ms
 * from the server's now: 0 when a ready job is there already, null when nothing is pending.
 */
export const NEXT_DUE_IN = `
  WITH ${CLOCK}
  SELECT CASE WHEN ${readyExists(false)} THEN 0
    ELSE least(
      (SELECT available_at FROM queue_jobs WHERE state = 'waiting' ORDER BY available_at LIMIT 1),
      (SELECT lease_until FROM queue_jobs WHERE state = 'running' ORDER BY lease_until LIMIT 1)) - ${NOW}
  END AS "dueInMs"`;

/** The contract's states: ready and waiting are both `pending`. */
const CONTRACT_STATE = `CASE WHEN state IN ('ready', 'waiting') THEN 'pending' ELSE state END`;

export const COUNTS = `SELECT ${CONTRACT_STATE} AS state, priority, provider, count(*) AS jobs FROM queue_jobs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

/** $1 states (text[], null: all), $2 limit: running first, then pending by priority, failed, done. */
export const LIST = `
  SELECT ${columns('c.now')} FROM queue_jobs q, (SELECT ${SERVER_NOW_MS} AS now) c
  WHERE $1::text[] IS NULL OR q.state = ANY($1::text[])
  ORDER BY CASE WHEN q.state = 'running' THEN 0 WHEN q.state IN ('ready', 'waiting') THEN 1 WHEN q.state = 'failed' THEN 2 ELSE 3 END, q.priority, q.id
  LIMIT $2`;

/** $1 limit: latest first, through the errors index. */
export const RECENT_ERRORS = `
  SELECT ${columns('c.now')} FROM queue_jobs q, (SELECT ${SERVER_NOW_MS} AS now) c
  WHERE q.last_error IS NOT NULL ORDER BY q.updated_at DESC, q.id DESC LIMIT $1`;

/** $1 state ('done' or 'failed'), $2 retention ms, $3 batch size: the oldest of them, skipping rows another machine is removing. */
export const REMOVE_FINISHED = `
  DELETE FROM queue_jobs WHERE id IN (
    SELECT id FROM queue_jobs WHERE state = $1 AND updated_at <= (SELECT ${SERVER_NOW_MS} - $2::bigint) ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)`;

export const RETRY_FAILED = `
  WITH ${CLOCK},
  u AS (
    UPDATE queue_jobs q SET state = 'ready', attempts = 0, abandoned = 0, available_at = c.now, updated_at = c.now
    FROM c WHERE q.state = 'failed'
    RETURNING q.state, q.provider)
  SELECT (SELECT count(*) FROM u) AS changed, ${announceReady('u')} AS announced`;

export const CLEAR = `DELETE FROM queue_jobs WHERE state <> 'running'`;
