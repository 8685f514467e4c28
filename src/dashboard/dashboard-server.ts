import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { IMAGE_DATA_TYPES } from '../client/fetch-request.js';
import { DataCacheError, InvalidArgumentError } from '../errors.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import type { JobState } from '../queue/job-queue.js';
import { redactText } from '../redaction.js';
import type { CachedEntry } from '../storage/cached-entry.js';
import { optionalBoolean, optionalFiniteNumber, requireOptionsObject, requireString } from '../validation.js';
import { artistImages, listArtists, listQueue, readOverview, type ImageSummary } from './dashboard-data.js';
import { createHostCheck, isLoopbackListenAddress, validateAllowedHosts } from './host-check.js';
import { listen } from './listen.js';
import { imageContentType, isHeaderToken, randomServableImage, requireImageType } from './image-answer.js';
import { artistListPage, artistPage, imagePage } from './pages/artists-page.js';
import { artistDetails } from './artist-details.js';
import { newActionToken, runAction } from './actions.js';
import type { PageContext } from './html.js';
import { overviewPage } from './pages/overview-page.js';
import { ratesPage } from './pages/rates-page.js';
import { readRates } from './rates-data.js';
import { precachePage } from './pages/precache-page.js';
import { DashboardPrecache } from './precache-run.js';
import type { FindLibrariesOptions } from '../precache/library/library-locations.js';
import { OVERLAY_SCRIPT_SOURCE, overlayPage, overlaySettings } from './pages/overlay-page.js';
import { ForbiddenRequest, readJsonBody, requireSameOrigin } from './post-request.js';

export interface DashboardOptions {
  /** Default 127.0.0.1. Any address that is not loopback needs `allowRemote: true`. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Allow binding to an address other people's machines can reach. The dashboard has no login. */
  allowRemote?: boolean;
  /**
   * Host names it also answers to (`studio.lan`, a name you gave it in /etc/hosts), besides
   * localhost, IP addresses and this machine's name when remote. Any other Host is refused
   * with 421, so a web page cannot reach the dashboard by DNS rebinding.
   */
  allowedHosts?: string[];
  /** Whose computer the pre-cache page looks for DJ libraries on. Default: this user's usual places. */
  libraries?: FindLibrariesOptions;
}

export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:8787. */
  url: string;
  close(): Promise<void>;
}

/**
 * Headers on every answer: no sniffing, no framing, no script (the pages need none), and no
 * embedding by other origins: without CORP, a web page in the DJ's browser could load
 * `<img src="http://localhost:8787/image/random?artist=X">` and learn from onload/onerror
 * which artists are cached. CORP only governs subresource loads, so an OBS browser source that
 * opens the URL as its page (a navigation) still gets the image.
 */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * Overlays run one script, allowed by its hash, which may ask this server (and only it) for
 * images and for who is on air. Nothing else runs, loads or submits.
 */
