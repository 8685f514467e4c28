import { InvalidArgumentError } from '../errors.js';
import {
  describeValue,
  isPlainObject,
  optionalBoolean,
  optionalFiniteNumber,
  requireFiniteNumber,
  requireHttpUrl,
  requireName,
  requireString,
  serializeMetadata,
  type JsonObject,
} from '../validation.js';

/** Data types that hold images; they default to a 14-day TTL. */
export const IMAGE_DATA_TYPES: ReadonlySet<string> = new Set(['thumbnail', 'logo', 'banner', 'fanart', 'cover']);

const DAY = 86_400;

/**
 * What a body must be to be stored: `image` (sniffed: PNG, JPEG, GIF, WebP, AVIF, BMP, ICO or
 * SVG), `json` (parses as JSON), or `any`.
 */
export type ExpectedContent = 'image' | 'json' | 'any';

/** What `getOrFetch` takes. */
export interface FetchRequest {
  url: string;
  identifier: string;
  dataType: string;
  provider: string;
  /** Fetch now (default), or queue for a background worker and resolve null at once. */
  immediate?: boolean;
  ttlSeconds?: number;
  /** Store a 404 as a negative entry for this long, so the next ask does not go out. */
  negativeTtlSeconds?: number;
  timeoutMs?: number;
  /** Further attempts after a network error, a timeout or a 5xx. Default 3. */
  retries?: number;
  headers?: Record<string, string>;
  metadata?: JsonObject;
  /** Queue priority, lower first. Default 1 for immediate, 2 for queued. */
  priority?: number;
  expectedChecksum?: string;
  /** Default 25 MiB. */
  maxBytes?: number;
  /** Default `image` for the image data types, else `any`. */
  expect?: ExpectedContent;
  signal?: AbortSignal;
  /** Called with the entry (or null) once it is known; for a queued request, when any process stored it. */
  onComplete?: (entry: import('../storage/cached-entry.js').CachedEntry | null) => void;
}

/** A request as it goes out: the URL and the headers. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
}

/**
 * Adds credentials (an API key in a header, a query parameter or a path segment) to a
 * request just before it is sent. The key lives only in the process's configuration: cache
 * keys, queued jobs, events and logs keep the URL without it, and a worker in another
 * process signs the job with its own configuration.
 */
export type RequestAuthorizer = (request: OutgoingRequest) => OutgoingRequest;

/** Per-provider settings a client takes (the providers layer adds more, such as baseUrl and apiKey). */
export interface ProviderSettings {
  /** Infinity: no limit (a private mirror). */
  ratePerSecond?: number;
  burst?: number;
  ttlSeconds?: number;
  timeoutMs?: number;
  authorize?: RequestAuthorizer;
}

/** A checked request with every default filled in: what a queued job stores. */
export interface ResolvedFetch {
  url: string;
  identifier: string;
  dataType: string;
  provider: string;
  immediate: boolean;
  ttlSeconds: number;
  negativeTtlSeconds: number | null;
  timeoutMs: number;
  retries: number;
  headers: Record<string, string>;
  metadata: JsonObject;
  priority: number;
  expectedChecksum: string | null;
  maxBytes: number;
  expect: ExpectedContent;
}

export interface FetchDefaults {
  providers: Record<string, ProviderSettings>;
  ttlByDataType: Record<string, number>;
}

/** The settings given for `provider`, if any (own keys only: a provider may be called "constructor"). */
export function providerSettings(defaults: FetchDefaults, provider: string): ProviderSettings | undefined {
  return Object.hasOwn(defaults.providers, provider) ? defaults.providers[provider] : undefined;
}

/** The TTL when the request gives none: the provider's, else the data type's, else images 14 days, MusicBrainz 30, other APIs 7. */
export function defaultTtlSeconds(provider: string, dataType: string, defaults: FetchDefaults): number {
  return (
    providerSettings(defaults, provider)?.ttlSeconds ??
    defaults.ttlByDataType[dataType] ??
    (IMAGE_DATA_TYPES.has(dataType) ? 14 * DAY : provider === 'musicbrainz' ? 30 * DAY : 7 * DAY)
  );
}

/**
 * The longest timeout a fetch may have: an hour (the property tests' `timeoutMs: 1e300` ended
 * in a RangeError from inside undici).
 */
export const MAX_FETCH_TIMEOUT_MS = 3_600_000;

