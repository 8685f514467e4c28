import { InvalidArgumentError } from '../../errors.js';
import { describeValue, isPlainObject, optionalFiniteNumber, type JsonValue } from '../../validation.js';

/** The artist image types the pre-cacher fills, as the images provider files them. */
export type ArtworkType = 'thumbnail' | 'logo' | 'banner' | 'fanart';

export const ARTWORK_TYPES: readonly ArtworkType[] = ['thumbnail', 'logo', 'banner', 'fanart'];

/**
 * How many of each type an artist keeps: whats-now-playing's image cache sampled 3 thumbnails,
 * 3 logos, 3 banners and 20 fanart images (overlays rotate fanart, the others rarely change).
 */
export const DEFAULT_ARTWORK_LIMITS: Readonly<Record<ArtworkType, number>> = { thumbnail: 3, logo: 3, banner: 3, fanart: 20 };

/** The per-type image limits an option gives (`{ fanart: 10 }`), checked, over the defaults. */
export function resolveArtworkLimits(given: unknown): Record<ArtworkType, number> {
  const limits = { ...DEFAULT_ARTWORK_LIMITS };
  if (given === undefined) return limits;
  if (!isPlainObject(given)) throw new InvalidArgumentError(`artworkLimits must be an object such as { fanart: 10 }, got ${describeValue(given)}.`);
  for (const [type, limit] of Object.entries(given)) {
    if (!(ARTWORK_TYPES as readonly string[]).includes(type)) throw new InvalidArgumentError(`artworkLimits.${type}: the image types are ${ARTWORK_TYPES.join(', ')}.`);
    limits[type as ArtworkType] = optionalFiniteNumber(`artworkLimits.${type}`, limit, 0, { min: 0, max: 1000, integer: true });
  }
  return limits;
}

/** A service that, given a MusicBrainz artist id, lists image URLs for the artist. */
export interface ArtworkSource {
  provider: 'theaudiodb' | 'fanarttv';
  /** The lookup URL for an artist, at the service's public address (a configured base URL replaces it). */
  lookupUrl(mbid: string, apiKey: string | undefined): string;
  /** The image URLs by type in a lookup's answer; anything unexpected in it is ignored. */
  imageUrls(answer: JsonValue): Record<ArtworkType, string[]>;
}

/** TheAudioDB v1 `artist-mb.php`: one artist with `strArtistThumb`, `strArtistLogo` …; "123" is its public test key. */
export const THE_AUDIO_DB: ArtworkSource = {
  provider: 'theaudiodb',
  lookupUrl: (mbid, apiKey) => `https://www.theaudiodb.com/api/v1/json/${encodeURIComponent(apiKey ?? '123')}/artist-mb.php?i=${mbid}`,
  imageUrls(answer) {
    const artists = field(answer, 'artists');
    const artist = Array.isArray(artists) ? artists[0] : undefined;
    const pick = (...names: string[]): string[] => names.map((name) => field(artist, name)).filter(isHttpUrl);
    return {
      thumbnail: pick('strArtistThumb'),
      logo: pick('strArtistLogo'),
      banner: pick('strArtistBanner'),
      fanart: pick('strArtistFanart', 'strArtistFanart2', 'strArtistFanart3', 'strArtistFanart4'),
    };
  },
};

/** fanart.tv v3 `music/{mbid}`: lists of `{ url }` per kind; needs a project key. */
export const FANART_TV: ArtworkSource = {
  provider: 'fanarttv',
  lookupUrl: (mbid) => `https://webservice.fanart.tv/v3/music/${mbid}`,
  imageUrls(answer) {
    const pick = (...names: string[]): string[] =>
      names.flatMap((name) => {
        const list = field(answer, name);
        return Array.isArray(list) ? list.map((item) => field(item, 'url')).filter(isHttpUrl) : [];
      });
    return {
      thumbnail: pick('artistthumb'),
      logo: pick('hdmusiclogo', 'musiclogo'),
      banner: pick('musicbanner'),
      fanart: pick('artistbackground'),
    };
  },
};

function field(value: JsonValue | undefined, name: string): JsonValue | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, name) ? value[name] : undefined;
}

function isHttpUrl(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && /^https?:\/\/\S+$/u.test(value) && value.length <= 8192;
}