const OVERLAY_HEADERS = {
  ...SECURITY_HEADERS,
  'content-security-policy': `default-src 'none'; img-src 'self'; connect-src 'self'; script-src ${OVERLAY_SCRIPT_SOURCE}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
};

/** Images come from the internet: an SVG among them must not run script when opened directly. */
const IMAGE_HEADERS = { ...SECURITY_HEADERS, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" };

class NotFound extends Error {}

/**
 * A local web page over the cache: an overview (hit rate over time, bytes against the
 * budget, entries, queue, rate limits and cool-downs, recent errors), an artist browser with
 * each artist's whole cached record, overlays for OBS (`/overlay?artist=NAME&type=fanart`,
 * `/overlay/now`), random cached images and JSON under `/api/`. Pages only read; the buttons
 * (refresh, remove, retry) and `POST /api/now-playing` change things, guarded against
 * cross-site requests.
 *
 * @example
 * const dashboard = await startDashboard(providers, { port: 8787 });
 * console.log(`open ${dashboard.url}`);
 */
export async function startDashboard(providers: DataCacheProviders, options: DashboardOptions = {}): Promise<Dashboard> {
  const input = requireOptionsObject('dashboard options', options);
  const host = input.host === undefined ? '127.0.0.1' : requireString('host', input.host, { maxLength: 255 });
  const port = optionalFiniteNumber('port', input.port, 8787, { min: 0, max: 65_535, integer: true });
  const allowRemote = optionalBoolean('allowRemote', input.allowRemote, false);
  const allowedHosts = validateAllowedHosts(input.allowedHosts);
  const loopback = isLoopbackListenAddress(host);
  if (!loopback && !allowRemote) {
    throw new InvalidArgumentError(`host ${host} is reachable from other machines and the dashboard has no login; pass allowRemote: true (--allow-remote) if that is what you want.`);
  }
  const hostAllowed = createHostCheck(!loopback, allowedHosts);
  const token = newActionToken();
  await providers.initialize();
  const precache = new DashboardPrecache(providers, requireOptionsObject('libraries', input.libraries));
  const server = createServer((request, response) => {
    handle(providers, request, response, hostAllowed, token, precache).catch((error: unknown) => {
      answerError(response, error);
    });
  });
  const listening = await listen(server, port, host);
  return {
    url: listening.url,
    close: async () => {
      // What the pre-cache queued stays queued; only this page stops following it.
      precache.close();
      await listening.close();
    },
  };
}

async function handle(providers: DataCacheProviders, request: IncomingMessage, response: ServerResponse, hostAllowed: (host: string | undefined) => boolean, token: string, precache: DashboardPrecache): Promise<void> {
  // First of all: a page on some web site must not reach the dashboard through DNS rebinding.
  if (!hostAllowed(request.headers.host)) {
    send(response, 421, 'text/plain; charset=utf-8', 'This dashboard does not answer requests addressed to that host name (a guard against DNS rebinding); if the name is yours, add it with --allowed-host (allowedHosts).');
    return;
  }
  const url = parseRequestUrl(request.url);
  const path = url.pathname;
  if (request.method === 'POST' && path === '/api/now-playing') {
    requireSameOrigin(request);
    const body = await readJsonBody(request);
    const artist = typeof body === 'object' && body !== null && 'artist' in body ? (body).artist : undefined;
    if (artist !== null && typeof artist !== 'string') throw new InvalidArgumentError('Send {"artist": "Daft Punk"}, or {"artist": null} when nothing is on air.');
    sendJson(response, { nowPlaying: await providers.setNowPlaying(artist) });
    return;
  }
  if (request.method === 'POST' && path.startsWith('/actions/')) {
    const done = await runAction(providers, path.slice('/actions/'.length), request, token, precache);
    // Back to the page the button was on, saying what happened (303: the browser GETs it).
    const back = new URL(done.back, 'http://dashboard.local');
    back.searchParams.set('notice', done.message);
    response.writeHead(303, { ...SECURITY_HEADERS, location: `${back.pathname}${back.search}`, 'content-length': 0 });
    response.end();
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'text/plain; charset=utf-8', 'The dashboard reads with GET; it takes POST at /api/now-playing and /actions/….', { allow: 'GET, HEAD' });
    return;
  }
  const query = (name: string): string => url.searchParams.get(name) ?? '';
  const notice = url.searchParams.get('notice');
  const shownUrl = new URL(url);
  shownUrl.searchParams.delete('notice');
  const context: PageContext = { token, path: `${shownUrl.pathname}${shownUrl.search}`, notice: notice === null ? null : notice.slice(0, 300) };
  if (path === '/') {
    sendHtml(response, overviewPage(await readOverview(providers, overviewQuery(url)), context));
  } else if (path === '/api/overview') {
    sendJson(response, await readOverview(providers, overviewQuery(url)));
  } else if (path === '/rates') {
    sendHtml(response, ratesPage(await readRates(providers), context));
  } else if (path === '/api/rates') {
    sendJson(response, await readRates(providers));
  } else if (path === '/precache') {
    sendHtml(response, precachePage(await precache.libraries(), precache.current, await providers.client.workersPaused(), context));
  } else if (path === '/artists') {
    sendHtml(response, artistListPage(query('q'), await listArtists(providers, query('q'), limitOf(url)), context));
  } else if (path === '/api/artists') {
    sendJson(response, await listArtists(providers, query('q'), limitOf(url)));
  } else if (path.startsWith('/artists/')) {
    const details = await artistDetails(providers, requireArtistName(decodePart(path.slice('/artists/'.length))));
    // The Host header passed the host check above: it is how this browser reaches the dashboard.
    sendHtml(response, artistPage(details, `http://${request.headers.host ?? '127.0.0.1'}`, Date.now(), context));
  } else if (path.startsWith('/api/artists/')) {
    sendJson(response, await artistDetails(providers, requireArtistName(decodePart(path.slice('/api/artists/'.length)))));
  } else if (path === '/overlay' || path === '/overlay/now') {
    const settings = overlaySettings(path === '/overlay' ? 'artist' : 'now', url.searchParams);
    send(response, 200, 'text/html; charset=utf-8', overlayPage(settings), { ...OVERLAY_HEADERS, 'cache-control': 'no-store' });
  } else if (path === '/api/now-playing') {
    sendJson(response, { nowPlaying: await providers.nowPlaying() });
  } else if (path === '/image/random') {
    await sendRandomImage(providers, url, response);
  } else if (path.startsWith('/image/')) {
    await sendImage(providers, decodePart(path.slice('/image/'.length)), response);
  } else if (path.startsWith('/view/')) {
    const viewed = await findImage(providers, decodePart(path.slice('/view/'.length)));
    sendHtml(response, imagePage(viewed.identifier, viewed.dataType, viewed.image, context));
  } else if (path === '/api/queue') {
    const state = query('state');
    // The queue checks the state and answers InvalidArgumentError (400) for any other.
    sendJson(response, await listQueue(providers, state === '' ? undefined : (state as JobState), limitOf(url)));
  } else {
    throw new NotFound(`Nothing at ${path}. Pages: /, /artists, /rates, /precache; overlays: /overlay?artist=NAME&type=fanart, /overlay/now; images: /image/random?artist=NAME&type=fanart; JSON: /api/overview, /api/rates, /api/artists, /api/queue, /api/now-playing.`);
  }
}

