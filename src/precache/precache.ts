import { setTimeout as sleep } from 'node:timers/promises';
import type { DataCacheClient, WorkerHandle } from '../client/data-cache-client.js';
import { InvalidArgumentError } from '../errors.js';
import { redactText, redactUrl } from '../redaction.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import type { SearchResult } from '../providers/musicbrainz/musicbrainz-provider.js';
import type { Cooldown } from '../ratelimit/shared-rate-limiter.js';
import { describeValue, optionalBoolean, optionalFiniteNumber, requireOptionsObject, type JsonValue } from '../validation.js';
import { lookupAnswer } from '../providers/artist-chain/artist-chain.js';
import { matchArtist } from '../providers/artist-chain/artist-match.js';
import { ArtistSet, type ArtistCandidate } from './artist-names.js';
import { ARTWORK_TYPES, FANART_TV, resolveArtworkLimits, THE_AUDIO_DB, type ArtworkSource, type ArtworkType } from '../providers/artist-chain/artwork-sources.js';

export interface PrecacheOptions {
  /**
   * Run the queued fetches in this process (a worker of concurrency `concurrency`). Default
   * false: a `datacache worker` (or the app's own worker) in another process runs them, and
   * precache follows its progress.
   */
  work?: boolean;
  /**
   * Follow the chains to their end and report (default true; `work` implies it). False: queue
   * every artist's chain and resolve at once: any worker on the cache carries them on.
   */
  follow?: boolean;
  /** Fetches at once when `work`. Default 3. */
  concurrency?: number;
  /** How many images of each type an artist keeps. Default thumbnail 3, logo 3, banner 3, fanart 20. */
  artworkLimits?: Partial<Record<ArtworkType, number>>;
  /** How often the cache and the queue are looked at. Default 500 ms. */
  pollIntervalMs?: number;
  /** Stops the run (what is queued stays queued; the next run resumes). */
  signal?: AbortSignal;
  /** Called after each look at the cache, and while queueing, with where the run is. */
  onProgress?: (progress: PrecacheProgress) => void;
}

export interface PrecacheProgress {
  /** Artists to pre-cache; grows when a name such as "A & B" turns out to be two artists. */
  artists: number;
  /** Artists whose every step is done: images queued (or fetched, with `work`), or nothing to find. */
  artistsDone: number;
  /** Artists found on MusicBrainz; not found there; whose lookups failed. */
  matched: number;
  notFound: number;
  failed: number;
  /** Image downloads queued by this run, and (with `work`) fetched and failed so far. */
  imagesQueued: number;
  imagesFetched: number;
  imagesFailed: number;
  /** Requests still to make, by provider (images only with `work`). */
  remaining: Record<string, number>;
  /** Time left at the providers' rate limits (and their cool-downs). */
  etaMs: number;
  /** How long since the last step finished: a long wait without `work` means no worker is running. */
  idleMs: number;
  /**
   * Why the `failed` artists failed, most artists first: each distinct reason (the failed
   * request's last error, redacted and without its URL, e.g. "could not be fetched: connect
   * ECONNREFUSED 127.0.0.1:9") with the provider that failed and how many artists it stopped.
   * An artist MusicBrainz does not know is not a failure, nor one a lookup does not know.
   */
  failureReasons: PrecacheFailureReason[];
  /** All done, or stopped by the signal. */
  finished: boolean;
  interrupted: boolean;
}

/** One reason artists failed, for PrecacheProgress.failureReasons. */
export interface PrecacheFailureReason {
  provider: string;
  reason: string;
  artists: number;
}

/** Why one request of an artist's failed. */
interface Failure {
  provider: string;
  reason: string;
}

type UrlState = 'cached' | 'not-found' | 'queued' | 'failed' | 'missing';

interface Lookup {
  source: ArtworkSource;
  /** The URL as the cache and the queue know it (key taken out, base URL applied). */
  cacheUrl: string;
  requestUrl: string;
  /** The answer; null when there is none to use (not found, or failed: then `failure` says why). */
  answer?: JsonValue | null;
  failure?: Failure;
}

