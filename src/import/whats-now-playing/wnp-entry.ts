import { sniffImage } from '../../client/sniff-image.js';
import type { StoreRequest } from '../../storage/cache-storage.js';
import { isPlainObject, type JsonObject } from '../../validation.js';
import { unmatchedIdentifier, type WnpArtistNames } from './wnp-artist-names.js';
import { sha256Hex } from '../../storage/content/hash.js';
import { readWnpBlob } from './wnp-blob.js';
import { datacacheDataType, WNP_ARTIST_IMAGE_TYPES, WNP_IMAGE_TYPES } from './wnp-data-types.js';
import type { WnpRow } from './wnp-rows.js';
import { mapWnpUrl, type ProviderUrlRules } from './wnp-urls.js';

/** Why a row of the whats-now-playing cache was not imported. */
export type WnpSkipReason =
  /** Expired longer ago than the stale window, or a remembered "not found" that expired. */
  | 'expired'
  /** A URL, provider or data type with a control character: those end up in request lines and headers. */
  | 'controlCharacters'
  /** A `file_path` that is not whats-now-playing's blob layout, or a link or special file there. */
  | 'unsafeBlobPath'
  | 'blobMissing'
  /** The blob's size or checksum does not match its row (twice, a moment apart). */
  | 'blobDamaged'
  /** The inline payload does not match the row's checksum. */
  | 'checksumMismatch'
  /** An image type whose bytes are no image datacache accepts. */
  | 'notAnImage'
  /** Larger than datacache takes (25 MiB), or a column larger than whats-now-playing ever writes. */
  | 'tooLarge'
  /** datacache refused the entry (the message is in the examples). */
  | 'refused';

/** A row made ready for `DataStorage.store`, with what the report counts about it. */
export interface ConvertedRow {
  request: StoreRequest;
  stale: boolean;
  keyRemoved: boolean;
  paletteKept: boolean;
  /** For artist images: whether the squashed identifier was matched to an artist name. */
  identifierMapped: boolean | null;
}

export interface ConvertContext {
  wnpDirectory: string;
  names: WnpArtistNames;
  urlRules: ProviderUrlRules;
  /** Milliseconds since the epoch. */
  now: number;
  /** How long after expiry an entry is still worth importing as a stale answer. */
  staleWindowMs: number;
  maxBytes: number;
}

/**
 * Turns one `cached_data` row into the entry datacache stores, or the reason it cannot be:
 * the URL as datacache's providers ask it (no key in it), datacache's data type and artist
 * identifier, the bytes read and checked (an image must be one), whats-now-playing's metadata
 * with its colour palette under `palette`, and the time left before expiry.
 */
export async function convertWnpRow(row: WnpRow, context: ConvertContext): Promise<ConvertedRow | WnpSkipReason> {
  if (row.url === null || row.identifier === null || row.provider === null || row.data_type === null || (row.data_value === null && (row.inline_size ?? 0) > 0)) return 'tooLarge';
  if ([row.url, row.provider, row.data_type].some((text) => CONTROL_CHARACTER.test(text))) return 'controlCharacters';
  const expiresAt = Math.round(row.expires_at * 1000);
  const negative = row.status_code !== 200;
  const stale = !(expiresAt > context.now);
  if (stale && (negative || context.now - expiresAt > context.staleWindowMs)) return 'expired';

  let data: Buffer;
  let checksum: string;
  if (!negative && row.file_path !== null && row.file_path !== '') {
    const read = await readWnpBlob(context.wnpDirectory, row.file_path, { size: row.data_size, checksum: row.content_checksum }, context.maxBytes);
    if ('problem' in read) return read.problem;
    ({ data, checksum } = read);
  } else {
    data = negative || row.data_value === null ? Buffer.alloc(0) : typeof row.data_value === 'string' ? Buffer.from(row.data_value, 'utf8') : row.data_value;
    if (data.length > context.maxBytes) return 'tooLarge';
    checksum = await sha256Hex(data);
    if (!negative && row.content_checksum !== null && checksum !== row.content_checksum.toLowerCase()) return 'checksumMismatch';
  }

  const metadata = parseObject(row.metadata) ?? {};
  let mimeType = row.mime_type !== null && MIME_TYPE.test(row.mime_type) ? row.mime_type.toLowerCase() : undefined;
  if (WNP_IMAGE_TYPES.has(row.data_type) && !negative) {
    const image = sniffImage(data);
    if (image === null) return 'notAnImage';
    mimeType = image.mimeType;
    metadata.width = image.width;
    metadata.height = image.height;
  }
  const palette = parseObject(row.color_palette);
  if (palette !== undefined) metadata.palette = palette;

  const mapped = mapWnpUrl(row.url, row.provider, context.urlRules);
  const artistImage = WNP_ARTIST_IMAGE_TYPES.has(row.data_type);
  const named = context.names.identifierFor(row.identifier);
  return {
    request: {
      url: mapped.url,
      identifier: named ?? unmatchedIdentifier(row.identifier),
      dataType: datacacheDataType(row.data_type),
      provider: row.provider,
      value: data,
      ttlSeconds: stale ? 0 : (expiresAt - context.now) / 1000,
      metadata,
      ...(negative ? { statusCode: row.status_code } : {}),
      ...(mimeType === undefined || negative ? {} : { mimeType }),
      checksum,
    },
    stale,
    keyRemoved: mapped.keyRemoved,
    paletteKept: palette !== undefined,
    identifierMapped: artistImage ? named !== undefined : null,
  };
}

/** A JSON object in a text column (metadata, a palette, an answer), or undefined for anything else or anything over `maxCharacters`. */
export function parseObject(text: string | Buffer | null, maxCharacters = MAX_METADATA_CHARACTERS): JsonObject | undefined {
  if (text === null || text.length > maxCharacters) return undefined;
  try {
    const parsed: unknown = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
    return isPlainObject(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

const CONTROL_CHARACTER = /\p{Cc}/u;
const MIME_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/iu;
/** Metadata is a few fields; a huge one is not worth parsing. */
const MAX_METADATA_CHARACTERS = 64 * 1024;