/** `GET /image/random?artist=Daft%20Punk&type=fanart[&provider=fanarttv]`: a different cached image each time. */
async function sendRandomImage(providers: DataCacheProviders, url: URL, response: ServerResponse): Promise<void> {
  const artist = url.searchParams.get('artist');
  if (artist === null || artist.trim() === '') throw new InvalidArgumentError('Give the artist: /image/random?artist=Daft%20Punk&type=fanart');
  const type = requireImageType(url.searchParams.get('type') ?? 'fanart');
  const provider = url.searchParams.get('provider');
  const started = performance.now();
  const image = await randomServableImage(providers, { artistIdentifier: artist, imageType: type, ...(provider === null ? {} : { provider }) });
  if (image === null) throw new NotFound(`No cached ${type} for "${artist}".`);
  // What an overlay shows is a read that served someone: counted (the dashboard's own
  // thumbnails, /image/<key>, are the operator looking, and are not).
  providers.client.countHit(image.entry.provider, image.entry.dataType, performance.now() - started);
  // Each request must get its own pick: an overlay asks the same URL again and again. A key
  // imported from elsewhere may hold anything; one that is no plain token stays out of the headers.
  const { entry, contentType } = image;
  sendBytes(response, contentType, entry.data, { 'cache-control': 'no-store', ...(isHeaderToken(entry.cachekey) ? { 'x-datacache-cachekey': entry.cachekey } : {}) });
}

