import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../clock.js';
import { InvalidArgumentError, isDatabaseFault, ProviderCoolingDownError, RateLimitWaitError } from '../errors.js';
import type { SqliteConnection } from '../storage/sqlite/connection.js';
import { describeValue, optionalFiniteNumber, requireFiniteNumber, requireName, requireOptionsObject } from '../validation.js';
import type { RateLimit } from './provider-limits.js';

/** Live requests (the track playing now) are served before background work. */
export type RequestPriority = 'live' | 'background';

export interface AcquireOptions {
  /** Default 'live'. */
  priority?: RequestPriority;
  signal?: AbortSignal;
  /**
   * Longest wait for a token. A live request that would wait longer fails at once with
   * RateLimitWaitError instead of queueing. Default: 10 000 ms for live, no limit for background.
   */
  maxWaitMs?: number;
}

export interface Grant {
  provider: string;
  /** The slot reserved for this request, epoch ms: slots of one provider are at least 1 / rate apart, beyond the burst. */
  slotAt: number;
  /** When the request may go, epoch ms: the moment acquire() resolved. */
  grantedAt: number;
  waitedMs: number;
}

export interface Cooldown {
  until: number;
  reason: string | null;
}

/**
 * How much wider than the limit requests are spaced: 5 % of the interval, at most 50 ms. The
 * limit is the origin's, and requests reach it 10-25 ms late or early on a loaded machine
 * (measured); spaced exactly at the limit, one late arrival and one early put a request too
 * many into a one-second window at the server. A guard of 5 % tolerates 50 ms of jitter at any
 * rate (three arrivals share a second only if the jitter spread exceeds rate × guard) and keeps
 * 95.2 % of the allowed rate.
 */
export function spacingMs(limit: RateLimit): number {
  const intervalMs = 1000 / limit.ratePerSecond;
  return intervalMs + Math.min(50, intervalMs * 0.05);
}

/** GCRA: the slot a request may take given when the next one is due, or why it may not take one now. */
function planSlot(nextDueAt: number, now: number, limit: RateLimit, priority: RequestPriority, maxWaitMs: number): Decision {
  if (limit.ratePerSecond === Infinity) return { kind: 'granted', slot: now, nextDue: now };
  const intervalMs = spacingMs(limit);
  const nextDue = nextDueAt > now + LONGEST_PLAUSIBLE_QUEUE_MS ? now : nextDueAt; // the wall clock went back
  const slot = Math.max(now, nextDue - (limit.burst - 1) * intervalMs);
  const waitMs = slot - now;
  if (priority === 'background' && waitMs > 0) return { kind: 'later', waitMs };
  if (waitMs > maxWaitMs) return { kind: 'too long', waitMs };
  return { kind: 'granted', slot, nextDue: Math.max(nextDue, slot) + intervalMs };
}

