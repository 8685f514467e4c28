import type { PoolClient } from 'pg';
import { systemClock, type Clock } from '../../clock.js';
import type { Cooldown } from '../../ratelimit/gcra.js';
import { GRANT_HISTORY_SECONDS, type GrantCount, type LimitState, type RateLimitStore } from '../../ratelimit/rate-limit-store.js';
import type { PostgresTier } from './postgres-tier.js';
import { SERVER_NOW_MS } from './schema.js';

interface LockedRow {
  nextDueAt: number;
  sendDueAt: number;
  cooldownUntil: number;
  cooldownReason: string | null;
  now: number;
}

/**
 * The provider's row, locked until the transaction ends, with the server's time read once the
 * lock is held. The clock is read in the outer query on purpose: in a plain `SELECT …, now FOR
 * UPDATE` it is evaluated before the lock wait (measured: 300 ms early behind a holder that did
 * not update the row), and a `now` from before the wait would put a slot in the past.
 */
const LOCK_ROW = `
  SELECT locked.next_due_at AS "nextDueAt", locked.send_due_at AS "sendDueAt",
         locked.cooldown_until AS "cooldownUntil", locked.cooldown_reason AS "cooldownReason", ${SERVER_NOW_MS} AS now
  FROM (SELECT next_due_at, send_due_at, cooldown_until, cooldown_reason FROM rate_limits WHERE provider = $1 FOR UPDATE) AS locked`;

/**
 * A pass of the send gate in one round trip: the new send-due time, the grant counted in its
 * second, and that provider's grants older than the history dropped. $1 provider, $2 send-due
 * time, $3 the second, $4 the oldest second kept.
 */
const PASS_GATE = `
  WITH gate AS (UPDATE rate_limits SET send_due_at = $2 WHERE provider = $1),
       counted AS (INSERT INTO rate_grants AS counts (provider, second, grants) VALUES ($1, $3, 1)
                   ON CONFLICT (provider, second) DO UPDATE SET grants = counts.grants + 1)
  DELETE FROM rate_grants WHERE provider = $1 AND second < $4`;

/** A provider seen for the first time: its row, locked by this insert, and the server's time. */
const INSERT_ROW = `INSERT INTO rate_limits (provider) VALUES ($1) ON CONFLICT (provider) DO NOTHING RETURNING ${SERVER_NOW_MS} AS now`;

/**
 * Rate limits and cool-downs in the shared tier (table `rate_limits`, one row per provider), so
 * that every machine draws on one budget. The server's clock (`clock_timestamp()`) is the only
 * clock: machines' clocks may differ by seconds, and a limit reckoned in each one's would let
 * them overlap. Each decision is made under the row's lock (`SELECT … FOR UPDATE`), in the
 * limiter's code (GCRA is written once); a reserve costs four round trips: BEGIN, the locked
 * read with the server's time, the UPDATE, COMMIT (three when nothing is saved).
 *
 * Faults reaching the server come out of the tier as SharedTierUnavailableError, which the
 * limiter takes as its cue to use the next store (the machine's own).
 */
export class PgRateLimitStore implements RateLimitStore {
  constructor(
    private readonly tier: PostgresTier,
    /**
     * The clock the limiter's callers reckon deadlines in (a cool-down's `until`): only used to
     * turn such a deadline into a duration, which is then counted in the server's clock.
     */
    private readonly clock: Clock = systemClock,
  ) {}

  reserve<T>(provider: string, decide: (state: LimitState | undefined, now: number) => { result: T; nextDue?: number }): Promise<{ result: T; now: number }> {
    return this.tier.transaction(async (client) => {
      const { state, now } = await lockRow(client, provider);
      const { result, nextDue } = decide(state === undefined ? undefined : { nextDueAt: state.nextDueAt, cooldownUntil: state.cooldownUntil, cooldownReason: state.cooldownReason }, now);
      if (nextDue !== undefined) await client.query('UPDATE rate_limits SET next_due_at = $2 WHERE provider = $1', [provider, nextDue]);
      return { result, now };
    });
  }