async function sendImage(providers: DataCacheProviders, cachekey: string, response: ServerResponse): Promise<void> {
  const entry = await cachedImage(providers, cachekey);
  const contentType = imageContentType(entry.mimeType, entry.data);
  if (contentType === null) throw new NotFound('That cached entry is not an image that can be shown.');
  sendBytes(response, contentType, entry.data, { 'cache-control': 'private, max-age=3600' });
}

async function findImage(providers: DataCacheProviders, cachekey: string): Promise<{ identifier: string; dataType: string; image: ImageSummary }> {
  const entry = await cachedImage(providers, cachekey);
  const images = await artistImages(providers, entry.identifier);
  const image = images[entry.dataType]?.find((candidate) => candidate.cachekey === cachekey);
  if (image === undefined) throw new NotFound('That image has expired.');
  return { identifier: entry.identifier, dataType: entry.dataType, image };
}

/** The cached image with this cache key (expired ones too: the browser shows what is there), or NotFound. */
async function cachedImage(providers: DataCacheProviders, cachekey: string): Promise<CachedEntry> {
  const entry = await providers.storage.retrieveByCachekey(cachekey, { allowStale: true });
  if (entry === null || entry.statusCode !== 200 || !IMAGE_DATA_TYPES.has(entry.dataType)) throw new NotFound('No such cached image.');
  return entry;
}

function overviewQuery(url: URL): { hours: number; bucketMinutes: number } {
  const hours = url.searchParams.has('hours') ? Number(url.searchParams.get('hours')) : 24;
  const bucketMinutes = url.searchParams.has('bucket') ? Number(url.searchParams.get('bucket')) : Math.max(1, Math.round((hours * 60) / 96));
  return { hours: optionalFiniteNumber('hours', hours, 24, { min: 0.1, max: 24 * 90 }), bucketMinutes: optionalFiniteNumber('bucket', bucketMinutes, 15, { min: 1, max: 1440, integer: true }) };
}

function limitOf(url: URL): number {
  return url.searchParams.has('limit') ? optionalFiniteNumber('limit', Number(url.searchParams.get('limit')), 100, { min: 1, max: 1000, integer: true }) : 100;
}

function requireArtistName(name: string): string {
  if (name.trim() === '' || name.length > 1024) throw new InvalidArgumentError('Name an artist: /artists/Daft%20Punk.');
  return name;
}

function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidArgumentError('The address is not properly percent-encoded.');
  }
}

/** Only the path and query count; a target the URL parser refuses is the client's mistake (400), not ours. */
function parseRequestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://dashboard.local');
  } catch {
    throw new InvalidArgumentError('The address is not a valid path.');
  }
}

function answerError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const status = error instanceof NotFound ? 404 : error instanceof ForbiddenRequest ? 403 : error instanceof InvalidArgumentError ? 400 : 500;
  const message = redactText(error instanceof Error ? error.message : String(error));
  const code = error instanceof DataCacheError ? error.code : undefined;
  send(response, status, 'application/json; charset=utf-8', JSON.stringify({ error: message, ...(code === undefined ? {} : { code }) }));
}

function sendHtml(response: ServerResponse, body: string): void {
  send(response, 200, 'text/html; charset=utf-8', body, { 'cache-control': 'no-store' });
}

function sendJson(response: ServerResponse, body: unknown): void {
  send(response, 200, 'application/json; charset=utf-8', JSON.stringify(body, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value)), { 'cache-control': 'no-store' });
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body);
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': contentType, 'content-length': bytes.length });
  response.end(response.req.method === 'HEAD' ? undefined : bytes);
}

function sendBytes(response: ServerResponse, contentType: string, data: Buffer, headers: Record<string, string>): void {
  response.writeHead(200, { ...IMAGE_HEADERS, ...headers, 'content-type': contentType, 'content-length': data.length });
  response.end(response.req.method === 'HEAD' ? undefined : data);
}
