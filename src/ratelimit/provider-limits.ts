import { InvalidArgumentError } from '../errors.js';
import { describeValue, isPlainObject, requireFiniteNumber } from '../validation.js';

/** A provider's limit: `ratePerSecond` requests per second on average, `burst` at once. */
export interface RateLimit {
  /** Infinity means no limit (a private mirror). */
  ratePerSecond: number;
  burst: number;
}

/**
 * Defaults, from each service's published policy: MusicBrainz allows one request per second
 * per IP and answers 503 beyond it; TheAudioDB's and fanart.tv's free tiers 30 a minute;
 * Discogs 60 a minute with a token (the providers layer lowers it to 25 a minute without one).
 * `cdn` is image downloads from content delivery networks.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  musicbrainz: { ratePerSecond: 1, burst: 1 },
  theaudiodb: { ratePerSecond: 0.5, burst: 1 },
  fanarttv: { ratePerSecond: 0.5, burst: 1 },
  discogs: { ratePerSecond: 1, burst: 3 },
  lastfm: { ratePerSecond: 5, burst: 5 },
  wikimedia: { ratePerSecond: 10, burst: 10 },
  cdn: { ratePerSecond: 10, burst: 10 },
};

/** Any provider not in the table. */
export const FALLBACK_RATE_LIMIT: RateLimit = { ratePerSecond: 1, burst: 1 };

/**
 * The limit for each provider: the defaults, overridden by `overrides[provider]`, which may
 * carry other provider settings too (only `ratePerSecond` and `burst` are read here).
 */
export function resolveRateLimits(overrides: unknown): (provider: string) => RateLimit {
  if (overrides !== undefined && !isPlainObject(overrides)) {
    throw new InvalidArgumentError(`providers must be an object keyed by provider name, got ${describeValue(overrides)}.`);
  }
  const resolved = new Map<string, RateLimit>(Object.entries(DEFAULT_RATE_LIMITS));
  for (const [provider, settings] of Object.entries(overrides ?? {})) {
    if (!isPlainObject(settings)) throw new InvalidArgumentError(`providers.${provider} must be an object, got ${describeValue(settings)}.`);
    const base = resolved.get(provider) ?? FALLBACK_RATE_LIMIT;
    const ratePerSecond =
      settings.ratePerSecond === Infinity
        ? Infinity
        : settings.ratePerSecond === undefined
          ? base.ratePerSecond
          : requireFiniteNumber(`providers.${provider}.ratePerSecond`, settings.ratePerSecond, { min: 0.001 });
    const burst =
      settings.burst === undefined ? base.burst : requireFiniteNumber(`providers.${provider}.burst`, settings.burst, { min: 1, integer: true });
    resolved.set(provider, { ratePerSecond, burst });
  }
  return (provider) => resolved.get(provider) ?? FALLBACK_RATE_LIMIT;
}
