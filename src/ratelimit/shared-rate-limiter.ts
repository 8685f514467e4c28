import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteConnection } from '../backends/sqlite/connection.js';
import { SqliteRateLimitStore } from '../backends/sqlite/rate-limit-store.js';
import { systemClock, type Clock } from '../clock.js';
import { InvalidArgumentError, isDatabaseFault, ProviderCoolingDownError, RateLimitWaitError } from '../errors.js';
import { describeValue, optionalFiniteNumber, requireFiniteNumber, requireName, requireOptionsObject } from '../validation.js';
import { planSend, planSlot, spacingMs, type Cooldown, type Decision, type RequestPriority } from './gcra.js';
import { InMemoryRateLimitStore } from './in-memory-rate-limit-store.js';
import type { RateLimit } from './provider-limits.js';
import { GRANT_HISTORY_SECONDS, type RateLimitStore } from './rate-limit-store.js';

export { spacingMs, type Cooldown, type RequestPriority } from './gcra.js';

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
  /** The slot reserved for this request, in the store's clock (epoch ms): slots of one provider are at least 1 / rate apart, beyond the burst. */
  slotAt: number;
  /** When the request may go, in the same clock: the moment acquire() resolved. */
  grantedAt: number;
  waitedMs: number;
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

const DEFAULT_LIVE_MAX_WAIT_MS = 10_000;

/**
 * How far this process's clock is ahead of a store's. Below 50 ms it is the time between two
 * readings of one clock (SQLite's store reads this process's), not a skew worth correcting.
 */
function clockOffset(localNow: number, storeNow: number): number {
  const offset = localNow - storeNow;
  return Math.abs(offset) < 50 ? 0 : offset;
}

function isStoreList(value: RateLimitStore | readonly RateLimitStore[]): value is readonly RateLimitStore[] {
  return Array.isArray(value);
}

