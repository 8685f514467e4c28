import { IMAGE_DATA_TYPES } from '../client/fetch-request.js';
import type { DataCacheProviders, ProvidersStats } from '../providers/data-cache-providers.js';
import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import type { JobState } from '../queue/job-queue.js';
import { shownJob, type ShownJob } from '../queue/shown-job.js';
import { redactText, redactUrl } from '../redaction.js';
import { displayNameOf } from './cached-answers.js';

/** Everything the overview page shows; `GET /api/overview` answers it as JSON. */
export interface Overview {
  cacheDir: string;
  generatedAt: number;
  bucketMinutes: number;
  stats: ProvidersStats;
  rateLimits: { provider: string; ratePerSecond: number | 'unlimited'; burst: number; cooldownUntil: number | null; cooldownReason: string | null; queued: number }[];
  recentErrors: RecentError[];
  /** Whether the queue workers on this cache directory are paused (from the dashboard or `pauseWorkers`). */
  workersPaused: boolean;
}

export interface RecentError {
  at: number;
  provider: string;
  url: string;
  error: string;
  state: string;
  attempts: number;
}

/** One cached artist: image entries and bytes by image type. */
export interface ArtistSummary {
  identifier: string;
  /** Their own spelling, from a cached answer ("Daft Punk"), else the identifier. */
  displayName: string;
  images: Record<string, number>;
  bytes: number;
  lastStoredAt: number;
}

/** A queued job as `/api/queue` shows it: URL and error redacted, the request itself left out. */
export type QueueJobSummary = ShownJob;

export interface ImageSummary {
  cachekey: string;
  url: string;
  provider: string;
  mimeType: string | null;
  bytes: number;
  width: number | null;
  height: number | null;
  storedAt: number;
  expiresAt: number;
}

/** The providers the pages list even before they have been used. */
export const KNOWN_PROVIDERS = ['musicbrainz', 'theaudiodb', 'fanarttv', 'discogs', 'lastfm', 'wikimedia', 'cdn'];

/** The overview: storage against the budget, analytics, the queue, rate limits and recent errors. */
export async function readOverview(providers: DataCacheProviders, { hours = 24, bucketMinutes = 15 }: { hours?: number; bucketMinutes?: number } = {}): Promise<Overview> {
  const now = Date.now();
  const stats = await providers.stats({ sinceMs: now - hours * 3_600_000, bucketMinutes });
  const { client } = providers;
  const names = new Set([...KNOWN_PROVIDERS, ...Object.keys(stats.queue.byProvider), ...Object.keys(stats.cooldowns)]);
  const rateLimits = [...names].sort().map((provider) => {
    const limit = client.limiter.limitOf(provider);
    const cooldown = Object.hasOwn(stats.cooldowns, provider) ? stats.cooldowns[provider] : undefined;
    const queue = Object.hasOwn(stats.queue.byProvider, provider) ? stats.queue.byProvider[provider] : undefined;
    return {
      provider,
      ratePerSecond: Number.isFinite(limit.ratePerSecond) ? limit.ratePerSecond : ('unlimited' as const),
      burst: limit.burst,
      cooldownUntil: cooldown?.until ?? null,
      cooldownReason: cooldown?.reason === undefined || cooldown.reason === null ? null : redactText(cooldown.reason),
      queued: (queue?.pending ?? 0) + (queue?.running ?? 0),
    };
  });
  const errors = await client.queue.recentErrors(20);
  const recentErrors = errors.map((job) => ({
    at: job.updatedAt,
    provider: job.provider,
    url: redactUrl(job.url),
    error: redactText(job.lastError ?? ''),
    state: job.state,
    attempts: job.attempts,
  }));
  // The reasons are free text from failed responses, which may quote a URL with its key.
  const cooldowns = Object.fromEntries(Object.entries(stats.cooldowns).map(([provider, cooldown]) => [provider, { ...cooldown, reason: cooldown.reason === null ? null : redactText(cooldown.reason) }]));
  return { cacheDir: providers.cacheDir, generatedAt: now, bucketMinutes, stats: { ...stats, cooldowns }, rateLimits, recentErrors, workersPaused: await client.workersPaused() };
}

/** The queue's jobs (of one state, or all) in the queue's order (running, pending, failed, done), redacted. */
export async function listQueue(providers: DataCacheProviders, state: JobState | undefined, limit: number): Promise<QueueJobSummary[]> {
  const jobs = await providers.client.queue.list({ ...(state === undefined ? {} : { state }), limit });
  return jobs.map(shownJob);
}

/** Cached artists whose name contains `search`, ignoring case and accents ("beyonce" finds Beyoncé). */
export async function listArtists(providers: DataCacheProviders, search: string, limit = 100): Promise<ArtistSummary[]> {
  const rows = await providers.storage.listIdentifiers({ search: search.slice(0, 1024), dataTypes: [...IMAGE_DATA_TYPES], limit });
  const artists = new Map<string, ArtistSummary>();
  for (const row of rows) {
    let artist = artists.get(row.identifier);
    if (artist === undefined) {
      artist = { identifier: row.identifier, displayName: row.identifier, images: {}, bytes: 0, lastStoredAt: 0 };
      artists.set(row.identifier, artist);
    }
    artist.images[row.dataType] = row.entries;
    artist.bytes += row.bytes;
    artist.lastStoredAt = Math.max(artist.lastStoredAt, row.lastStoredAt);
  }
  for (const artist of artists.values()) artist.displayName = await displayNameOf(providers, artist.identifier);
  return [...artists.values()];
}

/** An artist's cached images, by type, newest first. */
export async function artistImages(providers: DataCacheProviders, artist: string): Promise<Record<string, ImageSummary[]>> {
  const identifier = normalizeArtistIdentifier(artist);
  const byType: Record<string, ImageSummary[]> = {};
  for (const dataType of IMAGE_DATA_TYPES) {
    const summaries = await providers.storage.retrieveByIdentifier({ identifier, dataType });
    if (summaries.length === 0) continue;
    byType[dataType] = summaries.map((summary) => {
      const { width, height } = summary.metadata;
      return {
        cachekey: summary.cachekey,
        url: redactUrl(summary.url),
        provider: summary.provider,
        mimeType: summary.mimeType,
        bytes: summary.size,
        width: typeof width === 'number' ? width : null,
        height: typeof height === 'number' ? height : null,
        storedAt: summary.storedAt,
        expiresAt: summary.expiresAt,
      };
    });
  }
  return byType;
}