interface ArtistTask {
  candidate: ArtistCandidate;
  searchUrl: string;
  /** Times a request was queued again after its job ended without an entry (evicted, cleared). */
  requeues: number;
  lookups: Lookup[];
}

/** At most this many waiting artists (and images) of each step are looked at per poll: the queue runs them in order. */
const WINDOW = 100;
const MAX_REQUEUES = 3;
/** The failure of a request whose job kept ending without an answer in the cache. */
const LOST: Failure = { provider: 'musicbrainz', reason: `no answer in the cache after ${MAX_REQUEUES + 1} tries (the queue cleared, or the cache over its budget?)` };

/**
 * Pre-caches artists: queues each one's chain at batch priority (providers.queueArtist: the
 * MusicBrainz artist search, then TheAudioDB's artist lookup and fanart.tv's when a key is
 * configured, then a sample of the images they list, see DEFAULT_ARTWORK_LIMITS), each step
 * queued by the worker that completes the one before, so any worker on the cache carries
 * every chain to its end, after any crash. With `follow` (the default) it then follows the
 * chains in the cache and the queue and reports; with `work` it also runs a worker itself.
 * What is cached or queued already is skipped, so an interrupted run resumes where it was.
 *
 * @example
 * const artists = new ArtistSet();
 * for await (const field of readLibraryArtists('collection.nml')) artists.addField(field);
 * const report = await precacheArtists(providers, artists, { work: true });
 */
export async function precacheArtists(providers: DataCacheProviders, artists: ArtistSet, options: PrecacheOptions = {}): Promise<PrecacheProgress> {
  if (!(artists instanceof ArtistSet)) throw new InvalidArgumentError(`precacheArtists() takes an ArtistSet, got ${describeValue(artists)}.`);
  const run = new PrecacheRun(providers, artists, checkOptions(options));
  return run.run();
}

interface CheckedOptions {
  work: boolean;
  follow: boolean;
  concurrency: number;
  limits: Record<ArtworkType, number>;
  pollIntervalMs: number;
  signal: AbortSignal | undefined;
  onProgress: (progress: PrecacheProgress) => void;
}

function checkOptions(options: PrecacheOptions): CheckedOptions {
  const input = requireOptionsObject('precache options', options);
  const limits = resolveArtworkLimits(input.artworkLimits);
  if (input.signal !== undefined && !(input.signal instanceof AbortSignal)) throw new InvalidArgumentError(`signal must be an AbortSignal, got ${describeValue(input.signal)}.`);
  if (input.onProgress !== undefined && typeof input.onProgress !== 'function') throw new InvalidArgumentError(`onProgress must be a function, got ${describeValue(input.onProgress)}.`);
  const work = optionalBoolean('work', input.work, false);
  return {
    work,
    follow: work || optionalBoolean('follow', input.follow, true),
    concurrency: optionalFiniteNumber('concurrency', input.concurrency, 3, { min: 1, max: 64, integer: true }),
    limits,
    pollIntervalMs: optionalFiniteNumber('pollIntervalMs', input.pollIntervalMs, 500, { min: 1, max: 60_000 }),
    signal: input.signal,
    onProgress: (input.onProgress as CheckedOptions['onProgress'] | undefined) ?? (() => undefined),
  };
}

class PrecacheRun {
  private client!: DataCacheClient;
  private readonly sources: ArtworkSource[];
  private readonly searching: ArtistTask[] = [];
  private readonly lookingUp: ArtistTask[] = [];
  private readonly fetchingImages: string[] = [];
  private readonly counts = { artistsDone: 0, matched: 0, notFound: 0, failed: 0, imagesQueued: 0, imagesFetched: 0, imagesFailed: 0 };
  /** Failed artists by provider and reason, keyed by both. */
  private readonly failures = new Map<string, PrecacheFailureReason>();
  private lastStepAt = Date.now();
  /** When the run began, in the client's clock: queue jobs made since are this run's. */
  private startedAt = 0;

