/**
 * whats-now-playing's data types and datacache's: its image types carry an `artist` prefix
 * (nowplaying/datacache/storage.py IMAGE_DATA_TYPES), its covers are `front_cover`, and its API
 * answers are `api_response` (fanart.tv's `artist`). datacache's providers and readers use the
 * short names (`fanart`, `cover`, `api`), so the images appear wherever artwork appears.
 */
const DATA_TYPES: Readonly<Record<string, string>> = {
  artistthumbnail: 'thumbnail',
  artistlogo: 'logo',
  artistbanner: 'banner',
  artistfanart: 'fanart',
  front_cover: 'cover',
  api_response: 'api',
  artist: 'api',
};

/** The artist image types: their identifiers are squashed artist names. */
export const WNP_ARTIST_IMAGE_TYPES: ReadonlySet<string> = new Set(['artistthumbnail', 'artistlogo', 'artistbanner', 'artistfanart']);

/** Every image type, covers included: their bytes must be an image. */
export const WNP_IMAGE_TYPES: ReadonlySet<string> = new Set([...WNP_ARTIST_IMAGE_TYPES, 'front_cover']);

/**
 * datacache's name for a whats-now-playing data type; a type it does not know (`musicbrainz`,
 * `template_base`, an app's own) keeps its name.
 *
 * @example datacacheDataType('artistfanart') // 'fanart'
 */
export function datacacheDataType(wnpDataType: string): string {
  return Object.hasOwn(DATA_TYPES, wnpDataType) ? DATA_TYPES[wnpDataType]! : wnpDataType;
}
