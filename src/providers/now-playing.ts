import type { DataStorage } from '../storage/data-storage.js';
import { isPlainObject } from '../validation.js';
import { normalizeArtistIdentifier } from './identifiers.js';

/** The artist on air, as an app last reported it (`setNowPlaying`). */
export interface NowPlaying {
  /** The name as the app gave it: "Beyoncé". */
  artist: string;
  /** The cache's spelling of it, under which images are filed: "beyoncé". */
  identifier: string;
  /** When it was reported (ms since the epoch). */
  since: number;
}

/** Kept as an ordinary entry, so every process of the machine (and the dashboard) sees it. */
export const NOW_PLAYING_URL = 'datacache:now-playing';
/** A show that stopped reporting leaves no artist on the overlay past this. */
const NOW_PLAYING_TTL_SECONDS = 12 * 3600;

/** Records the artist on air (or, with null, that nothing is). */
export async function writeNowPlaying(storage: DataStorage, artist: string | null, now: number): Promise<NowPlaying | null> {
  if (artist === null) {
    await storage.delete(NOW_PLAYING_URL);
    return null;
  }
  const playing: NowPlaying = { artist: artist.trim(), identifier: normalizeArtistIdentifier(artist), since: now };
  await storage.store({ url: NOW_PLAYING_URL, identifier: playing.identifier, dataType: 'now-playing', provider: 'datacache', value: { ...playing }, ttlSeconds: NOW_PLAYING_TTL_SECONDS });
  return playing;
}

/** The artist on air, or null when none was reported in the last 12 hours. */
export async function readNowPlaying(storage: DataStorage): Promise<NowPlaying | null> {
  const entry = await storage.retrieveByUrl(NOW_PLAYING_URL);
  if (entry === null) return null;
  const value: unknown = entry.json();
  if (!isPlainObject(value) || typeof value.artist !== 'string' || typeof value.identifier !== 'string' || typeof value.since !== 'number') return null;
  return { artist: value.artist, identifier: value.identifier, since: value.since };
}