  constructor(
    private readonly providers: DataCacheProviders,
    private readonly artists: ArtistSet,
    private readonly options: CheckedOptions,
  ) {
    this.sources = providers.hasApiKey('fanarttv') ? [THE_AUDIO_DB, FANART_TV] : [THE_AUDIO_DB];
  }

  async run(): Promise<PrecacheProgress> {
    await this.providers.initialize();
    this.client = this.providers.client;
    this.startedAt = this.client.clock.now();
    let worker: WorkerHandle | undefined;
    try {
      if (this.options.work) worker = this.client.startWorker({ concurrency: this.options.concurrency });
      let queued = 0;
      for (const candidate of this.artists.values()) {
        if (this.stopped()) break;
        await this.startSearch(candidate);
        if (++queued % 250 === 0) await this.report(false);
      }
      if (!this.options.follow) return await this.report(false);
      while (!this.stopped()) {
        await this.advance();
        const finished = this.searching.length === 0 && this.lookingUp.length === 0 && this.fetchingImages.length === 0;
        if (finished) return await this.report(true);
        await this.report(false);
        await sleep(this.options.pollIntervalMs, undefined, { signal: this.options.signal }).catch(() => undefined);
      }
      return await this.report(true);
    } finally {
      await worker?.stop();
    }
  }

  private stopped(): boolean {
    return this.options.signal?.aborted === true;
  }

  // --- step 1: the MusicBrainz artist search ---

  /** Queues the artist's chain (its search carries the rest) and follows it. */
  private async startSearch(candidate: ArtistCandidate, queue = true): Promise<void> {
    const task: ArtistTask = { candidate, searchUrl: this.providers.musicbrainz.searchUrl('artist', candidate.name), requeues: 0, lookups: [] };
    if (queue) await this.queueChain(candidate);
    this.searching.push(task);
  }

  private async queueChain(candidate: ArtistCandidate): Promise<void> {
    await this.providers.queueArtist({ name: candidate.name, ...(candidate.parts === undefined ? {} : { parts: candidate.parts.map((part) => part.name) }) }, { artworkLimits: this.options.limits });
  }

  private async checkSearch(task: ArtistTask): Promise<boolean> {
    const state = await this.urlState(task.searchUrl);
    if (state === 'queued') return false;
    if (state === 'missing') {
      // Its job ended without an answer in the cache (evicted, the queue cleared): the chain again.
      if (++task.requeues > MAX_REQUEUES) return this.fail(LOST);
      await this.queueChain(task.candidate);
      return false;
    }
    if (state === 'cached') {
      // Read as it is, stale or not: asking the provider would queue a fetch outside the chain.
      const entry = await this.client.storage.retrieveByUrl(task.searchUrl, { allowStale: true });
      const answer = entry === null ? null : lookupAnswer(entry);
      if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return this.finish('notFound');
      await this.searched(task, answer as SearchResult<'artists'>);
      return true;
    }
    if (state === 'failed') return this.fail(await this.failureOf(task.searchUrl, 'musicbrainz'));
    return this.finish('notFound');
  }

  private async searched(task: ArtistTask, answer: SearchResult<'artists'>): Promise<void> {
    const { candidate } = task;
    const mbid = matchArtist(candidate.name, answer, { exact: candidate.parts !== undefined });
    if (mbid !== null) {
      await this.startLookups(task, mbid);
      return;
    }
    if (candidate.parts === undefined) {
      this.finish('notFound');
      return;
    }
    // No artist is called "A & B": it is A and B (the chain queued their searches). The whole name counts as done.
    this.counts.artistsDone += 1;
    this.step();
    for (const part of candidate.parts) {
      if (this.artists.add(part)) await this.startSearch(part, false);
    }
  }

  // --- step 2: the artist's artwork lookups ---

  private async startLookups(task: ArtistTask, mbid: string): Promise<void> {
    this.step();
    for (const source of this.sources) {
      const requestUrl = source.lookupUrl(mbid, undefined);
      task.lookups.push({ source, requestUrl, cacheUrl: this.providers.api.cacheUrl(source.provider, requestUrl) });
    }
    if (!(await this.checkLookups(task))) this.lookingUp.push(task);
  }

