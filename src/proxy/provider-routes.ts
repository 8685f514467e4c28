import { serviceBaseUrl } from '../providers/api/presets.js';

/** A provider the proxy serves under its own path, and what its answers are filed as. */
export interface ProviderRoute {
  /** The first path segment (`/musicbrainz/…`) and the provider's name. */
  provider: string;
  /** Where the service lives (a configured baseUrl moves it, as for every request of the library). */
  service: string;
  /** The data type its answers are stored under. */
  dataType: string;
}

/** The providers served, each at `/<name>/…`; only their origins (or their configured mirrors) are ever contacted for these paths. */
export const PROXY_PROVIDERS: readonly string[] = ['musicbrainz', 'theaudiodb', 'fanarttv', 'lastfm', 'discogs', 'wikimedia', 'coverartarchive'];

const ROUTES: ReadonlyMap<string, ProviderRoute> = new Map(
  PROXY_PROVIDERS.map((provider) => [provider, { provider, service: serviceBaseUrl(provider)!, dataType: provider === 'musicbrainz' ? 'musicbrainz' : 'api' }]),
);

/** Service host → route, for absolute-form requests (`GET http://musicbrainz.org/ws/2/…` from a client that honours HTTP_PROXY). */
const BY_HOST: ReadonlyMap<string, ProviderRoute> = new Map([
  ...[...ROUTES.values()].map((route): [string, ProviderRoute] => [new URL(route.service).host, route]),
  // whats-now-playing writes TheAudioDB without the www.
  ['theaudiodb.com', ROUTES.get('theaudiodb')!],
]);

/** A request the proxy will make for a client: the route, and the service URL asked for. */
export interface RoutedRequest {
  route: ProviderRoute;
  /** On the service's own origin (datacache moves it to a configured mirror). */
  url: string;
}

/**
 * The service URL for a proxy path: `/musicbrainz/ws/2/artist?query=air` →
 * `https://musicbrainz.org/ws/2/artist?query=air`, or null when the first segment names no
 * provider. Whatever follows the prefix stays on the service's origin.
 *
 * @example routeOfPath('/lastfm/2.0/?method=artist.getinfo&artist=Air')?.url // 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air'
 */
export function routeOfPath(target: string, accept?: string): RoutedRequest | null {
  const match = /^\/([a-z]+)(?=$|[/?])/u.exec(target);
  const route = match === null ? undefined : ROUTES.get(match[1]!);
  if (route === undefined) return null;
  const rest = target.slice(match![0].length);
  return onService(route, rest.startsWith('/') ? rest : `/${rest}`, accept);
}

/**
 * The route for an absolute-form request URI whose host is a provider's service, or null. The
 * request goes to the service over HTTPS whatever scheme the client wrote: a client that
 * honours HTTP_PROXY only sends plain-http URLs this way.
 */
export function routeOfAbsolute(url: URL, accept?: string): RoutedRequest | null {
  const route = BY_HOST.get(url.host);
  return route === undefined ? null : onService(route, `${url.pathname}${url.search}`, accept);
}

function onService(route: ProviderRoute, pathAndQuery: string, accept: string | undefined): RoutedRequest | null {
  let url: URL;
  try {
    url = new URL(`${route.service}${pathAndQuery}`);
  } catch {
    return null;
  }
  // Dot segments and the like resolve within the origin, but make sure: this is the relay guard.
  if (url.origin !== new URL(route.service).origin) return null;
  if (route.provider === 'musicbrainz') canonicalMusicBrainz(url, accept);
  return { route, url: url.toString() };
}

/**
 * MusicBrainz's parameters in one order (sorted by name), as the library's musicbrainz
 * provider writes them, so a search through the proxy and the same search made by the library
 * are one cache entry. A client asking for JSON with `Accept` alone gets `fmt=json` written
 * into the URL: the cache is keyed by URL, and MusicBrainz answers XML otherwise.
 */
function canonicalMusicBrainz(url: URL, accept: string | undefined): void {
  if (!url.searchParams.has('fmt') && accept !== undefined && /application\/json/iu.test(accept) && !/xml/iu.test(accept)) url.searchParams.set('fmt', 'json');
  if (url.search === '') return;
  const parameters = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = new URLSearchParams(parameters).toString();
}
