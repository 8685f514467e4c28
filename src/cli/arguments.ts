import { InvalidArgumentError } from '../errors.js';

/** A whole number from the command line, within limits, or a clear error (exit code 2). */
export function parseWholeNumber(name: string, text: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${text}".`);
  }
  return value;
}
