import { InvalidArgumentError } from '../errors.js';
import { isCredentialHeader } from '../http/redirects.js';
import { redactText } from '../redaction.js';
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
import { normalizeArtistIdentifier } from './artist-identifier.js';

/** Data types that hold images; they default to a 14-day TTL. */
export const IMAGE_DATA_TYPES: ReadonlySet<string> = new Set(['thumbnail', 'logo', 'banner', 'fanart', 'cover']);

/**
 * Data types filed under an artist: their identifier is normalised (normalizeArtistIdentifier)
 * whoever stores them, so "Daft Punk" typed on the command line and "daft punk" from an overlay
 * find the same images.
 */
export const ARTIST_DATA_TYPES: ReadonlySet<string> = new Set([...IMAGE_DATA_TYPES, 'bio']);

/** The default cap on an image (or any other body). */
export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

/**
 * The default cap on a JSON answer. Provider answers are kilobytes (a MusicBrainz search of 100
 * artists is about 150 KB, TheAudioDB's artist 10 KB) and parsing holds the event loop about
 * 10 ms per MiB here: 25 MiB of `[[[…]]]` used to stall it for 38 s, on the fetch and again on
 * every hit. The presets lower it where their answers are smaller (512 KiB) or raise it where
 * they are larger (Wikidata entities: 2 MiB).
 */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

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
  /**
   * How long the caller waits, in all: for a rate-limit slot, another process's fetch of the
   * same URL, a connection, the answer and any retries. Default: the provider's, else 15 s for
   * MusicBrainz and 30 s for the rest.
   */
  timeoutMs?: number;
  /** Further attempts after a network error, a timeout or a 5xx, while the timeout allows. Default 3. */
  retries?: number;
  /**
   * Request headers. Those that look like credentials (Authorization, Cookie, anything named
   * like a key, token, secret or password) are sent with this request only: never written to
   * the database, never sent to another origin a redirect leads to, and refused for a queued
   * request (a worker in another process could not have them): configure them per provider.
   */
  headers?: Record<string, string>;
  metadata?: JsonObject;
  /** Queue priority, lower first. Default 1 for immediate, 2 for queued. */
  priority?: number;
  expectedChecksum?: string;
  /** Default: the provider's `maxBytes`, else its JSON cap for JSON (`expect: 'json'`; 1 MiB unless a preset says otherwise) and 25 MiB for the rest. */
  maxBytes?: number;
  /** Default `image` for the image data types, else `any`. */
  expect?: ExpectedContent;
  /**
   * `false` for a URL taken from a third party's answer (an image URL in TheAudioDB's JSON):
   * it may not reach loopback, the local network or other private addresses, neither itself
   * nor through a redirect. `true`: anything. Unset (the default): a redirect may lead to a
   * private address only when the URL itself names one (a mirror on the local network).
   */
  allowPrivateAddresses?: boolean;
  /**
   * For a queued request: the next steps, run by whichever worker settles this fetch (see
   * `DataCacheClient.registerChainStep`). The step named by `kind` gets `state` and the answer,
   * and the fetches it gives back are queued in the same transaction as this one completes.
   */
  chain?: ChainLink;
  /**
   * For a queued request: fetch even if the cached copy is still fresh (conditionally, with its
   * ETag or Last-Modified: a 304 renews it). Refresh-ahead's requests.
   */
  refresh?: boolean;
  signal?: AbortSignal;
  /**
   * For a request now (`immediate`): ask the origin even when the cached copy is fresh,
   * conditionally (its ETag or Last-Modified: a 304 renews it without a download). What a
   * client's `Cache-Control: no-cache` asks of the proxy. Never stored.
   */
  revalidate?: boolean;
  /**
   * For a request now (`immediate`): this request's own credentials (a key its client sent),
   * added after the provider's as each attempt goes out. Never stored or queued; a fetch other
   * callers join (single flight) goes out with the credentials of the caller that started it.
   */
  authorize?: RequestAuthorizer;
  /** Called with the entry (or null) once it is known; for a queued request, when any process stored it. */
  onComplete?: (entry: import('../storage/cached-entry.js').CachedEntry | null) => void;
}

