import { InvalidArgumentError } from '../errors.js';
import { DataStorage } from '../storage/data-storage.js';
import { describeValue, isPlainObject, optionalBoolean, requireFiniteNumber, requireString } from '../validation.js';
import type { DataCacheClientOptions } from './data-cache-client.js';

/** The methods an object passed as each pluggable option must have. */
const pluggable = {
  logger: ['debug', 'info', 'warn', 'error'],
  analytics: ['record'],
  clock: ['now'],
} as const;

/**
 * Checks a DataCacheClient's options before anything is built from them, so a wrong value fails
 * at construction with a message naming it, not later inside a fetch (the torture suite's
 * property tests found `analytics: 0` failing every call with a bare TypeError).
 *
 * @example validateClientOptions({ storage, staleIfError: 'yes' }) // InvalidArgumentError: staleIfError must be true or false
 */
export function validateClientOptions(options: unknown): asserts options is DataCacheClientOptions {
  if (!isPlainObject(options)) {
    throw new InvalidArgumentError(`DataCacheClient needs an options object with an open storage, got ${describeValue(options)}.`);
  }
  if (!(options.storage instanceof DataStorage)) {
    throw new InvalidArgumentError(`storage must be an open DataStorage (from DataStorage.open), got ${describeValue(options.storage)}.`);
  }
  if (options.userAgent !== undefined) requireString('userAgent', options.userAgent, { maxLength: 1024 });
  optionalBoolean('staleIfError', options.staleIfError, true);
  if (options.ttlByDataType !== undefined) {
    if (!isPlainObject(options.ttlByDataType)) {
      throw new InvalidArgumentError(`ttlByDataType must be an object of seconds by data type, got ${describeValue(options.ttlByDataType)}.`);
    }
    for (const [dataType, seconds] of Object.entries(options.ttlByDataType)) requireFiniteNumber(`ttlByDataType.${dataType}`, seconds, { min: 0 });
  }
  for (const [name, methods] of Object.entries(pluggable)) {
    const value = options[name];
    if (value === undefined || (name === 'analytics' && value === false)) continue;
    const holder = value as Record<string, unknown> | null;
    if (typeof value !== 'object' || holder === null || methods.some((method) => typeof holder[method] !== 'function')) {
      throw new InvalidArgumentError(`${name} must be an object with ${methods.map((method) => `${method}()`).join(', ')}, got ${describeValue(value)}.`);
    }
  }
  if (options.sleep !== undefined && typeof options.sleep !== 'function') {
    throw new InvalidArgumentError(`sleep must be a function (milliseconds, signal) => Promise, got ${describeValue(options.sleep)}.`);
  }
  if (options.jobRetention !== undefined) {
    if (!isPlainObject(options.jobRetention)) {
      throw new InvalidArgumentError(`jobRetention must be an object like { doneMs: 3600000, failedMs: 86400000 }, got ${describeValue(options.jobRetention)}.`);
    }
    for (const key of ['doneMs', 'failedMs'] as const) {
      const value = options.jobRetention[key];
      if (value !== undefined) requireFiniteNumber(`jobRetention.${key}`, value, { min: 0 });
    }
  }
  if (options.jobRetries !== undefined) validateJobRetries('jobRetries', options.jobRetries);
}

/** Checks a `jobRetries` option: `{ attempts?, firstDelayMs?, maxDelayMs? }`. */
export function validateJobRetries(name: string, value: unknown): void {
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`${name} must be an object like { attempts: 5, firstDelayMs: 2000, maxDelayMs: 600000 }, got ${describeValue(value)}.`);
  }
  for (const key of Object.keys(value)) {
    if (!['attempts', 'firstDelayMs', 'maxDelayMs'].includes(key)) throw new InvalidArgumentError(`${name}.${key} is not an option; the options are attempts, firstDelayMs and maxDelayMs.`);
  }
  if (value.attempts !== undefined) requireFiniteNumber(`${name}.attempts`, value.attempts, { min: 1, max: 100, integer: true });
  for (const key of ['firstDelayMs', 'maxDelayMs'] as const) {
    if (value[key] !== undefined) requireFiniteNumber(`${name}.${key}`, value[key], { min: 0, max: 86_400_000 });
  }
}
