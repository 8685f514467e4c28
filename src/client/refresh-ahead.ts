import type { Logger } from '../logger.js';
import { PRIORITY } from '../queue/job-queue.js';
import type { DataStorage } from '../storage/data-storage.js';
import { InvalidArgumentError } from '../errors.js';
import { describeValue, isPlainObject, optionalBoolean, optionalFiniteNumber, type JsonObject } from '../validation.js';
import { IMAGE_DATA_TYPES, type FetchRequest } from './fetch-request.js';

/** How a worker refreshes the entries an app reads often before they expire. */
export interface RefreshAheadOptions {
  /** Default true for a worker. */
  enabled?: boolean;
  /** Refresh entries expiring within this long. Default 6 hours. */
  withinMs?: number;
  /** Read at least this many times... Default 3. */
  minReads?: number;
  /** ...at least once in this long. Default 7 days. */
  readWithinMs?: number;
  /** Refreshes queued per provider per day (UTC), for all the machine's workers together. Default 500; 0 for none. */
  dailyBudget?: number;
  /** How often to look. Default 60 s. */
  intervalMs?: number;
}

export interface ResolvedRefreshAhead {
  enabled: boolean;
  withinMs: number;
  minReads: number;
  readWithinMs: number;
  dailyBudget: number;
  intervalMs: number;
}

/** Checks refresh-ahead options (`true`/`false` or an object), filling in the defaults. */
export function resolveRefreshAhead(value: unknown): ResolvedRefreshAhead {
  const input = typeof value === 'boolean' ? { enabled: value } : value === undefined ? {} : value;
  if (!isPlainObject(input)) throw new InvalidArgumentError(`refreshAhead must be true, false or an options object, got ${describeValue(value)}.`);
  return {
    enabled: optionalBoolean('refreshAhead.enabled', input.enabled, true),
    withinMs: optionalFiniteNumber('refreshAhead.withinMs', input.withinMs, 6 * 3_600_000, { min: 0 }),
    minReads: optionalFiniteNumber('refreshAhead.minReads', input.minReads, 3, { min: 1, integer: true }),
    readWithinMs: optionalFiniteNumber('refreshAhead.readWithinMs', input.readWithinMs, 7 * 86_400_000, { min: 0 }),
    dailyBudget: optionalFiniteNumber('refreshAhead.dailyBudget', input.dailyBudget, 500, { min: 0, integer: true }),
    intervalMs: optionalFiniteNumber('refreshAhead.intervalMs', input.intervalMs, 60_000, { min: 10, max: 86_400_000 }),
  };
}

/** Candidates looked at per round: a round is a query and a few enqueues. */
const ROUND_LIMIT = 200;

/**
 * Refresh-ahead: every `intervalMs` a worker looks for the entries read often and recently
 * that expire soon and queues a refresh of each at batch priority (a conditional request: a
 * 304 only renews the entry), within each provider's daily budget and, like every queued
 * fetch, its rate limit and behind live work. So a live lookup of an artist the DJ plays
 * regularly never meets an expired entry or a miss.
 */
export class RefreshAhead {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Pick<DataStorage, 'refreshCandidates' | 'takeRefreshBudget'>,
    private readonly queueFetch: (request: FetchRequest) => Promise<{ added: boolean }>,
    /**
     * Whether the URL is waiting or running in the queue already, or its last refresh failed
     * within `since` (not asked again every round: a dead URL would spend the budget).
     */
    private readonly isQueuedOrFailed: (url: string, since: number) => Promise<boolean>,
    private readonly now: () => number,
    private readonly options: ResolvedRefreshAhead,
    private readonly logger: Logger,
  ) {}

  /** Off, or with no budget to spend: no rounds. */
  private get off(): boolean {
    return !this.options.enabled || this.options.dailyBudget === 0;
  }

  start(): void {
    if (this.off) return;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.runOnce().catch((error: unknown) => {
          this.logger.warn('datacache: refresh-ahead could not look for entries to refresh; trying again later', { error: String(error) });
        }).finally(() => { if (!this.stopped) tick(); });
      }, this.options.intervalMs).unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round now: queues the refreshes due and within budget; resolves to how many were queued (0 when off). */
  runOnce(): Promise<number> {
    if (this.off) return Promise.resolve(0);
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<number> {
    const candidates = await this.storage.refreshCandidates({ withinMs: this.options.withinMs, minReads: this.options.minReads, readWithinMs: this.options.readWithinMs, limit: ROUND_LIMIT });
    const byProvider = new Map<string, typeof candidates>();
    const failedSince = this.now() - this.options.withinMs;
    for (const candidate of candidates) {
      if (await this.isQueuedOrFailed(candidate.url, failedSince)) continue;
      const list = byProvider.get(candidate.provider);
      if (list === undefined) byProvider.set(candidate.provider, [candidate]);
      else list.push(candidate);
    }
    let queued = 0;
    for (const [provider, list] of byProvider) {
      if (this.stopped) break;
      const granted = await this.storage.takeRefreshBudget(provider, list.length, this.options.dailyBudget);
      for (const candidate of list.slice(0, granted)) {
        const expect = IMAGE_DATA_TYPES.has(candidate.dataType) ? 'image' : /json/iu.test(candidate.mimeType ?? '') ? 'json' : 'any';
        // Stored again as it was: its metadata and its lifetime (the TTL it was stored with).
        const metadata = candidate.metadata === null ? undefined : (JSON.parse(candidate.metadata) as JsonObject);
        const ttlSeconds = Math.max(1, Math.round((candidate.expiresAt - candidate.storedAt) / 1000));
        await this.queueFetch({ url: candidate.url, identifier: candidate.identifier, dataType: candidate.dataType, provider, priority: PRIORITY.batch, refresh: true, expect, ttlSeconds, ...(metadata === undefined ? {} : { metadata }) });
        queued += 1;
      }
    }
    return queued;
  }
}
