import { systemClock, type Clock } from '../clock.js';
import type { Cooldown } from './gcra.js';
import { GRANT_HISTORY_SECONDS, type GrantCount, type LimitState, type RateLimitStore } from './rate-limit-store.js';

/**
 * Rate limits kept in this process only: the last store a limiter falls back to, when the
 * database (and any shared tier) cannot be used. Limits then hold per process instead of
 * shared, which is still better than none.
 */
export class InMemoryRateLimitStore implements RateLimitStore {
  private readonly rows = new Map<string, LimitState & { sendDueAt: number }>();
  /** Grants per provider, by second. */
  private readonly grants = new Map<string, Map<number, number>>();

  constructor(private readonly clock: Clock = systemClock) {}

  reserve<T>(provider: string, decide: (state: LimitState | undefined, now: number) => { result: T; nextDue?: number }): Promise<{ result: T; now: number }> {
    const now = this.clock.now();
    const { result, nextDue } = decide(this.rows.get(provider), now);
    if (nextDue !== undefined) this.row(provider).nextDueAt = nextDue;
    return Promise.resolve({ result, now });
  }

  passSendGate<T extends { pass: boolean; sendDueAt?: number }>(provider: string, plan: (sendDueAt: number, now: number) => T): Promise<T> {
    const row = this.row(provider);
    const now = this.clock.now();
    const decision = plan(row.sendDueAt, now);
    if (decision.pass) {
      if (decision.sendDueAt !== undefined) row.sendDueAt = decision.sendDueAt;
      this.countGrant(provider, Math.floor(now / 1000));
    }
    return Promise.resolve(decision);
  }

  giveBack(provider: string, intervalMs: number, nextDue: number): Promise<void> {
    const row = this.rows.get(provider);
    if (row !== undefined && row.nextDueAt === nextDue) row.nextDueAt -= intervalMs;
    return Promise.resolve();
  }

  setCooldown(provider: string, until: number, reason: string | null): Promise<void> {
    const row = this.row(provider);
    if (row.cooldownUntil < until) Object.assign(row, { cooldownUntil: until, cooldownReason: reason });
    return Promise.resolve();
  }

  clearCooldown(provider: string): Promise<void> {
    const row = this.rows.get(provider);
    if (row !== undefined) Object.assign(row, { cooldownUntil: 0, cooldownReason: null });
    return Promise.resolve();
  }

  activeCooldowns(): Promise<Record<string, Cooldown>> {
    const now = this.clock.now();
    const cooldowns = Object.create(null) as Record<string, Cooldown>;
    for (const [provider, row] of this.rows) if (row.cooldownUntil > now) cooldowns[provider] = { until: row.cooldownUntil, reason: row.cooldownReason };
    return Promise.resolve(cooldowns);
  }

  grantsSince(sinceSecond: number): Promise<{ grants: GrantCount[]; now: number }> {
    const grants: GrantCount[] = [];
    for (const [provider, seconds] of [...this.grants].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [second, count] of seconds) if (second >= sinceSecond) grants.push({ provider, second, grants: count });
    }
    return Promise.resolve({ grants, now: this.clock.now() });
  }

  now(): Promise<number> {
    return Promise.resolve(this.clock.now());
  }

  private countGrant(provider: string, second: number): void {
    let seconds = this.grants.get(provider);
    if (seconds === undefined) this.grants.set(provider, (seconds = new Map<number, number>()));
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
    // Seconds are added in order, so the oldest come first.
    for (const old of seconds.keys()) {
      if (old >= second - GRANT_HISTORY_SECONDS) break;
      seconds.delete(old);
    }
  }

  private row(provider: string): LimitState & { sendDueAt: number } {
    let row = this.rows.get(provider);
    if (row === undefined) this.rows.set(provider, (row = { nextDueAt: 0, cooldownUntil: 0, cooldownReason: null, sendDueAt: 0 }));
    return row;
  }
}
