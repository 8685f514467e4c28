import { redactText, redactUrl } from '../redaction.js';

/** What the client reports, for analytics and for logs. */
export interface ClientEvents {
  hit: { url: string; provider: string; dataType: string; negative: boolean };
  miss: { url: string; provider: string; dataType: string };
  stale: { url: string; provider: string; dataType: string; reason: string };
  fetch: { url: string; provider: string; dataType: string; status: number; bytes: number; durationMs: number };
  stored: { url: string; provider: string; dataType: string; bytes: number };
  error: { url: string; provider: string; dataType: string; error: Error };
  /** An attempt failed and another follows after `delayMs` (so a caller can say what it waits for). */
  retry: { url: string; provider: string; dataType: string; attempt: number; attempts: number; delayMs: number; reason: string };
  'rate-limited': { provider: string; until?: number; waitMs?: number };
  queued: { url: string; provider: string; dataType: string; priority: number; added: boolean };
  completed: { url: string; provider: string; dataType: string; outcome: string };
  'database-fault': { operation: string; error: Error };
}

type Listener<Name extends keyof ClientEvents> = (event: ClientEvents[Name]) => void;

/**
 * A small typed event bus. Events leave it redacted (URLs and reasons without API keys or
 * tokens), because applications log them as they are. Not Node's EventEmitter on purpose: an `error` event there throws
 * when nobody listens, and a cache must never crash an app for reporting a failed download.
 * A listener that throws is ignored for the same reason.
 */
export class ClientEventBus {
  private readonly listeners = new Map<keyof ClientEvents, Set<(event: never) => void>>();

  on<Name extends keyof ClientEvents>(name: Name, listener: Listener<Name>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<Name extends keyof ClientEvents>(name: Name, event: ClientEvents[Name]): void {
    const listeners = this.listeners.get(name);
    if (listeners === undefined || listeners.size === 0) return; // the hit path pays nothing for redaction nobody reads
    const redacted = redactEvent(event);
    for (const listener of listeners) {
      try {
        (listener as Listener<Name>)(redacted);
      } catch {
        // A listener's failure is the listener's business.
      }
    }
  }
}

function redactEvent<Event extends object>(event: Event): Event {
  const copy = { ...event } as Record<string, unknown>;
  if (typeof copy.url === 'string') copy.url = redactUrl(copy.url);
  if (typeof copy.reason === 'string') copy.reason = redactText(copy.reason);
  return copy as Event;
}
