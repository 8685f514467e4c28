/**
 * Where datacache reads the time. Injected so that tests can move time forward
 * instead of sleeping to see an entry expire.
 *
 * Times are milliseconds since the Unix epoch, like `Date.now()`. Every process
 * sharing a cache compares times written by the others, so a clock must be wall-clock
 * time, not a monotonic counter.
 */
export interface Clock {
  now(): number;
}

/**
 * The longest delay Node's timers keep: a longer one fires after 1 ms (with a
 * TimeoutOverflowWarning), so every long wait is capped at this.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, for tests.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 0, 1));
 * clock.advance(60_000); // one minute later
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(startAt = Date.UTC(2026, 0, 1)) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }

  set(epochMilliseconds: number): void {
    this.current = epochMilliseconds;
  }
}
