import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { IMAGE_DATA_TYPES, MAX_FETCH_TIMEOUT_MS, type FetchRequest } from '../client/fetch-request.js';
import { createHostCheck, isLoopbackListenAddress, validateAllowedHosts } from '../dashboard/host-check.js';
import { listen } from '../dashboard/listen.js';
import { InvalidArgumentError } from '../errors.js';
import { isCredentialHeader } from '../http/redirects.js';
import { presetOf } from '../providers/api/presets.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { optionalBoolean, optionalFiniteNumber, requireOptionsObject, requireString } from '../validation.js';
import { absoluteTarget, refuseConnect } from './forward-proxy.js';
import { ImageHostPolicy, validateImageHosts } from './image-hosts.js';
import { answerEntry, answerError, answerJson, answerNotFound, ProxyRefusal, type CacheOutcome } from './proxy-answer.js';
import { PROXY_PROVIDERS, routeOfAbsolute, routeOfPath, type RoutedRequest } from './provider-routes.js';

export interface ProxyOptions {
  /** Default 127.0.0.1. Any address that is not loopback needs `allowRemote: true`. */
  host?: string;
  /** Default 8788; 0 picks a free port. */
  port?: number;
  /** Allow an address other machines can reach. The proxy has no login: anyone who reaches it spends your rate limits. */
  allowRemote?: boolean;
  /** Host names it also answers to, as for the dashboard (against DNS rebinding; other names get 421). */
  allowedHosts?: string[];
  /**
   * Hosts `/image?url=` may fetch from besides those the proxy's answers named and the
   * providers' CDNs (BUILT_IN_IMAGE_HOSTS): `['images.lan:8080']`. They are trusted: they may be
   * on the local network.
   */
  imageHosts?: string[];
  /** Whether the providers' image CDNs are allowed without an answer naming them. Default true. */
  builtInImageHosts?: boolean;
  /**
   * How long a client waits in all: in line for the provider's rate limit (live priority),
   * for another client's or process's fetch of the same URL, and for the origin. A client
   * that would wait longer for the rate limit gets 503 with Retry-After at once. Default: the
   * provider's timeout (15 s for the presets and MusicBrainz, else 30 s).
   */
  timeoutMs?: number;
}

export interface CachingProxy {
  /** Where it listens, e.g. http://127.0.0.1:8788. */
  url: string;
  close(): Promise<void>;
}

/** The longest request target: provider URLs are a few hundred bytes; a Lucene query may be long, not this long. */
const MAX_TARGET_LENGTH = 8 * 1024;
/** All request headers together (Node answers 431 past it). */
const MAX_HEADER_BYTES = 16 * 1024;
/** A client has this long to send its headers; a slow one is cut off, and holds nobody else up meanwhile. */
const HEADERS_TIMEOUT_MS = 10_000;
/** An image's TTL when it is filed under the proxy's own `image` type (the library's image types have 14 days too). */
const IMAGE_TTL_SECONDS = 14 * 86_400;
const NEGATIVE_IMAGE_TTL_SECONDS = 86_400;

/** One request the proxy makes through the cache. */
interface Plan {
  request: FetchRequest;
  /** The URL came from the client as written: its keys are taken out of the cache URL. */
  clientKeys: boolean;
  /** An answer of a provider: the image hosts it names become fetchable. */
  learn: boolean;
}

interface Context {
  providers: DataCacheProviders;
  hostAllowed: (host: string | undefined) => boolean;
  images: ImageHostPolicy;
  timeoutMs: number | undefined;
}

/**
 * A local caching HTTP proxy for the music services, for programs in any language: each
 * provider under its own path (`/musicbrainz/ws/2/…` → `https://musicbrainz.org/ws/2/…`,
 * `/theaudiodb/…`, `/fanarttv/…`, `/lastfm/…`, `/discogs/…`, `/wikimedia/…`,
 * `/coverartarchive/…`), images by URL (`/image?url=…`), and plain-http absolute-form
 * requests from clients that honour HTTP_PROXY. Answers come from the cache or through the
 * same pipeline as `getOrFetch` (shared rate limits, single flight, stale-if-error, negative
 * caching), with `X-Cache: HIT|MISS|STALE` and `Age`. Configured keys are added on the way out;
 * a client's keys are passed on and never stored. It contacts only the providers' origins (or
 * their configured mirrors) and the image hosts its policy allows.
 *
 * @example
 * const proxy = await startProxy(providers, { port: 8788 });
 * // curl 'http://127.0.0.1:8788/musicbrainz/ws/2/artist?query=air&fmt=json'
 * await proxy.close();
 */