/**
 * Rate limits and cool-downs shared by every process of a cache (and, with a shared tier, every
 * machine), kept in a store: the cache database, PostgreSQL, or this process's memory when
 * neither can be used. The arithmetic is GCRA (gcra.ts), the same whichever store keeps it.
 *
 * Each provider has one row holding GCRA's "theoretical arrival time": the moment the next
 * request is due if requests are spaced `1 / ratePerSecond` apart, with `burst` allowed at
 * once. An acquire reserves the next slot under the store's lock and then sleeps until exactly
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
  /** Tried in order: one that cannot be reached (a database fault) hands over to the next. */
  private readonly stores: readonly RateLimitStore[];

  /**
   * `stores`: the cache's SQLite connection, a store, or several in order of preference (the
   * shared tier's, then the machine's); a per-process store is always the last resort.
   */
  constructor(
    stores: SqliteConnection | RateLimitStore | readonly RateLimitStore[],
    /** Each provider's limit, as configured. */
    readonly limitOf: (provider: string) => RateLimit,
    private readonly clock: Clock = systemClock,
  ) {
    const given: readonly RateLimitStore[] =
      stores instanceof SqliteConnection ? [new SqliteRateLimitStore(stores, clock)] : isStoreList(stores) ? stores : [stores];
    this.stores = [...given, new InMemoryRateLimitStore(clock)];
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
      const { store, value } = await this.firstReachable((candidate) =>
        candidate.reserve<Decision>(provider, (state, now) => {
          if (state !== undefined && state.cooldownUntil > now) {
            return { result: { kind: 'cooling down', cooldown: { until: state.cooldownUntil, reason: state.cooldownReason } } };
          }
          const decision = planSlot(state?.nextDueAt ?? now, now, limit, priority, maxWaitMs);
          return decision.kind === 'granted' && limit.ratePerSecond !== Infinity ? { result: decision, nextDue: decision.nextDue } : { result: decision };
        }),
      );
      const { result: decision, now: storeNow } = value;
      const decidedAt = this.clock.now();
      switch (decision.kind) {
        case 'cooling down':
          // In this process's clock: the store's may be another machine's (a server's).
          throw new ProviderCoolingDownError(provider, decision.cooldown.until + clockOffset(decidedAt, storeNow), decision.cooldown.reason);
        case 'too long':
          throw new RateLimitWaitError(provider, decision.waitMs, maxWaitMs);
        case 'later':
          // Sleep until a slot would be free, with a little jitter so waiters do not collide.
          await sleepFor(decision.waitMs + Math.random() * Math.min(50, intervalMs / 4), signal);
          continue;
        case 'granted':
          try {
            // The slot is in the store's clock: wait for it by this process's, from the decision.
            await this.sleepUntil(decidedAt + (decision.slot - storeNow), signal);
            if (limit.ratePerSecond !== Infinity) await this.passSendGate(store, provider, limit, signal);
          } catch (error) {
            if (intervalMs > 0) await store.giveBack(provider, intervalMs, decision.nextDue).catch(() => undefined);
            throw error;
          }
          return { provider, slotAt: decision.slot, grantedAt: storeNow + (this.clock.now() - decidedAt), waitedMs: this.clock.now() - started };
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
    // In every store: a machine's processes that do not use the shared tier see it, and it
    // still holds if the shared tier goes away before it ends.
    await this.everyReachable((store) => store.setCooldown(provider, until, reason ?? null));
  }

  async clearCooldown(provider: string): Promise<void> {
    requireName('provider', provider);
    await this.everyReachable((store) => store.clearCooldown(provider));
  }

  /** The provider's current cool-down, or null. */
  async cooldownOf(provider: string): Promise<Cooldown | null> {
    requireName('provider', provider);
    const cooldowns = await this.activeCooldowns();
    return Object.hasOwn(cooldowns, provider) ? cooldowns[provider]! : null;
  }

  /** Every provider cooling down now, whichever process set it, by name; times in this process's clock. */
  async activeCooldowns(): Promise<Record<string, Cooldown>> {
    const found = await this.everyReachable(async (store) => {
      const [cooldowns, storeNow] = await Promise.all([store.activeCooldowns(), store.now()]);
      return { cooldowns, offset: clockOffset(this.clock.now(), storeNow) };
    });
    // The latest deadline of any store (one may have been set by a process without the shared tier).
    const local = Object.create(null) as Record<string, Cooldown>;
    for (const { cooldowns, offset } of found) {
      for (const [provider, cooldown] of Object.entries(cooldowns)) {
        const until = cooldown.until + offset;
        if (!Object.hasOwn(local, provider) || local[provider]!.until < until) local[provider] = { until, reason: cooldown.reason };
      }
    }
    return local;
  }

  /**
   * How many requests each provider's limit let through in each of the last `seconds` whole
   * seconds, oldest first, counted by every process (and, with a shared tier, every machine):
   * the live view of the limits. Providers without a limit are not counted (they pass no gate).
   *
   * @example
   * const { musicbrainz } = await limiter.recentGrants(60); // e.g. [1, 1, 0, 1, …], 60 numbers
   */
  async recentGrants(seconds = 60): Promise<Record<string, number[]>> {
    const span = requireFiniteNumber('seconds', seconds, { min: 1, max: GRANT_HISTORY_SECONDS, integer: true });
    const found = await this.everyReachable(async (store) => {
      const now = await store.now();
      const first = Math.floor(now / 1000) - span;
      return { first, ...(await store.grantsSince(first)) };
    });
    // Each grant was counted in exactly one store (the one that passed it), so the stores add up.
    const bySecond = Object.create(null) as Record<string, number[]>;
    for (const { first, grants } of found) {
      for (const { provider, second, grants: count } of grants) {
        const index = second - first;
        if (index < 0 || index >= span) continue; // the second under way, not yet whole
        (bySecond[provider] ??= new Array<number>(span).fill(0))[index]! += count;
      }
    }
    return bySecond;
  }

  /**
   * The second gate, on the moment of sending: GCRA over actual send times, with the same
   * widened spacing. Reservations alone space requests only as planned; a process that wakes
   * late (a pause, a busy machine: 50 ms was measured) would let the next request follow it too
   * closely. Here the late one pushes the next back instead, and the widening still absorbs
   * jitter between this gate and the origin. Rarely waits.
   */
  private async passSendGate(store: RateLimitStore, provider: string, limit: RateLimit, signal: AbortSignal | undefined): Promise<void> {
    const intervalMs = spacingMs(limit);
    const toleranceMs = (limit.burst - 1) * intervalMs;
    for (;;) {
      let decision: ReturnType<typeof planSend>;
      try {
        decision = await store.passSendGate(provider, (sendDueAt, now) => planSend(sendDueAt, now, intervalMs, toleranceMs));
      } catch (error) {
        if (isDatabaseFault(error)) return; // the reservation already spaced it; without the store there is no shared history
        throw error;
      }
      if (decision.pass) return;
      await sleepFor(decision.waitMs, signal);
    }
  }

  /** Runs `work` on every store that can be reached (the per-process one always can), giving what each gave. */
  private async everyReachable<T>(work: (store: RateLimitStore) => Promise<T>): Promise<T[]> {
    const values: T[] = [];
    let lastFault: unknown;
    for (const store of this.stores) {
      try {
        values.push(await work(store));
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
        lastFault = error;
      }
    }
    if (values.length === 0) throw lastFault;
    return values;
  }

  /** Runs `work` on the first store that can be reached. */
  private async firstReachable<T>(work: (store: RateLimitStore) => Promise<T>): Promise<{ store: RateLimitStore; value: T }> {
    for (let index = 0; ; index++) {
      const store = this.stores[index]!;
      try {
        return { store, value: await work(store) };
      } catch (error) {
        if (!isDatabaseFault(error) || index === this.stores.length - 1) throw error;
      }
    }
  }

  private async sleepUntil(moment: number, signal: AbortSignal | undefined): Promise<void> {
    // Timers can fire a millisecond early against the wall clock: check and sleep the rest.
    for (let remaining = moment - this.clock.now(); remaining > 0; remaining = moment - this.clock.now()) {
      await sleepFor(remaining, signal);
    }
  }
}
