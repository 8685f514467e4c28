import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { redactText } from '../redaction.js';
import { KNOWN_PROVIDERS } from './dashboard-data.js';

/** How many whole seconds the live view shows, and how many of the latest make its "now" rate. */
export const RATE_VIEW_SECONDS = 60;
export const RATE_NOW_SECONDS = 10;

/** One provider's limit, live. */
export interface ProviderRate {
  provider: string;
  ratePerSecond: number | 'unlimited';
  burst: number;
  /**
   * Requests its limit let through in each of the last RATE_VIEW_SECONDS whole seconds, oldest
   * first, from every process (and machine); null for a provider without a limit (no gate counts it).
   */
  grantsPerSecond: number[] | null;
  /**
   * Requests per second now: over the last RATE_NOW_SECONDS for a limited provider; for one
   * without a limit, over the fetches the analytics counted since the start of the last minute.
   */
  recentRate: number;
  queued: number;
  cooldownUntil: number | null;
  cooldownReason: string | null;
}

/** What `/rates` shows and `/api/rates` answers. */
export interface RatesView {
  generatedAt: number;
  seconds: number;
  providers: ProviderRate[];
}

/**
 * The rate limits live, read for a page that refreshes every 2 s: grants per second from the
 * limiter's stores, the queue's counts, cool-downs, and for providers without a limit the
 * last minute or two of analytics. Lighter than the overview (no storage statistics).
 */
export async function readRates(providers: DataCacheProviders): Promise<RatesView> {
  const { client } = providers;
  const now = client.clock.now();
  const since = Math.floor((now - 60_000) / 60_000) * 60_000;
  const [grants, counts, cooldowns, analytics] = await Promise.all([
    client.limiter.recentGrants(RATE_VIEW_SECONDS),
    client.queue.counts(),
    client.limiter.activeCooldowns(),
    providers.analytics({ sinceMs: since }),
  ]);
  const queued = new Map<string, number>();
  for (const row of counts) if (row.state === 'pending' || row.state === 'running') queued.set(row.provider, (queued.get(row.provider) ?? 0) + row.jobs);
  const names = new Set([...KNOWN_PROVIDERS, ...queued.keys(), ...Object.keys(grants), ...Object.keys(cooldowns)]);
  const rows = [...names].sort().map((provider): ProviderRate => {
    const limit = client.limiter.limitOf(provider);
    const limited = Number.isFinite(limit.ratePerSecond);
    const perSecond = limited ? (grants[provider] ?? new Array<number>(RATE_VIEW_SECONDS).fill(0)) : null;
    const counted = analytics.byProvider[provider];
    const recentRate =
      perSecond === null
        ? ((counted?.fetches ?? 0) + (counted?.errors ?? 0)) / ((now - since) / 1000)
        : perSecond.slice(-RATE_NOW_SECONDS).reduce((sum, count) => sum + count, 0) / RATE_NOW_SECONDS;
    const cooldown = Object.hasOwn(cooldowns, provider) ? cooldowns[provider] : undefined;
    return {
      provider,
      ratePerSecond: limited ? limit.ratePerSecond : 'unlimited',
      burst: limit.burst,
      grantsPerSecond: perSecond,
      recentRate,
      queued: queued.get(provider) ?? 0,
      cooldownUntil: cooldown?.until ?? null,
      // Free text from a failed response, which may quote a URL with its key.
      cooldownReason: cooldown?.reason === undefined || cooldown.reason === null ? null : redactText(cooldown.reason),
    };
  });
  return { generatedAt: now, seconds: RATE_VIEW_SECONDS, providers: rows };
}
