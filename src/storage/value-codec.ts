import { InvalidArgumentError } from '../errors.js';
import { assertJsonValue, describeValue } from '../validation.js';

/**
 * Turns the values callers store into bytes and back, losslessly.
 *
 * - bytes (Buffer, Uint8Array) are stored as they are;
 * - strings as UTF-8;
 * - JSON values as JSON text. When a JSON value holds bytes (a Buffer inside an object, say),
 *   each byte array becomes `{"$bytes": "<base64>"}` and every key of the value that starts
 *   with `$` gets one more `$`, so a user object that happens to look like the marker can
 *   never be mistaken for bytes. Plain JSON without bytes or `$` keys is stored untouched and
 *   parses back with a bare `JSON.parse`, which keeps the common read fast.
 */

/** What a stored value was, so that `CachedEntry.value()` can give back the same kind. */
export type ValueType = 'bytes' | 'text' | 'json';

/** The stored form: `json-tagged` is JSON that went through the `$bytes` escaping above. */
export type StoredValueType = ValueType | 'json-tagged';

/** A value datacache can store. */
export type StorableValue = Uint8Array | string | StorableJson;
/** JSON, plus byte arrays anywhere inside it. */
export type StorableJson = null | boolean | number | string | Uint8Array | StorableJson[] | { [key: string]: StorableJson | undefined };

export interface EncodedValue {
  data: Buffer;
  storedType: StoredValueType;
}

const BYTES_MARKER = '$bytes';

export function encodeValue(value: unknown): EncodedValue {
  if (value instanceof Uint8Array) {
    const data = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { data, storedType: 'bytes' };
  }
  if (typeof value === 'string') return { data: Buffer.from(value, 'utf8'), storedType: 'text' };
  if (value === undefined) {
    throw new InvalidArgumentError('value is undefined; store bytes, a string or a JSON value (null is fine).');
  }
  const needsTagging = assertJsonValue('value', value, true, new Set());
  if (!needsTagging) return { data: Buffer.from(JSON.stringify(value), 'utf8'), storedType: 'json' };
  return { data: Buffer.from(JSON.stringify(tagForJson(value)), 'utf8'), storedType: 'json-tagged' };
}

/** Decodes stored bytes back into the value the caller stored. */
export function decodeValue(data: Buffer, storedType: StoredValueType): unknown {
  switch (storedType) {
    case 'bytes':
      return data;
    case 'text':
      return data.toString('utf8');
    case 'json':
      return JSON.parse(data.toString('utf8'));
    case 'json-tagged':
      return untagFromJson(JSON.parse(data.toString('utf8')));
  }
}

export function publicValueType(storedType: StoredValueType): ValueType {
  return storedType === 'json-tagged' ? 'json' : storedType;
}

function tagForJson(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { [BYTES_MARKER]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(tagForJson);
  if (value !== null && typeof value === 'object') {
    // A prototype-less object, so that a key named "__proto__" stays an ordinary key.
    const tagged = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      tagged[key.startsWith('$') ? `$${key}` : key] = tagForJson(item);
    }
    return tagged;
  }
  return value;
}

function untagFromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untagFromJson);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === BYTES_MARKER) {
    const encoded = record[BYTES_MARKER];
    if (typeof encoded !== 'string') throw new Error(`corrupt ${BYTES_MARKER} marker: ${describeValue(encoded)}`);
    return Buffer.from(encoded, 'base64');
  }
  const plain: Record<string, unknown> = {};
  for (const key of keys) {
    // defineProperty, not assignment: assigning "__proto__" would replace the prototype.
    Object.defineProperty(plain, key.startsWith('$$') ? key.slice(1) : key, {
      value: untagFromJson(record[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return plain;
}