/** Sleeps; an abort rejects with the signal's reason, as fetch does, not a generic AbortError. */
async function sleepFor(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(milliseconds, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

function validatePriority(value: unknown): RequestPriority {
  if (value === undefined) return 'live';
  if (value === 'live' || value === 'background') return value;
  throw new InvalidArgumentError(`priority must be 'live' or 'background', got ${describeValue(value)}.`);
}

/** A reservation further ahead than this can only come from the wall clock jumping back. */
const LONGEST_PLAUSIBLE_QUEUE_MS = 60 * 60 * 1000;
const DEFAULT_LIVE_MAX_WAIT_MS = 10_000;

type Decision =
  | { kind: 'granted'; slot: number; nextDue: number }
  | { kind: 'later'; waitMs: number }
  | { kind: 'too long'; waitMs: number }
  | { kind: 'cooling down'; cooldown: Cooldown };

/**
 * Rate limits and cool-downs shared by every process of a cache, kept in its database.
 *
 * Each provider has one row holding GCRA's "theoretical arrival time": the moment the next
 * request is due if requests are spaced `1 / ratePerSecond` apart, with `burst` allowed at
 * once. An acquire reserves the next slot under the write lock and then sleeps until exactly
 * that moment (no polling), so requests from all processes go out in the order they asked,
 * never more than `ratePerSecond × W + burst` in any window W.
 *
 * Live requests reserve slots ahead of time; background requests take a slot only when one is
 * free now, and otherwise sleep until it would be and ask again. So a live request that
 * arrives while background work is waiting is served first.
 *
 * @example
 * const limiter = new SharedRateLimiter(storage.sharedConnection(), resolveRateLimits({ musicbrainz: { ratePerSecond: 1 } }));
 * await limiter.acquire('musicbrainz'); // resolves when this process may send its request
 */
export class SharedRateLimiter {
  private readonly statements;
  /** Used only while the database cannot be: limits then hold per process instead of shared. */
  private readonly localNextDue = new Map<string, number>();

  constructor(
    private readonly connection: SqliteConnection,
    /** Each provider's limit, as configured. */
    readonly limitOf: (provider: string) => RateLimit,
    private readonly clock: Clock = systemClock,
  ) {
    const database = connection.database;
    this.statements = {
      read: database.prepare<[string], { nextDueAt: number; cooldownUntil: number; cooldownReason: string | null }>(
        'SELECT next_due_at AS nextDueAt, cooldown_until AS cooldownUntil, cooldown_reason AS cooldownReason FROM rate_limits WHERE provider = ?',
      ),
      coolingDown: database.prepare<[number], { provider: string; cooldownUntil: number; cooldownReason: string | null }>(
        'SELECT provider, cooldown_until AS cooldownUntil, cooldown_reason AS cooldownReason FROM rate_limits WHERE cooldown_until > ?',
      ),
      passSendGate: database.prepare<[{ provider: string; now: number; intervalMs: number; toleranceMs: number }], number>(`
        UPDATE rate_limits SET send_due_at = max(send_due_at, @now) + @intervalMs
        WHERE provider = @provider AND send_due_at - @toleranceMs <= @now
        RETURNING send_due_at`).pluck(),
      sendDueAt: database.prepare<[string], number>('SELECT send_due_at FROM rate_limits WHERE provider = ?').pluck(),
      setNextDue: database.prepare<[string, number]>(
        'INSERT INTO rate_limits (provider, next_due_at) VALUES (?, ?) ON CONFLICT (provider) DO UPDATE SET next_due_at = excluded.next_due_at',
      ),
      giveBack: database.prepare<[number, string, number]>(
        'UPDATE rate_limits SET next_due_at = next_due_at - ? WHERE provider = ? AND next_due_at = ?',
      ),
      setCooldown: database.prepare<[string, number, string | null, number]>(`
        INSERT INTO rate_limits (provider, next_due_at, cooldown_until, cooldown_reason) VALUES (?, 0, ?, ?)
        ON CONFLICT (provider) DO UPDATE SET cooldown_until = excluded.cooldown_until, cooldown_reason = excluded.cooldown_reason
        WHERE rate_limits.cooldown_until < ?`),
      clearCooldown: database.prepare<[string]>('UPDATE rate_limits SET cooldown_until = 0, cooldown_reason = NULL WHERE provider = ?'),
    };
  }

  /**
   * Resolves when a request to `provider` may go out, having taken a token. Rejects with
   * ProviderCoolingDownError during a cool-down, RateLimitWaitError when the wait would exceed
   * `maxWaitMs`, or the signal's reason when aborted (the reserved slot is handed back if no
   * request queued behind it).
   */
  async acquire(provider: string, options?: AcquireOptions): Promise<Grant> {
    requireName('provider', provider);
    const settings = requireOptionsObject('acquire options', options);
    const priority = validatePriority(settings.priority);
    const maxWaitMs =
      settings.maxWaitMs === undefined
        ? priority === 'live'
          ? DEFAULT_LIVE_MAX_WAIT_MS
          : Infinity
        : settings.maxWaitMs === Infinity
          ? Infinity
          : requireFiniteNumber('maxWaitMs', settings.maxWaitMs, { min: 0 });
    const signal = settings.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`signal must be an AbortSignal, got ${describeValue(signal)}.`);
    }
    const started = this.clock.now();
    const limit = this.limitOf(provider);
    const intervalMs = limit.ratePerSecond === Infinity ? 0 : spacingMs(limit);

    for (;;) {
      signal?.throwIfAborted();
      let decision: Decision;
      try {
        decision = await this.connection.write('acquiring a rate-limit token', () => this.decide(provider, limit, priority, maxWaitMs));
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
        decision = this.decideLocally(provider, limit, priority, maxWaitMs);
      }
      switch (decision.kind) {
        case 'cooling down':
          throw new ProviderCoolingDownError(provider, decision.cooldown.until, decision.cooldown.reason);
        case 'too long':
          throw new RateLimitWaitError(provider, decision.waitMs, maxWaitMs);
        case 'later':
          // Sleep until a slot would be free, with a little jitter so waiters do not collide.
          await sleepFor(decision.waitMs + Math.random() * Math.min(50, intervalMs / 4), signal);
          continue;
        case 'granted':
          try {
            await this.sleepUntil(decision.slot, signal);
            if (limit.ratePerSecond !== Infinity) await this.passSendGate(provider, limit, signal);
          } catch (error) {
            if (intervalMs > 0) {
              await this.connection
                .write('handing back a rate-limit token', () => this.statements.giveBack.run(intervalMs, provider, decision.nextDue))
                .catch(() => undefined);
            }
            throw error;
          }
          return { provider, slotAt: decision.slot, grantedAt: this.clock.now(), waitedMs: this.clock.now() - started };
      }
    }
  }

  /**
   * Tells every process to hold requests to `provider` until `until` (epoch ms), as a 429 or
   * 503 with Retry-After asks. An earlier deadline never shortens a later one.
   */
  async setCooldown(provider: string, until: number, reason?: string): Promise<void> {
    requireName('provider', provider);
    optionalFiniteNumber('until', until, 0, { min: 0 });
    await this.connection.write('setting a cool-down', () => this.statements.setCooldown.run(provider, until, reason ?? null, until));
  }

  async clearCooldown(provider: string): Promise<void> {
    requireName('provider', provider);
    await this.connection.write('clearing a cool-down', () => this.statements.clearCooldown.run(provider));
  }

  /** The provider's current cool-down, or null. */
  async cooldownOf(provider: string): Promise<Cooldown | null> {
    requireName('provider', provider);
    const row = await this.connection.read('reading a cool-down', () => this.statements.read.get(provider));
    return row !== undefined && row.cooldownUntil > this.clock.now() ? { until: row.cooldownUntil, reason: row.cooldownReason } : null;
  }

  /** Every provider cooling down now, whichever process set it, by name. */
  async activeCooldowns(): Promise<Record<string, Cooldown>> {
    const rows = await this.connection.read('reading cool-downs', () => this.statements.coolingDown.all(this.clock.now()));
    const cooldowns = Object.create(null) as Record<string, Cooldown>;
    for (const row of rows) cooldowns[row.provider] = { until: row.cooldownUntil, reason: row.cooldownReason };
    return cooldowns;
  }

  /**
   * The second gate, on the moment of sending: GCRA over actual send times, with the same
   * widened spacing. Reservations alone space requests only as planned; a process that wakes
   * late (a pause, a busy machine: 50 ms was measured) would let the next request follow it too
   * closely. Here the late one pushes the next back instead, and the widening still absorbs
   * jitter between this gate and the origin. Rarely waits.
   */
  private async passSendGate(provider: string, limit: RateLimit, signal: AbortSignal | undefined): Promise<void> {
    const intervalMs = spacingMs(limit);
    const toleranceMs = (limit.burst - 1) * intervalMs;
    for (;;) {
      const now = this.clock.now();
      let passed: boolean;
      let sendDueAt = 0;
      try {
        passed = await this.connection.write('passing the send gate', () => {
          if (this.statements.passSendGate.get({ provider, now, intervalMs, toleranceMs }) !== undefined) return true;
          sendDueAt = this.statements.sendDueAt.get(provider) ?? 0;
          return false;
        });
      } catch (error) {
        if (isDatabaseFault(error)) return; // the reservation already spaced it; without a database there is no shared history
        throw error;
      }
      if (passed) return;
      await sleepFor(Math.max(1, sendDueAt - toleranceMs - now), signal);
    }
  }

  private decide(provider: string, limit: RateLimit, priority: RequestPriority, maxWaitMs: number): Decision {
    const now = this.clock.now();
    const row = this.statements.read.get(provider);
    if (row !== undefined && row.cooldownUntil > now) {
      return { kind: 'cooling down', cooldown: { until: row.cooldownUntil, reason: row.cooldownReason } };
    }
    const decision = planSlot(row?.nextDueAt ?? now, now, limit, priority, maxWaitMs);
    if (decision.kind === 'granted' && limit.ratePerSecond !== Infinity) this.statements.setNextDue.run(provider, decision.nextDue);
    return decision;
  }

  private decideLocally(provider: string, limit: RateLimit, priority: RequestPriority, maxWaitMs: number): Decision {
    const now = this.clock.now();
    const decision = planSlot(this.localNextDue.get(provider) ?? now, now, limit, priority, maxWaitMs);
    if (decision.kind === 'granted') this.localNextDue.set(provider, decision.nextDue);
    return decision;
  }

  private async sleepUntil(moment: number, signal: AbortSignal | undefined): Promise<void> {
    // Timers can fire a millisecond early against the wall clock: check and sleep the rest.
    for (let remaining = moment - this.clock.now(); remaining > 0; remaining = moment - this.clock.now()) {
      await sleepFor(remaining, signal);
    }
  }
}
