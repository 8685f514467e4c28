import type { FetchRequest } from '../../client/fetch-request.js';
import { PRIORITY } from '../../queue/job-queue.js';
import { isPlainObject, type JsonObject } from '../../validation.js';
import { unmatchedIdentifier, type WnpArtistNames } from './wnp-artist-names.js';
import { datacacheDataType, WNP_IMAGE_TYPES } from './wnp-data-types.js';
import type { WnpPendingRow } from './wnp-rows.js';
import { mapWnpUrl, type ProviderUrlRules } from './wnp-urls.js';

/** Why a queue row of whats-now-playing was not carried over. */
export type WnpPendingSkipReason =
  /** `completed` or `failed` in whats-now-playing: nothing is waiting. */
  | 'finished'
  /** Not a `fetch_url` request, or its parameters are not the JSON whats-now-playing writes. */
  | 'unreadable'
  /** A URL that is not http(s), or holds a control character. */
  | 'badUrl';

/**
 * The fetch a whats-now-playing queue row asks for, as datacache queues it: its URL, artist
 * and type mapped as for cached entries, at batch priority (whats-now-playing's queue is all
 * background work), never reaching a private address (its URLs came from providers' answers).
 */
export function pendingFetch(row: WnpPendingRow, names: WnpArtistNames, urlRules: ProviderUrlRules): FetchRequest | WnpPendingSkipReason {
  if (row.status !== null && row.status !== 'pending' && row.status !== 'processing') return 'finished';
  if (row.request_key !== 'fetch_url' || row.params.length > MAX_PARAMS_CHARACTERS) return 'unreadable';
  let params: unknown;
  try {
    params = JSON.parse(row.params);
  } catch {
    return 'unreadable';
  }
  if (!isPlainObject(params) || typeof params.url !== 'string' || typeof params.data_type !== 'string') return 'unreadable';
  if (!/^https?:\/\/[^\s]+$/iu.test(params.url) || /\p{Cc}/u.test(row.provider)) return 'badUrl';
  const wnpIdentifier = typeof params.identifier === 'string' ? params.identifier : '';
  const ttl = typeof params.ttl_seconds === 'number' && Number.isFinite(params.ttl_seconds) && params.ttl_seconds > 0 ? params.ttl_seconds : undefined;
  const image = WNP_IMAGE_TYPES.has(params.data_type);
  return {
    url: mapWnpUrl(params.url, row.provider, urlRules).url,
    identifier: names.identifierFor(wnpIdentifier) ?? unmatchedIdentifier(wnpIdentifier),
    dataType: datacacheDataType(params.data_type),
    provider: row.provider,
    immediate: false,
    priority: PRIORITY.batch,
    ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
    ...(isPlainObject(params.metadata) ? { metadata: params.metadata as JsonObject } : {}),
    expect: image ? 'image' : 'any',
    allowPrivateAddresses: false,
  };
}

const MAX_PARAMS_CHARACTERS = 64 * 1024;