  /** Looks at the lookups the chain makes one after another; done once each is answered or failed. */
  private async checkLookups(task: ArtistTask): Promise<boolean> {
    for (const lookup of task.lookups) {
      if (lookup.answer !== undefined) continue;
      const state = await this.urlState(lookup.cacheUrl);
      if (state === 'queued') return false;
      if (state === 'missing') {
        // The step before it completed (its job is settled) without queueing it: the chain broke (a
        // worker that does not know the artist chain, a lease lost on the last try). Queued again
        // from its search, which is cached: the chain's steps run again without a request.
        if ((await this.urlState(task.searchUrl)) === 'queued') return false;
        if (++task.requeues > MAX_REQUEUES) {
          this.lookupFailed(lookup, { ...LOST, provider: lookup.source.provider });
          continue;
        }
        await this.queueChain(task.candidate);
        return false;
      }
      if (state === 'not-found') lookup.answer = null;
      else if (state === 'failed') this.lookupFailed(lookup, await this.failureOf(lookup.cacheUrl, lookup.source.provider));
      else {
        const entry = await this.client.storage.retrieveByUrl(lookup.cacheUrl, { allowStale: true });
        lookup.answer = entry === null || entry.statusCode !== 200 ? null : lookupAnswer(entry);
      }
    }
    await this.countImages(task);
    return true;
  }

  // --- step 3: the images the chain queued from the lookups' answers ---

  private async countImages(task: ArtistTask): Promise<void> {
    let lookupsAnswered = 0;
    const urlsByType = new Map<ArtworkType, Set<string>>(ARTWORK_TYPES.map((type) => [type, new Set<string>()]));
    // Image URLs from a public service's answer may not lead into the local network; those
    // from a mirror the user configured are trusted like the user.
    const fromPublicServices = new Set<string>();
    for (const lookup of task.lookups) {
      if (lookup.answer === null || lookup.answer === undefined) continue;
      lookupsAnswered += 1;
      const found = lookup.source.imageUrls(lookup.answer);
      const mirrored = this.providers.isMirrored(lookup.source.provider);
      for (const type of ARTWORK_TYPES) {
        for (const url of found[type]) {
          urlsByType.get(type)?.add(url);
          if (!mirrored) fromPublicServices.add(url);
        }
      }
    }
    for (const [type, urls] of urlsByType) {
      // The chain chose and queued them as the last lookup completed: jobs made since this run began are its own.
      for (const url of urls) {
        const cacheUrl = this.providers.images.imageFetchRequest({ artistIdentifier: task.candidate.identifier, imageType: type, url, allowPrivateAddresses: !fromPublicServices.has(url) }).url;
        const job = await this.client.queue.get(cacheUrl);
        if (job === null || job.createdAt < this.startedAt) continue;
        this.counts.imagesQueued += 1;
        if (this.options.work) this.fetchingImages.push(cacheUrl);
      }
    }
    // Failed only when no lookup answered because one failed: lookups that found nothing leave an artist without images, not failed.
    const failure = task.lookups.find((lookup) => lookup.failure !== undefined)?.failure;
    if (lookupsAnswered === 0 && failure !== undefined) this.fail(failure);
    else this.finish('matched');
  }

  private lookupFailed(lookup: Lookup, failure: Failure): void {
    lookup.answer = null;
    lookup.failure = failure;
  }

  private async checkImage(url: string): Promise<boolean> {
    const state = await this.urlState(url);
    if (state === 'queued') return false;
    if (state === 'cached') this.counts.imagesFetched += 1;
    else this.counts.imagesFailed += 1;
    this.step();
    return true;
  }

  // --- the loop ---

  /** Looks at the first waiting artists and images of each step; those done leave their list. */
  private async advance(): Promise<void> {
    await this.sweep(this.searching, (task) => this.checkSearch(task));
    await this.sweep(this.lookingUp, (task) => this.checkLookups(task));
    await this.sweep(this.fetchingImages, (url) => this.checkImage(url));
  }