/** A queued fetch's next steps: which registered step runs them, and what it needs to know (JSON, at most 16 KiB). */
// A type, not an interface: it goes into the queued request, a JsonObject.
export type ChainLink = { kind: string; state: JsonObject };

/** The largest chain state: a step's state names an artist and a few URLs, not data. */
const MAX_CHAIN_STATE_BYTES = 16 * 1024;

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

/** Runs each authorizer in turn (those undefined skipped); undefined when there is none, the one itself when there is one. */
export function chainAuthorizers(authorizers: readonly (RequestAuthorizer | undefined)[]): RequestAuthorizer | undefined {
  const given = authorizers.filter((authorize) => authorize !== undefined);
  if (given.length <= 1) return given[0];
  return (request) => given.reduce((current, authorize) => authorize(current), request);
}

/** Per-provider settings a client takes (the providers layer adds more, such as baseUrl and apiKey). */
export interface ProviderSettings {
  /** Infinity: no limit (a private mirror). */
  ratePerSecond?: number;
  burst?: number;
  ttlSeconds?: number;
  timeoutMs?: number;
  /** The default cap on this provider's bodies, JSON and images alike (see FetchRequest.maxBytes). */
  maxBytes?: number;
  /** The default cap on this provider's JSON answers when `maxBytes` is not set (a preset's). */
  maxJsonBytes?: number;
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
  /** As given; null when unset. */
  allowPrivateAddresses: boolean | null;
  /** Null when the fetch is not a step of a chain. */
  chain: ChainLink | null;
  /** Fetch even when the cached copy is fresh (a queued refresh ahead of expiry). */
  refresh: boolean;
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
  const url = requireFetchableUrl(input.url);
  const headers = requireHeaders(input.headers);
  if (!immediate) {
    const secret = Object.keys(headers).find(isCredentialHeader);
    if (secret !== undefined) {
      throw new InvalidArgumentError(
        `headers.${secret} looks like a credential, and a queued request is stored in the cache database for a worker in any process; ` +
          `set it per process instead (providers: { ${provider}: { headers: { '${secret}': … } } }), or fetch now (immediate: true).`,
      );
    }
  }
  // Not part of the resolved request (they cannot be queued), but checked here with the rest.
  if (input.signal !== undefined && !(input.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`signal must be an AbortSignal (from an AbortController), got ${describeValue(input.signal)}.`);
  }
  if (input.onComplete !== undefined && typeof input.onComplete !== 'function') {
    throw new InvalidArgumentError(`onComplete must be a function (entry) => void, got ${describeValue(input.onComplete)}.`);
  }
  if (input.authorize !== undefined && typeof input.authorize !== 'function') {
    throw new InvalidArgumentError(`authorize must be a function ({ url, headers }) => { url, headers }, got ${describeValue(input.authorize)}.`);
  }
  const revalidate = optionalBoolean('revalidate', input.revalidate, false);
  // A worker in another process could not have them: both belong to the caller asking now.
  if ((revalidate || input.authorize !== undefined) && !immediate) throw new InvalidArgumentError('revalidate and authorize are for requests now (immediate: true); a queued request cannot carry them.');
  const chain = requireChainLink(input.chain);
  if (chain !== null && immediate) throw new InvalidArgumentError('chain is for queued requests (immediate: false): its steps run in the worker that settles the fetch.');
  const refresh = optionalBoolean('refresh', input.refresh, false);
  if (refresh && immediate) throw new InvalidArgumentError('refresh is for queued requests (immediate: false); a fetch now of a fresh entry is answered from the cache.');
  const metadataText = serializeMetadata('metadata', input.metadata);
  const expectedChecksum = input.expectedChecksum === undefined ? null : requireString('expectedChecksum', input.expectedChecksum, { maxLength: 64 }).toLowerCase();
  if (expectedChecksum !== null && !/^[0-9a-f]{64}$/.test(expectedChecksum)) {
    throw new InvalidArgumentError('expectedChecksum must be a SHA-256 in hex (64 characters).');
  }
  const expect = requireExpectedContent(input.expect, dataType);
  const identifier = requireString('identifier', input.identifier, { allowEmpty: true, maxLength: 1024 });
  const settings = providerSettings(defaults, provider);
  const defaultMaxBytes = settings?.maxBytes ?? (expect === 'json' ? (settings?.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES) : DEFAULT_MAX_BYTES);
  return {
    url,
    identifier: ARTIST_DATA_TYPES.has(dataType) ? normalizeArtistIdentifier(identifier) : identifier,
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
    headers: headers,
    metadata: metadataText === null ? {} : (JSON.parse(metadataText) as JsonObject),
    priority: optionalFiniteNumber('priority', input.priority, immediate ? 1 : 2, { min: 0, integer: true }),
    expectedChecksum,
    maxBytes: optionalFiniteNumber('maxBytes', input.maxBytes, defaultMaxBytes, { min: 1 }),
    expect,
    allowPrivateAddresses: input.allowPrivateAddresses === undefined ? null : optionalBoolean('allowPrivateAddresses', input.allowPrivateAddresses, false),
    chain,
    refresh,
  };
}