export async function startProxy(providers: DataCacheProviders, options: ProxyOptions = {}): Promise<CachingProxy> {
  const input = requireOptionsObject('proxy options', options);
  const host = input.host === undefined ? '127.0.0.1' : requireString('host', input.host, { maxLength: 255 });
  const port = optionalFiniteNumber('port', input.port, 8788, { min: 0, max: 65_535, integer: true });
  const allowRemote = optionalBoolean('allowRemote', input.allowRemote, false);
  const allowedHosts = validateAllowedHosts(input.allowedHosts);
  const imageHosts = validateImageHosts(input.imageHosts);
  const builtIn = optionalBoolean('builtInImageHosts', input.builtInImageHosts, true);
  const timeoutMs = input.timeoutMs === undefined ? undefined : optionalFiniteNumber('timeoutMs', input.timeoutMs, 15_000, { min: 1, max: MAX_FETCH_TIMEOUT_MS });
  const loopback = isLoopbackListenAddress(host);
  if (!loopback && !allowRemote) {
    throw new InvalidArgumentError(`host ${host} is reachable from other machines and the proxy has no login; pass allowRemote: true (--allow-remote) if that is what you want.`);
  }
  await providers.initialize();
  const context: Context = { providers, hostAllowed: createHostCheck(!loopback, allowedHosts), images: new ImageHostPolicy(imageHosts, { builtIn }), timeoutMs };
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: HEADERS_TIMEOUT_MS + 5_000, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, (request, response) => {
    handle(context, request, response).catch((error: unknown) => {
      answerError(response, error, Date.now());
    });
  });
  server.keepAliveTimeout = 5_000;
  // A connection idle this long is gone; longer than any answer may take (the wait for a slot included).
  server.timeout = (timeoutMs ?? 60_000) + 60_000;
  server.on('connect', (_request: IncomingMessage, socket) => {
    refuseConnect(socket);
  });
  return listen(server, port, host);
}

async function handle(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = request.url ?? '/';
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    if (hasBody(request)) response.shouldKeepAlive = false;
    throw new ProxyRefusal(405, `The proxy only reads: ${String(request.method).slice(0, 20)} is not allowed, use GET or HEAD.`);
  }
  if (hasBody(request)) {
    // Nobody reads the body: the connection cannot carry another request after it.
    response.shouldKeepAlive = false;
    throw new ProxyRefusal(413, 'A GET or HEAD through the proxy has no body.');
  }
  if (target.length > MAX_TARGET_LENGTH) throw new ProxyRefusal(414, `The request target is ${target.length} characters; at most ${MAX_TARGET_LENGTH}.`);
  const absolute = absoluteTarget(target);
  // A web page reaching the proxy by DNS rebinding sends its own name as Host. A page cannot
  // send an absolute-form target, so those (from clients that honour HTTP_PROXY) name their
  // upstream host in the target instead.
  if (absolute === null && !context.hostAllowed(request.headers.host)) {
    throw new ProxyRefusal(421, 'This proxy does not answer requests addressed to that host name (a guard against DNS rebinding); if the name is yours, add it with --allowed-host (allowedHosts).');
  }
  if (absolute === null && (target === '/' || target.startsWith('/?'))) {
    answerJson(response, 200, { providers: Object.fromEntries(PROXY_PROVIDERS.map((name) => [name, `/${name}/…`])), image: '/image?url=…[&provider=…][&type=…][&artist=…]' });
    return;
  }
  const plan = absolute === null ? planForPath(context, request, target) : planForAbsolute(context, request, absolute);
  await serve(context, response, plan);
}

