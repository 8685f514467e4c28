import { inspect } from 'node:util';

/**
 * A configured credential (an API key, a token, a password): the value is in a private field,
 * so `util.inspect`, `console.log`, `JSON.stringify` and template strings show `<redacted>`;
 * only `reveal()` gives it, as a request leaves the process.
 *
 * @example
 * const key = new Secret('abc123');
 * `${key}` // '<redacted>'
 * key.reveal() // 'abc123'
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: for the request that needs it, never for a log or a message. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '<redacted>';
  }

  toJSON(): string {
    return '<redacted>';
  }

  [inspect.custom](): string {
    return 'Secret(<redacted>)';
  }
}