/** The timeout when the request gives none: the provider's, else 15 s for MusicBrainz and 30 s for the rest. */
export function defaultTimeoutMs(provider: string, defaults: FetchDefaults): number {
  return providerSettings(defaults, provider)?.timeoutMs ?? (provider === 'musicbrainz' ? 15_000 : 30_000);
}

export function resolveFetchRequest(input: unknown, defaults: FetchDefaults): ResolvedFetch {
  if (!isPlainObject(input)) throw new InvalidArgumentError(`getOrFetch() takes a request object, got ${describeValue(input)}.`);
  const provider = requireName('provider', input.provider);
  const dataType = requireName('dataType', input.dataType);
  const immediate = optionalBoolean('immediate', input.immediate, true);
  const url = requireHttpUrl('url', input.url);
  const headers = input.headers ?? {};
  if (!isPlainObject(headers) || Object.values(headers).some((value) => typeof value !== 'string' || /[\r\n]/.test(value))) {
    throw new InvalidArgumentError('headers must be an object of header names to single-line string values.');
  }
  // Not part of the resolved request (they cannot be queued), but checked here with the rest.
  if (input.signal !== undefined && !(input.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`signal must be an AbortSignal (from an AbortController), got ${describeValue(input.signal)}.`);
  }
  if (input.onComplete !== undefined && typeof input.onComplete !== 'function') {
    throw new InvalidArgumentError(`onComplete must be a function (entry) => void, got ${describeValue(input.onComplete)}.`);
  }
  const metadataText = serializeMetadata('metadata', input.metadata);
  const expectedChecksum = input.expectedChecksum === undefined ? null : requireString('expectedChecksum', input.expectedChecksum, { maxLength: 64 }).toLowerCase();
  if (expectedChecksum !== null && !/^[0-9a-f]{64}$/.test(expectedChecksum)) {
    throw new InvalidArgumentError('expectedChecksum must be a SHA-256 in hex (64 characters).');
  }
  return {
    url,
    identifier: requireString('identifier', input.identifier, { allowEmpty: true, maxLength: 1024 }),
    dataType,
    provider,
    immediate,
    ttlSeconds: optionalFiniteNumber('ttlSeconds', input.ttlSeconds, defaultTtlSeconds(provider, dataType, defaults), { min: 0 }),
    negativeTtlSeconds: input.negativeTtlSeconds === undefined ? null : optionalFiniteNumber('negativeTtlSeconds', input.negativeTtlSeconds, 0, { min: 0 }),
    timeoutMs:
      input.timeoutMs === undefined
        ? requireFiniteNumber(`providers.${provider}.timeoutMs`, defaultTimeoutMs(provider, defaults), { min: 1, max: MAX_FETCH_TIMEOUT_MS })
        : requireFiniteNumber('timeoutMs', input.timeoutMs, { min: 1, max: MAX_FETCH_TIMEOUT_MS }),
    retries: optionalFiniteNumber('retries', input.retries, 3, { min: 0, max: 10, integer: true }),
    headers: headers as Record<string, string>,
    metadata: metadataText === null ? {} : (JSON.parse(metadataText) as JsonObject),
    priority: optionalFiniteNumber('priority', input.priority, immediate ? 1 : 2, { min: 0, integer: true }),
    expectedChecksum,
    maxBytes: optionalFiniteNumber('maxBytes', input.maxBytes, 25 * 1024 * 1024, { min: 1 }),
    expect: requireExpectedContent(input.expect, dataType),
  };
}

/** The queued form: everything but the signal and the callback, as JSON. */
export function toJobRequest(fetch: ResolvedFetch): JsonObject {
  return { ...fetch };
}

export function fromJobRequest(request: JsonObject): ResolvedFetch {
  const fetch = request as unknown as Omit<ResolvedFetch, 'expect'> & { expect?: ExpectedContent };
  // Jobs queued before `expect` existed.
  return fetch.expect === undefined ? { ...fetch, expect: IMAGE_DATA_TYPES.has(fetch.dataType) ? 'image' : 'any' } : (fetch as ResolvedFetch);
}

function requireExpectedContent(value: unknown, dataType: string): ExpectedContent {
  if (value === undefined) return IMAGE_DATA_TYPES.has(dataType) ? 'image' : 'any';
  if (value === 'image' || value === 'json' || value === 'any') return value;
  throw new InvalidArgumentError(`expect must be 'image', 'json' or 'any', got ${describeValue(value)}.`);
}
