import { InvalidArgumentError } from '../errors.js';
import {
  describeValue,
  optionalBoolean,
  optionalFiniteNumber,
  optionalString,
  requireFiniteNumber,
  requireName,
  requireOptionsObject,
  requireString,
  serializeMetadata,
} from '../validation.js';
import type { IdentifierQuery, PurgeFilter, RetrieveOptions } from './cache-storage.js';
import type { IdentifierListQuery } from './identifier-listing.js';
import { encodeValue, type EncodedValue } from './value-codec.js';

/** The longest URL or key accepted; real URLs stay far below it. */
export const MAX_URL_LENGTH = 8192;
const MAX_IDENTIFIER_LENGTH = 1024;

/** A checked `store` request, its value encoded and its metadata serialised. */
export interface ValidatedStore extends EncodedValue {
  url: string;
  identifier: string;
  dataType: string;
  provider: string;
  ttlMilliseconds: number;
  metadata: string | null;
  statusCode: number;
  mimeType: string | null;
  etag: string | null;
  lastModified: string | null;
  /** The value's SHA-256 when the caller knows it already (a download hashed as it streamed). */
  checksum?: string;
  /** Set when copying an entry from the shared tier: its cache key and expiry stay the same on every machine. */
  cachekey?: string;
  expiresAt?: number;
}

export function validateUrl(url: unknown): string {
  return requireString('url', url, { maxLength: MAX_URL_LENGTH });
}

export function validateStoreRequest(input: unknown): ValidatedStore {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidArgumentError(`store() takes a request object, got ${describeValue(input)}.`);
  }
  const request = input as Record<string, unknown>;
  if (!('value' in request)) throw new InvalidArgumentError('store() needs a value: bytes, a string or a JSON value.');
  const ttlSeconds = requireFiniteNumber('ttlSeconds', request.ttlSeconds, { min: 0 });
  return {
    url: validateUrl(request.url),
    identifier: requireString('identifier', request.identifier, { allowEmpty: true, maxLength: MAX_IDENTIFIER_LENGTH }),
    dataType: requireName('dataType', request.dataType),
    provider: requireName('provider', request.provider),
    ttlMilliseconds: Math.round(ttlSeconds * 1000),
    metadata: serializeMetadata('metadata', request.metadata),
    statusCode: optionalFiniteNumber('statusCode', request.statusCode, 200, { min: 100, max: 599, integer: true }),
    mimeType: headerValue('mimeType', request.mimeType),
    etag: headerValue('etag', request.etag),
    lastModified: headerValue('lastModified', request.lastModified),
    ...(request.checksum === undefined ? {} : { checksum: requireChecksum(request.checksum) }),
    ...encodeValue(request.value),
  };
}

/** Values that end up in HTTP headers later (Content-Type, If-None-Match): no line breaks, ever. */
function headerValue(name: string, value: unknown): string | null {
  const text = optionalString(name, value, 1024);
  if (text === undefined) return null;
  if (/\p{Cc}/u.test(text)) {
    throw new InvalidArgumentError(`${name} must not contain control characters or line breaks, got ${JSON.stringify(text)}.`);
  }
  return text;
}

export function validateRetrieveOptions(input: unknown): boolean {
  if (input === undefined) return false;
  const options = requireOptionsObject('options', input) as RetrieveOptions;
  return optionalBoolean('allowStale', options.allowStale, false);
}

export function validateIdentifierQuery(input: unknown): Required<Omit<IdentifierQuery, 'provider'>> & { provider: string | undefined } {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidArgumentError(`Expected { identifier, dataType, provider? }, got ${describeValue(input)}.`);
  }
  const query = input as Record<string, unknown>;
  return {
    identifier: requireString('identifier', query.identifier, { allowEmpty: true, maxLength: MAX_IDENTIFIER_LENGTH }),
    dataType: requireName('dataType', query.dataType),
    provider: query.provider === undefined ? undefined : requireName('provider', query.provider),
  };
}

export function validateIdentifierListQuery(input: unknown): IdentifierListQuery & { limit: number } {
  const query = requireOptionsObject('identifier list query', input);
  if (query.dataTypes !== undefined && !Array.isArray(query.dataTypes)) {
    throw new InvalidArgumentError(`dataTypes must be a list of data type names, got ${describeValue(query.dataTypes)}.`);
  }
  return {
    search: query.search === undefined ? undefined : requireString('search', query.search, { allowEmpty: true, maxLength: MAX_IDENTIFIER_LENGTH }),
    dataTypes: (query.dataTypes as unknown[] | undefined)?.map((dataType, index) => requireName(`dataTypes[${index}]`, dataType)),
    limit: optionalFiniteNumber('limit', query.limit, 100, { min: 1, max: 10_000, integer: true }),
  };
}

export function validatePurgeFilter(input: unknown): PurgeFilter {
  const filter = requireOptionsObject('purge filter', input);
  const validated: PurgeFilter = {
    provider: filter.provider === undefined ? undefined : requireName('provider', filter.provider),
    identifier:
      filter.identifier === undefined
        ? undefined
        : requireString('identifier', filter.identifier, { allowEmpty: true, maxLength: MAX_IDENTIFIER_LENGTH }),
    dataType: filter.dataType === undefined ? undefined : requireName('dataType', filter.dataType),
    all: optionalBoolean('all', filter.all, false),
  };
  const narrowed = validated.provider !== undefined || validated.identifier !== undefined || validated.dataType !== undefined;
  if (!narrowed && !validated.all) {
    throw new InvalidArgumentError('purge() needs provider, identifier or dataType; pass { all: true } to empty the whole cache.');
  }
  if (narrowed && validated.all) {
    throw new InvalidArgumentError('purge() takes either filters or { all: true }, not both.');
  }
  return validated;
}

function requireChecksum(value: unknown): string {
  const text = requireString('checksum', value, { maxLength: 64 }).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new InvalidArgumentError('checksum must be the value\'s SHA-256 in hex (64 characters).');
  return text;
}