  passSendGate<T extends { pass: boolean; sendDueAt?: number }>(provider: string, plan: (sendDueAt: number, now: number) => T): Promise<T> {
    return this.tier.transaction(async (client) => {
      const { state, now } = await lockRow(client, provider);
      const decision = plan(state?.sendDueAt ?? 0, now);
      if (decision.pass) {
        const second = Math.floor(now / 1000);
        await client.query(PASS_GATE, [provider, decision.sendDueAt ?? state?.sendDueAt ?? 0, second, second - GRANT_HISTORY_SECONDS]);
      }
      return decision;
    });
  }

  async giveBack(provider: string, intervalMs: number, nextDue: number): Promise<void> {
    // Only if nothing was reserved behind it: next-due is still what this reservation made it.
    await this.tier.query('UPDATE rate_limits SET next_due_at = next_due_at - $2 WHERE provider = $1 AND next_due_at = $3', [provider, intervalMs, nextDue]);
  }

  /**
   * `until` is in the caller's clock (now + Retry-After, as the fetch code reckons it); it is
   * kept as the same delay from the server's now, so a machine whose clock is behind cannot set
   * a cool-down that has already ended for everyone else.
   */
  async setCooldown(provider: string, until: number, reason: string | null): Promise<void> {
    const delayMs = Math.round(until - this.clock.now());
    await this.tier.query(
      `INSERT INTO rate_limits (provider, cooldown_until, cooldown_reason) VALUES ($1, ${SERVER_NOW_MS} + $2::bigint, $3)
       ON CONFLICT (provider) DO UPDATE SET cooldown_until = excluded.cooldown_until, cooldown_reason = excluded.cooldown_reason
       WHERE rate_limits.cooldown_until < excluded.cooldown_until`,
      [provider, delayMs, reason],
    );
  }

  async clearCooldown(provider: string): Promise<void> {
    await this.tier.query('UPDATE rate_limits SET cooldown_until = 0, cooldown_reason = NULL WHERE provider = $1', [provider]);
  }

  /** In force by the server's clock; deadlines in it too, as the limiter's decisions see them. */
  async activeCooldowns(): Promise<Record<string, Cooldown>> {
    const { rows } = await this.tier.query<{ provider: string; until: number; reason: string | null }>(
      `SELECT provider, cooldown_until AS until, cooldown_reason AS reason FROM rate_limits WHERE cooldown_until > ${SERVER_NOW_MS}`,
    );
    const cooldowns = Object.create(null) as Record<string, Cooldown>;
    for (const row of rows) cooldowns[row.provider] = { until: row.until, reason: row.reason };
    return cooldowns;
  }

  async grantsSince(sinceSecond: number): Promise<{ grants: GrantCount[]; now: number }> {
    const [grants, now] = await Promise.all([
      this.tier.query<GrantCount>('SELECT provider, second, grants FROM rate_grants WHERE second >= $1 ORDER BY provider, second', [sinceSecond]),
      this.tier.now(),
    ]);
    return { grants: grants.rows, now };
  }

  now(): Promise<number> {
    return this.tier.now();
  }
}

/**
 * Locks `provider`'s row and reads the server's time. A provider without a row gets one (the
 * insert is made only then, not on every reserve); `state` is undefined when this call made it,
 * as a missing row reads in the other stores.
 */
async function lockRow(client: PoolClient, provider: string): Promise<{ state: Omit<LockedRow, 'now'> | undefined; now: number }> {
  for (;;) {
    const found = await client.query<LockedRow>(LOCK_ROW, [provider]);
    const row = found.rows[0];
    if (row !== undefined) return { state: row, now: row.now };
    const inserted = await client.query<{ now: number }>(INSERT_ROW, [provider]);
    const made = inserted.rows[0];
    if (made !== undefined) return { state: undefined, now: made.now };
    // Another machine inserted it since the read: lock theirs.
  }
}