  private async sweep<T>(list: T[], check: (item: T) => Promise<boolean>): Promise<void> {
    const window = list.splice(0, WINDOW);
    const waiting: T[] = [];
    for (const item of window) if (!(await check(item))) waiting.push(item);
    list.unshift(...waiting);
  }

  /**
   * Where a URL of a chain is. Its job counts first: an answer is stored before its job
   * completes with the chain's next steps, so 'cached' waits for that completion.
   */
  private async urlState(url: string): Promise<UrlState> {
    const job = await this.client.queue.get(url);
    if (job !== null && (job.state === 'pending' || job.state === 'running')) return 'queued';
    const summary = await this.client.storage.retrieveSummaryByUrl(url);
    if (summary !== null) return summary.statusCode === 200 ? 'cached' : 'not-found';
    if (job === null || job.state === 'done') return 'missing';
    return 'failed';
  }

  /** Why the request for `url` failed for good, from its job's last error. */
  private async failureOf(url: string, provider: string): Promise<Failure> {
    const lastError = (await this.client.queue.get(url))?.lastError ?? '';
    // The message starts with the URL, different for each artist: without it, one cause is one reason.
    const reason = redactText(lastError.replaceAll(url, '').replaceAll(redactUrl(url), ''))
      .replace(/^[\s:;,.-]+/u, '')
      .trim();
    return { provider, reason: reason === '' ? 'failed, without a reason given' : reason };
  }

  private fail(failure: Failure): true {
    const key = `${failure.provider}\n${failure.reason}`;
    const known = this.failures.get(key);
    if (known === undefined) this.failures.set(key, { ...failure, artists: 1 });
    else known.artists += 1;
    return this.finish('failed');
  }

  private finish(outcome: 'matched' | 'notFound' | 'failed'): true {
    this.counts[outcome] += 1;
    this.counts.artistsDone += 1;
    this.step();
    return true;
  }

  private step(): void {
    this.lastStepAt = Date.now();
  }

  private async report(finished: boolean): Promise<PrecacheProgress> {
    const remaining: Record<string, number> = { musicbrainz: this.searching.length };
    for (const source of this.sources) {
      remaining[source.provider] = this.searching.length + this.lookingUp.filter((task) => task.lookups.some((lookup) => lookup.source === source && lookup.answer === undefined)).length;
    }
    if (this.options.work) {
      // Images of artists not looked up yet: as many as those looked up had, on average.
      const perArtist = this.counts.matched === 0 ? 0 : this.counts.imagesQueued / this.counts.matched;
      remaining.cdn = this.fetchingImages.length + Math.round(perArtist * (this.searching.length + this.lookingUp.length));
    }
    const progress: PrecacheProgress = {
      artists: this.artists.size,
      ...this.counts,
      remaining,
      etaMs: await this.eta(remaining),
      idleMs: Date.now() - this.lastStepAt,
      failureReasons: [...this.failures.values()].map((failure) => ({ ...failure })).sort((a, b) => b.artists - a.artists),
      finished,
      interrupted: finished && this.stopped(),
    };
    this.options.onProgress(progress);
    return progress;
  }

  /** The slowest provider's backlog at its rate limit, plus any cool-down it is serving. */
  private async eta(remaining: Record<string, number>): Promise<number> {
    const cooldowns: Record<string, Cooldown> = await this.client.limiter.activeCooldowns().catch(() => ({}));
    let eta = 0;
    for (const [provider, requests] of Object.entries(remaining)) {
      if (requests === 0) continue;
      const { ratePerSecond } = this.client.limiter.limitOf(provider);
      const cooldown = Object.hasOwn(cooldowns, provider) ? Math.max(0, (cooldowns[provider]?.until ?? 0) - Date.now()) : 0;
      eta = Math.max(eta, cooldown + (Number.isFinite(ratePerSecond) ? (requests / ratePerSecond) * 1000 : 0));
    }
    return eta;
  }
}
