import type { Cooldown } from './gcra.js';

/** A provider's row: GCRA's next-due time, and any cool-down. Times in the store's clock, ms since the epoch. */
export interface LimitState {
  nextDueAt: number;
  cooldownUntil: number;
  cooldownReason: string | null;
}

/** Requests a provider's send gate let through in one second (`second`: seconds since the epoch, in the store's clock). */
export interface GrantCount {
  provider: string;
  second: number;
  grants: number;
}

/** How long stores keep the grants per second: the live view shows the last minute or so. */
export const GRANT_HISTORY_SECONDS = 600;

/**
 * Where rate limits and cool-downs are kept, so that every process (and, with a shared tier,
 * every machine) sees the same ones. The arithmetic (GCRA, the send gate) is the limiter's,
 * written once; a store keeps rows under a lock and says what time it is: the process's clock
 * for SQLite, the server's for PostgreSQL, so machines' clocks do not matter.
 *
 * A store that cannot be reached throws an error `isDatabaseFault` recognises; the limiter then
 * asks the next store in its list.
 */
export interface RateLimitStore {
  /**
   * Under the store's lock: reads `provider`'s row, lets `decide` plan from it and the store's
   * time, and saves the next-due time `decide` returns, if any, before the lock is let go.
   */
  reserve<T>(provider: string, decide: (state: LimitState | undefined, now: number) => { result: T; nextDue?: number }): Promise<{ result: T; now: number }>;
  /**
   * The send gate under the store's lock: lets `plan` decide from the provider's send-due time
   * and the store's time, and saves the new send-due time when it passes. A pass is counted
   * as a grant in the second it happened, and grants older than GRANT_HISTORY_SECONDS go.
   */
  passSendGate<T extends { pass: boolean; sendDueAt?: number }>(provider: string, plan: (sendDueAt: number, now: number) => T): Promise<T>;
  /** Hands a reserved slot back: moves next-due back by `intervalMs` if nothing was reserved behind it. */
  giveBack(provider: string, intervalMs: number, nextDue: number): Promise<void>;
  /** Holds the provider until `until` (epoch ms); an earlier deadline never shortens a later one. */
  setCooldown(provider: string, until: number, reason: string | null): Promise<void>;
  clearCooldown(provider: string): Promise<void>;
  /** The cool-downs in force now, by provider. */
  activeCooldowns(): Promise<Record<string, Cooldown>>;
  /** The grants counted since `sinceSecond` (seconds since the epoch), with the store's time now (ms). */
  grantsSince(sinceSecond: number): Promise<{ grants: GrantCount[]; now: number }>;
  /** The store's time now (ms since the epoch). */
  now(): Promise<number>;
}
