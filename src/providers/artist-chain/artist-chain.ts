import type { ChainStep, ChainStepContext } from '../../client/chains.js';
import { entryJson } from '../../client/entry-json.js';
import type { FetchRequest } from '../../client/fetch-request.js';
import type { JobQueue } from '../../queue/job-queue.js';
import type { CachedEntry } from '../../storage/cached-entry.js';
import type { DataStorage } from '../../storage/data-storage.js';
import type { JsonObject, JsonValue } from '../../validation.js';
import type { SearchResult } from '../musicbrainz/musicbrainz-provider.js';
import { shuffle } from '../shuffle.js';
import { matchArtist } from './artist-match.js';
import { ARTWORK_TYPES, FANART_TV, THE_AUDIO_DB, type ArtworkSource, type ArtworkType } from './artwork-sources.js';

/** The chain kind of an artist's fetches (`FetchRequest.chain.kind`). */
export const ARTIST_CHAIN = 'artist';

const SOURCES: Readonly<Record<string, ArtworkSource>> = { theaudiodb: THE_AUDIO_DB, fanarttv: FANART_TV };

/** An artist as the chain carries it. */
export interface ChainArtist {
  /** As the library (or the app) spells it. */
  name: string;
  /** Names to search when MusicBrainz knows no artist by the whole name ("Simon & Garfunkel" → Simon, Garfunkel). */
  parts?: string[];
}

/**
 * What each fetch of the chain carries (`chain.state`), so that any worker, in any process or
 * machine, can take the next step from it and the cache alone:
 * - `search`: the MusicBrainz artist search for `name`;
 * - `lookup`: an artwork service's lookup of `mbid`; `sources` are the services still to ask
 *   after it, `lookups` the cache URLs of those asked so far, this one included.
 */
interface ArtistChainState {
  step: 'search' | 'lookup';
  name: string;
  parts?: string[];
  mbid?: string;
  sources: string[];
  lookups?: string[];
  limits: Record<ArtworkType, number>;
}

/** What the chain needs from the providers and the cache; given by DataCacheProviders. */
export interface ArtistChainDependencies {
  searchRequest(name: string): FetchRequest;
  lookupRequest(provider: string, requestUrl: string, identifier: string): FetchRequest;
  imageRequest(identifier: string, imageType: ArtworkType, url: string, allowPrivateAddresses: boolean): FetchRequest;
  /** Whether the user configured a mirror for the provider (its image URLs are trusted like the user). */
  isMirrored(provider: string): boolean;
  storage: Pick<DataStorage, 'retrieveByUrl' | 'retrieveSummaryByUrl'>;
  queue: Pick<JobQueue, 'get'>;
}

/** How the chain is started: the artwork services to ask (in order) and how many images of each type to keep. */
export interface ArtistChainOptions {
  sources: readonly string[];
  limits: Record<ArtworkType, number>;
  /** Queue priority of every fetch of the chain. */
  priority: number;
}

/**
 * The first fetch of an artist's chain: its MusicBrainz search. Queued (`client.queueFetch`),
 * it carries the chain: search → the artist picked from the answer → the artwork services'
 * lookups one after another → a sample of the images they list, each step queued by the
 * worker that settles the one before, in the same transaction.
 */
export function artistChainStart(dependencies: Pick<ArtistChainDependencies, 'searchRequest'>, artist: ChainArtist, options: ArtistChainOptions): FetchRequest {
  const state: ArtistChainState = { step: 'search', name: artist.name, sources: [...options.sources], limits: { ...options.limits } };
  // One part is a fallback too ("01 Espoir 2000" → "Espoir 2000"): the whole name must then match exactly.
  if (artist.parts !== undefined && artist.parts.length > 0) state.parts = [...artist.parts];
  return { ...dependencies.searchRequest(artist.name), priority: options.priority, chain: { kind: ARTIST_CHAIN, state: state as unknown as JsonObject } };
}

/**
 * The step every worker runs for the artist chain (registered by DataCacheProviders). Its
 * follow-ups keep the chain's priority: the fetch that ran carries it (`context.priority`).
 */
export function artistChainStep(dependencies: ArtistChainDependencies): ChainStep {
  return async (context) => {
    const state = context.state as unknown as ArtistChainState;
    return state.step === 'search' ? searched(dependencies, state, context) : lookedUp(dependencies, state, context);
  };
}

