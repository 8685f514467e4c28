import { systemClock, type Clock } from '../../clock.js';
import type { Cooldown } from '../../ratelimit/gcra.js';
import { GRANT_HISTORY_SECONDS, type GrantCount, type LimitState, type RateLimitStore } from '../../ratelimit/rate-limit-store.js';
import type { SqliteConnection } from './connection.js';

/**
 * Rate limits and cool-downs in the cache database (table `rate_limits`), one row per provider,
 * read and written under SQLite's write lock: shared by every process on the machine. Its
 * clock is the process's (the machine's processes share one).
 */
export class SqliteRateLimitStore implements RateLimitStore {
  private readonly statements;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly clock: Clock = systemClock,
  ) {
    const database = connection.database;
    this.statements = {
      read: database.prepare<[string], LimitState>(
        'SELECT next_due_at AS nextDueAt, cooldown_until AS cooldownUntil, cooldown_reason AS cooldownReason FROM rate_limits WHERE provider = ?',
      ),
      coolingDown: database.prepare<[number], { provider: string; cooldownUntil: number; cooldownReason: string | null }>(
        'SELECT provider, cooldown_until AS cooldownUntil, cooldown_reason AS cooldownReason FROM rate_limits WHERE cooldown_until > ?',
      ),
      sendDueAt: database.prepare<[string], number>('SELECT send_due_at FROM rate_limits WHERE provider = ?').pluck(),
      setSendDue: database.prepare<[number, string]>('UPDATE rate_limits SET send_due_at = ? WHERE provider = ?'),
      setNextDue: database.prepare<[string, number]>(
        'INSERT INTO rate_limits (provider, next_due_at) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET next_due_at = excluded.next_due_at',
      ),
      giveBack: database.prepare<[number, string, number]>('UPDATE rate_limits SET next_due_at = next_due_at - ? WHERE provider = ? AND next_due_at = ?'),
      setCooldown: database.prepare<[string, number, string | null, number]>(`
        INSERT INTO rate_limits (provider, next_due_at, cooldown_until, cooldown_reason) VALUES (?, 0, ?, ?)
        ON CONFLICT (provider) DO UPDATE SET cooldown_until = excluded.cooldown_until, cooldown_reason = excluded.cooldown_reason
        WHERE rate_limits.cooldown_until < ?`),
      countGrant: database.prepare<[string, number]>(
        'INSERT INTO rate_grants (provider, second, grants) VALUES (?, ?, 1) ON CONFLICT (provider, second) DO UPDATE SET grants = grants + 1',
      ),
      forgetGrants: database.prepare<[string, number]>('DELETE FROM rate_grants WHERE provider = ? AND second < ?'),
      grantsSince: database.prepare<[number], GrantCount>('SELECT provider, second, grants FROM rate_grants WHERE second >= ? ORDER BY provider, second'),
      clearCooldown: database.prepare<[string]>('UPDATE rate_limits SET cooldown_until = 0, cooldown_reason = NULL WHERE provider = ?'),
    };
  }

  reserve<T>(provider: string, decide: (state: LimitState | undefined, now: number) => { result: T; nextDue?: number }): Promise<{ result: T; now: number }> {
    return this.connection.write('acquiring a rate-limit token', () => {
      const now = this.clock.now();
      const { result, nextDue } = decide(this.statements.read.get(provider), now);
      if (nextDue !== undefined) this.statements.setNextDue.run(provider, nextDue);
      return { result, now };
    });
  }

  passSendGate<T extends { pass: boolean; sendDueAt?: number }>(provider: string, plan: (sendDueAt: number, now: number) => T): Promise<T> {
    return this.connection.write('passing the send gate', () => {
      const now = this.clock.now();
      const decision = plan(this.statements.sendDueAt.get(provider) ?? 0, now);
      if (decision.pass) {
        if (decision.sendDueAt !== undefined) this.statements.setSendDue.run(decision.sendDueAt, provider);
        const second = Math.floor(now / 1000);
        this.statements.countGrant.run(provider, second);
        this.statements.forgetGrants.run(provider, second - GRANT_HISTORY_SECONDS);
      }
      return decision;
    });
  }

  async giveBack(provider: string, intervalMs: number, nextDue: number): Promise<void> {
    await this.connection.write('handing back a rate-limit token', () => this.statements.giveBack.run(intervalMs, provider, nextDue));
  }

  async setCooldown(provider: string, until: number, reason: string | null): Promise<void> {
    await this.connection.write('setting a cool-down', () => this.statements.setCooldown.run(provider, until, reason, until));
  }

  async clearCooldown(provider: string): Promise<void> {
    await this.connection.write('clearing a cool-down', () => this.statements.clearCooldown.run(provider));
  }

  async activeCooldowns(): Promise<Record<string, Cooldown>> {
    const rows = await this.connection.read('reading cool-downs', () => this.statements.coolingDown.all(this.clock.now()));
    const cooldowns = Object.create(null) as Record<string, Cooldown>;
    for (const row of rows) cooldowns[row.provider] = { until: row.cooldownUntil, reason: row.cooldownReason };
    return cooldowns;
  }

  async grantsSince(sinceSecond: number): Promise<{ grants: GrantCount[]; now: number }> {
    const grants = await this.connection.read('reading rate-limit grants', () => this.statements.grantsSince.all(sinceSecond));
    return { grants, now: this.clock.now() };
  }

  now(): Promise<number> {
    return Promise.resolve(this.clock.now());
  }
}
