import { InvalidArgumentError } from './errors.js';
import { redactText } from './redaction.js';

/**
 * Argument checks shared by every public function. Each one throws
 * `InvalidArgumentError` with a message naming the argument, what it got and what it takes,
 * so a user can fix the call without reading the source.
 */

/** A JSON object: what `metadata` holds. */
export type JsonObject = { [key: string]: JsonValue };
/** Any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** Shows a received value in an error message without dumping a whole object or a secret-sized string. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'object') return `an object (${constructorName(value)})`;
  return `a ${typeof value}`;
}

export function requireString(
  name: string,
  value: unknown,
  { allowEmpty = false, maxLength = 8192 }: { allowEmpty?: boolean; maxLength?: number } = {},
): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`${name} must be a string, got ${describeValue(value)}.`);
  }
  if (!allowEmpty && value.length === 0) {
    throw new InvalidArgumentError(`${name} must not be empty.`);
  }
  if (value.length > maxLength) {
    throw new InvalidArgumentError(`${name} is ${value.length} characters long; the limit is ${maxLength}.`);
  }
  return value;
}

export function optionalString(name: string, value: unknown, maxLength = 8192): string | undefined {
  return value === undefined || value === null ? undefined : requireString(name, value, { maxLength });
}

/** A name such as a provider or a data type: short, printable, no surrounding white space. */
export function requireName(name: string, value: unknown): string {
  const text = requireString(name, value, { maxLength: 128 });
  if (text.trim() !== text || /\p{Cc}/u.test(text)) {
    throw new InvalidArgumentError(
      `${name} must not contain control characters or surrounding white space, got ${JSON.stringify(text)}.`,
    );
  }
  return text;
}

export function requireFiniteNumber(
  name: string,
  value: unknown,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${name} must be a finite number, got ${describeValue(value)}.`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new InvalidArgumentError(`${name} must be a whole number, got ${value}.`);
  }
  if (value < min || value > max) {
    const range = max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
    throw new InvalidArgumentError(`${name} must be ${range}, got ${value}.`);
  }
  return value;
}

export function optionalFiniteNumber(
  name: string,
  value: unknown,
  fallback: number,
  limits?: { min?: number; max?: number; integer?: boolean },
): number {
  return value === undefined ? fallback : requireFiniteNumber(name, value, limits);
}

export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`${name} must be true or false, got ${describeValue(value)}.`);
  }
  return value;
}

/** An options argument: undefined (meaning defaults) or a plain object. */
export function requireOptionsObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`${name} must be an object, got ${describeValue(value)}.`);
  }
  return value;
}

function constructorName(value: object): string {
  // Object.create(null) objects have no constructor at all.
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object without a prototype';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Checks that `value` is a JSON object that survives `JSON.stringify` → `JSON.parse` unchanged,
 * and returns its JSON text (or null for an empty object, which is how it is stored).
 */
export function serializeMetadata(name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`${name} must be a plain JSON object, got ${describeValue(value)}.`);
  }
  assertJsonValue(name, value, false, new Set());
  const text = JSON.stringify(value);
  return text === '{}' ? null : text;
}

/**
 * Walks a value and throws on anything JSON cannot carry exactly: functions, symbols, bigints,
 * NaN and Infinity, class instances such as Date or Map, cycles. With `allowBytes`, Uint8Array
 * (and Buffer) leaves are accepted: the value codec stores them losslessly.
 * Returns whether the value contains bytes or keys that need escaping.
 */
export function assertJsonValue(path: string, value: unknown, allowBytes: boolean, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new InvalidArgumentError(`${path} is ${value}, which JSON cannot represent; store null or a string instead.`);
      }
      return false;
    case 'object':
      break;
    default:
      throw new InvalidArgumentError(`${path} is ${describeValue(value)}, which cannot be stored as JSON.`);
  }
  if (value === null) return false;
  if (value instanceof Uint8Array) {
    if (!allowBytes) throw new InvalidArgumentError(`${path} holds bytes; metadata must be plain JSON.`);
    return true;
  }
  if (seen.has(value)) throw new InvalidArgumentError(`${path} refers back to itself (a cycle); JSON cannot store cycles.`);
  seen.add(value);
  let needsTagging = false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (item === undefined) {
        throw new InvalidArgumentError(`${path}[${index}] is undefined, which JSON turns into null; store null instead.`);
      }
      if (assertJsonValue(`${path}[${index}]`, item, allowBytes, seen)) needsTagging = true;
    }
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue; // dropped, exactly as JSON.stringify drops it
      if (key.startsWith('$')) needsTagging = true;
      if (assertJsonValue(`${path}.${key}`, item, allowBytes, seen)) needsTagging = true;
    }
  } else {
    const kind = constructorName(value);
    throw new InvalidArgumentError(
      `${path} is a ${kind}, which does not survive JSON unchanged; convert it to a plain value first (a Date to date.toISOString(), a Map to an object).`,
    );
  }
  seen.delete(value);
  return needsTagging;
}

/**
 * An http:// or https:// URL, the only kind datacache fetches; the message shows its start,
 * redacted, since a URL may carry a key.
 */
export function requireHttpUrl(name: string, value: unknown, maxLength = 8192): string {
  const url = requireString(name, value, { maxLength });
  if (!/^https?:\/\//i.test(url)) throw new InvalidArgumentError(`${name} must be an http:// or https:// URL, got ${JSON.stringify(redactText(url.slice(0, 80)))}.`);
  return url;
}