/** Whether a request comes with a body (the proxy takes none). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function planForPath(context: Context, request: IncomingMessage, target: string): Plan {
  if (target === '/image' || target.startsWith('/image?')) return planForImage(context, new URL(target, 'http://proxy.invalid').searchParams);
  const routed = routeOfPath(target, request.headers.accept);
  if (routed === null) throw new ProxyRefusal(404, `Nothing at ${target.slice(0, 100)}. Providers: ${PROXY_PROVIDERS.map((name) => `/${name}/…`).join(', ')}; images: /image?url=…`);
  return planForProvider(context, request, routed);
}

function planForAbsolute(context: Context, request: IncomingMessage, url: URL): Plan {
  const routed = routeOfAbsolute(url, request.headers.accept);
  if (routed !== null) return planForProvider(context, request, routed);
  return planForImageUrl(context, url, new URLSearchParams());
}

function planForProvider(context: Context, request: IncomingMessage, routed: RoutedRequest): Plan {
  const { provider, dataType } = routed.route;
  const negativeTtlSeconds = presetOf(provider)?.negativeTtlSeconds;
  return {
    request: {
      url: routed.url,
      identifier: '',
      dataType,
      provider,
      headers: credentialHeaders(request),
      ...(negativeTtlSeconds === undefined ? {} : { negativeTtlSeconds }),
      ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
      revalidate: wantsRevalidation(request),
    },
    clientKeys: true,
    learn: true,
  };
}

/** `/image?url=…[&provider=…][&type=fanart][&artist=…]`. */
function planForImage(context: Context, query: URLSearchParams): Plan {
  const given = query.get('url');
  if (given === null || given === '') throw new InvalidArgumentError('Give the image: /image?url=https%3A%2F%2Fassets.fanart.tv%2F…');
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new InvalidArgumentError('url is not a valid URL.');
  }
  return planForImageUrl(context, url, query);
}

function planForImageUrl(context: Context, url: URL, query: URLSearchParams): Plan {
  const verdict = context.images.verdict(url);
  if (!verdict.allowed || url.username !== '' || url.password !== '') {
    throw new ProxyRefusal(403, `${url.host} is not an image host this proxy fetches from: it is neither a provider's CDN nor named by an answer it served, nor in --image-hosts. The proxy is no open relay.`);
  }
  const type = query.get('type') ?? 'image';
  if (type !== 'image' && !IMAGE_DATA_TYPES.has(type)) throw new InvalidArgumentError(`type must be image or one of ${[...IMAGE_DATA_TYPES].join(', ')}.`);
  const provider = query.get('provider') ?? (url.host === 'coverartarchive.org' ? 'coverartarchive' : 'cdn');
  return {
    request: {
      url: url.toString(),
      identifier: query.get('artist') ?? '',
      dataType: type,
      provider,
      expect: 'image',
      negativeTtlSeconds: NEGATIVE_IMAGE_TTL_SECONDS,
      allowPrivateAddresses: verdict.trusted,
      ...(type === 'image' ? { ttlSeconds: IMAGE_TTL_SECONDS } : {}),
      ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
    },
    clientKeys: false,
    learn: false,
  };
}

/**
 * The client's headers that carry its credentials (fanart.tv's `api-key`, Discogs's
 * `Authorization`): passed on with its request only, never stored. Other headers are not:
 * the answer is cached by URL and shared, so it must not depend on them.
 */
function credentialHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && name !== 'proxy-authorization' && isCredentialHeader(name)) headers[name] = value;
  }
  return headers;
}

/** `Cache-Control: no-cache` (or `max-age=0`, or `Pragma: no-cache`): the client wants the origin asked, conditionally. */
function wantsRevalidation(request: IncomingMessage): boolean {
  const cacheControl = request.headers['cache-control'] ?? '';
  return /(?:^|,)\s*(?:no-cache|max-age\s*=\s*0)\s*(?:,|$)/iu.test(cacheControl) || /no-cache/iu.test(request.headers.pragma ?? '');
}

async function serve(context: Context, response: ServerResponse, plan: Plan): Promise<void> {
  const { providers } = context;
  const started = Date.now();
  const options = { clientKeys: plan.clientKeys };
  const entry = await providers.getOrFetch(plan.request, options);
  if (entry === null) {
    // A 404 remembered (a negative entry) or just learned: which one, its stored time tells.
    const negative = await providers.storage.retrieveSummaryByUrl(providers.cacheUrl(plan.request.provider, plan.request.url, options), { allowStale: true }).catch(() => null);
    answerNotFound(response, negative !== null && negative.storedAt < started && plan.request.revalidate !== true ? 'HIT' : 'MISS');
    return;
  }
  const outcome: CacheOutcome = entry.stale ? 'STALE' : entry.storedAt >= started || plan.request.revalidate === true ? 'MISS' : 'HIT';
  if (plan.learn && entry.statusCode === 200) context.images.learnFrom(entry, providers.isMirrored(plan.request.provider));
  answerEntry(response, entry, outcome, Date.now());
}
