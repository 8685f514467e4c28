import { InvalidArgumentError } from '../errors.js';
import { ArtistSet } from '../precache/artist-names.js';
import { findLibraries, type FindLibrariesOptions, type FoundLibrary } from '../precache/library/library-locations.js';
import { readLibraryTracks } from '../precache/library/read-library.js';
import { precacheArtists, type PrecacheProgress } from '../precache/precache.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { redactText } from '../redaction.js';

/** The dashboard's pre-cache: which library, since when, where it is. */
export interface PrecacheRunState {
  library: FoundLibrary;
  startedAt: number;
  /** Artists read from the library so far (before the first progress report). */
  artistsRead: number;
  progress: PrecacheProgress | null;
  error: string | null;
  finished: boolean;
}

/**
 * One pre-cache at a time, started from the dashboard on a library found in the usual places
 * (never a path a form names: only one of those findLibraries lists). It queues every
 * artist's chain for the workers of any process and follows them to the end, as
 * `datacache precache` does without `--work`; the page shows its progress.
 */
export class DashboardPrecache {
  #current: PrecacheRunState | null = null;
  readonly #abort = new AbortController();

  constructor(
    private readonly providers: DataCacheProviders,
    private readonly where: FindLibrariesOptions,
  ) {}

  /** The DJ libraries found on this computer. */
  libraries(): Promise<FoundLibrary[]> {
    return findLibraries(this.where);
  }

  get current(): PrecacheRunState | null {
    return this.#current;
  }

  /** Starts pre-caching the library at `path`, which must be one of `libraries()`. */
  async start(path: string): Promise<FoundLibrary> {
    if (this.#current !== null && !this.#current.finished) throw new InvalidArgumentError('A pre-cache is running already; wait for it to finish.');
    const library = (await this.libraries()).find((found) => found.path === path);
    if (library === undefined) throw new InvalidArgumentError('Choose one of the libraries found on this computer.');
    const state: PrecacheRunState = { library, startedAt: Date.now(), artistsRead: 0, progress: null, error: null, finished: false };
    this.#current = state;
    void this.#run(state);
    return library;
  }

  /** Stops following (what is queued stays queued for the workers). */
  close(): void {
    this.#abort.abort();
  }

  async #run(state: PrecacheRunState): Promise<void> {
    try {
      const artists = new ArtistSet();
      for await (const track of readLibraryTracks(state.library.path)) {
        if (this.#abort.signal.aborted) return;
        artists.addTrack(track);
        state.artistsRead = artists.size;
      }
      state.progress = await precacheArtists(this.providers, artists, {
        signal: this.#abort.signal,
        onProgress: (progress) => {
          state.progress = progress;
        },
      });
    } catch (error) {
      state.error = redactText(error instanceof Error ? error.message : String(error));
    } finally {
      state.finished = true;
    }
  }
}