function requireChainLink(value: unknown): ChainLink | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) throw new InvalidArgumentError(`chain must be { kind, state }, got ${describeValue(value)}.`);
  const kind = requireName('chain.kind', value.kind);
  const text = serializeMetadata('chain.state', value.state) ?? '{}';
  if (Buffer.byteLength(text) > MAX_CHAIN_STATE_BYTES) throw new InvalidArgumentError(`chain.state is ${Buffer.byteLength(text)} bytes as JSON; at most ${MAX_CHAIN_STATE_BYTES}.`);
  return { kind, state: JSON.parse(text) as JsonObject };
}

/**
 * The queued form: everything but the signal, the callback and any header that looks like a
 * credential, as JSON. The row is also written for a fetch happening now (it is the lock on the
 * URL), and the database outlives the request.
 */
export function toJobRequest(fetch: ResolvedFetch): JsonObject {
  const headers = Object.fromEntries(Object.entries(fetch.headers).filter(([name]) => !isCredentialHeader(name)));
  return { ...fetch, headers };
}

export function fromJobRequest(request: JsonObject): ResolvedFetch {
  const fetch = request as unknown as Omit<ResolvedFetch, 'expect' | 'allowPrivateAddresses' | 'chain' | 'refresh'> & { expect?: ExpectedContent; allowPrivateAddresses?: boolean | null; chain?: ChainLink | null; refresh?: boolean };
  return {
    ...fetch,
    // Jobs queued before these existed.
    expect: fetch.expect ?? (IMAGE_DATA_TYPES.has(fetch.dataType) ? 'image' : 'any'),
    allowPrivateAddresses: fetch.allowPrivateAddresses ?? null,
    chain: fetch.chain ?? null,
    refresh: fetch.refresh ?? false,
  };
}

/** An http(s) URL that parses, without a user name or password in it (those would be stored and shown everywhere). */
function requireFetchableUrl(value: unknown): string {
  const url = requireHttpUrl('url', value);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`url is not a valid URL: ${JSON.stringify(redactText(url.slice(0, 80)))}.`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidArgumentError(
      'url has a user name or password in it, which would be stored in the cache and shown in logs; configure the provider instead (providers: { NAME: { baseUrl: "http://user:password@host" } } sends them as Basic authentication).',
    );
  }
  return url;
}

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible Latin-1 and tabs: what a header value can carry without breaking the request. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function requireHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new InvalidArgumentError(`headers must be an object of header names to values, got ${describeValue(value)}.`);
  for (const [name, header] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) throw new InvalidArgumentError(`headers: ${JSON.stringify(name.slice(0, 60))} is not a valid header name (letters, digits and !#$%&'*+.^_\`|~-).`);
    if (typeof header !== 'string' || !HEADER_VALUE.test(header)) {
      throw new InvalidArgumentError(`headers.${name} must be a single-line string of printable Latin-1 characters, got ${describeValue(header)}.`);
    }
  }
  return value as Record<string, string>;
}

function requireExpectedContent(value: unknown, dataType: string): ExpectedContent {
  if (value === undefined) return IMAGE_DATA_TYPES.has(dataType) ? 'image' : 'any';
  if (value === 'image' || value === 'json' || value === 'any') return value;
  throw new InvalidArgumentError(`expect must be 'image', 'json' or 'any', got ${describeValue(value)}.`);
}