/** After the search: the artist's first lookup, or the parts' searches when no artist has the whole name. */
function searched(dependencies: ArtistChainDependencies, state: ArtistChainState, context: ChainStepContext): FetchRequest[] {
  if (context.entry === null) return []; // failed for good: the chain of this artist ends
  const answer = entryJson<SearchResult<'artists'>>(context.entry);
  const mbid = matchArtist(state.name, answer, { exact: state.parts !== undefined });
  if (mbid !== null) return nextLookup(dependencies, { ...state, step: 'lookup', mbid, lookups: [] }, context.priority);
  if (state.parts === undefined) return [];
  // No artist is called "A & B": it is A and B.
  return state.parts.map((part) => ({
    ...dependencies.searchRequest(part),
    priority: context.priority,
    chain: { kind: ARTIST_CHAIN, state: { step: 'search', name: part, sources: state.sources, limits: state.limits } },
  }));
}

/** After a lookup (answered or not): the next service's lookup, or, after the last, the images. */
async function lookedUp(dependencies: ArtistChainDependencies, state: ArtistChainState, context: ChainStepContext): Promise<FetchRequest[]> {
  const lookups = [...(state.lookups ?? []), context.url];
  if (state.sources.length > 0) return nextLookup(dependencies, { ...state, lookups }, context.priority);
  return imagesToFetch(dependencies, state, lookups, context);
}

function nextLookup(dependencies: ArtistChainDependencies, state: ArtistChainState, priority: number): FetchRequest[] {
  const [provider, ...rest] = state.sources;
  const source = provider === undefined ? undefined : SOURCES[provider];
  if (source === undefined || state.mbid === undefined) return [];
  const request = dependencies.lookupRequest(source.provider, source.lookupUrl(state.mbid, undefined), identifierOf(dependencies, state.name));
  return [{ ...request, priority, chain: { kind: ARTIST_CHAIN, state: { ...state, sources: rest } as unknown as JsonObject } }];
}

/**
 * A sample of the images the lookups list: per type, up to its limit, counting what is cached
 * or on its way already (so a second run adds nothing), chosen at random.
 */
async function imagesToFetch(dependencies: ArtistChainDependencies, state: ArtistChainState, lookups: string[], context: ChainStepContext): Promise<FetchRequest[]> {
  const identifier = identifierOf(dependencies, state.name);
  const urlsByType = new Map<ArtworkType, Map<string, boolean>>(ARTWORK_TYPES.map((type) => [type, new Map<string, boolean>()]));
  for (const url of lookups) {
    const entry: CachedEntry | null = url === context.url ? context.entry : await dependencies.storage.retrieveByUrl(url, { allowStale: true });
    if (entry === null || entry.statusCode !== 200) continue;
    const source = SOURCES[entry.provider];
    if (source === undefined) continue;
    const answer = lookupAnswer(entry);
    if (answer === null) continue;
    const found = source.imageUrls(answer);
    // Image URLs from a public service's answer may not lead into the local network; a configured mirror's are trusted like the user.
    const trusted = dependencies.isMirrored(source.provider);
    for (const type of ARTWORK_TYPES) for (const url of found[type]) urlsByType.get(type)!.set(url, (urlsByType.get(type)!.get(url) ?? true) && trusted);
  }
  const requests: FetchRequest[] = [];
  for (const [type, urls] of urlsByType) {
    let held = 0;
    const candidates: FetchRequest[] = [];
    for (const [url, trusted] of urls) {
      const request = dependencies.imageRequest(identifier, type, url, trusted);
      const state = await stateOf(dependencies, request.url);
      if (state === 'held') held += 1;
      else if (state === 'missing') candidates.push({ ...request, priority: context.priority });
    }
    requests.push(...shuffle(candidates).slice(0, Math.max(0, state.limits[type] - held)));
  }
  return requests;
}

async function stateOf(dependencies: ArtistChainDependencies, url: string): Promise<'held' | 'gone' | 'missing'> {
  const summary = await dependencies.storage.retrieveSummaryByUrl(url);
  if (summary !== null) return summary.statusCode === 200 ? 'held' : 'gone';
  const job = await dependencies.queue.get(url);
  if (job === null || job.state === 'done') return 'missing';
  return job.state === 'failed' ? 'gone' : 'held';
}

/** The identifier every fetch of the chain is filed under: the search's (normalised name). */
function identifierOf(dependencies: ArtistChainDependencies, name: string): string {
  return dependencies.searchRequest(name).identifier;
}

/** A lookup's JSON answer; null when it does not parse (then the service lists nothing). */
export function lookupAnswer(entry: CachedEntry): JsonValue | null {
  try {
    return entryJson<JsonValue>(entry);
  } catch {
    return null;
  }
}
