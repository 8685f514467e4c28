import type { RateLimit } from './provider-limits.js';

/** Live requests (the track playing now) are served before background work. */
export type RequestPriority = 'live' | 'background';

export interface Cooldown {
  until: number;
  reason: string | null;
}

/** What a request may do now, by the GCRA arithmetic below. */
export type Decision =
  | { kind: 'granted'; slot: number; nextDue: number }
  | { kind: 'later'; waitMs: number }
  | { kind: 'too long'; waitMs: number }
  | { kind: 'cooling down'; cooldown: Cooldown };

/** A reservation further ahead than this can only come from the clock jumping back. */
const LONGEST_PLAUSIBLE_QUEUE_MS = 60 * 60 * 1000;

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

/**
 * GCRA: the slot a request may take given when the next one is due (the "theoretical arrival
 * time" kept per provider), or why it may not take one now. The same arithmetic for every
 * backend: only where `nextDueAt` is kept, and whose clock `now` is, differ.
 *
 * Live requests reserve slots ahead; background ones take a slot only when one is free now,
 * so a live request arriving while background work waits is served first.
 */
export function planSlot(nextDueAt: number, now: number, limit: RateLimit, priority: RequestPriority, maxWaitMs: number): Decision {
  if (limit.ratePerSecond === Infinity) return { kind: 'granted', slot: now, nextDue: now };
  const intervalMs = spacingMs(limit);
  const nextDue = nextDueAt > now + LONGEST_PLAUSIBLE_QUEUE_MS ? now : nextDueAt; // the clock went back
  const slot = Math.max(now, nextDue - (limit.burst - 1) * intervalMs);
  const waitMs = slot - now;
  if (priority === 'background' && waitMs > 0) return { kind: 'later', waitMs };
  if (waitMs > maxWaitMs) return { kind: 'too long', waitMs };
  return { kind: 'granted', slot, nextDue: Math.max(nextDue, slot) + intervalMs };
}

/**
 * The send gate's arithmetic, on the moment a request is actually sent: GCRA over send times
 * with the same spacing. Returns the new send-due time when the request may go now, or how
 * long to wait. A request that went out late pushes the next one back.
 */
export function planSend(sendDueAt: number, now: number, intervalMs: number, toleranceMs: number): { pass: true; sendDueAt: number } | { pass: false; waitMs: number } {
  if (sendDueAt - toleranceMs <= now) return { pass: true, sendDueAt: Math.max(sendDueAt, now) + intervalMs };
  return { pass: false, waitMs: Math.max(1, sendDueAt - toleranceMs - now) };
}
