import { redactText } from './redaction.js';

/**
 * Where datacache reports what it does in the background (maintenance, faults it
 * recovered from). Any object with these four methods works, `console` included.
 */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const ignore = (): void => undefined;

/** The default: a library stays quiet unless the application asks to hear from it. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Wraps a logger so that nothing it is given can leak a secret: URLs and `key=value`
 * assignments in the message and in every string of the details are redacted.
 *
 * @example const logger = redactingLogger(console);
 */
export function redactingLogger(logger: Logger): Logger {
  if (logger === silentLogger || redacting.has(logger)) return logger;
  const wrap =
    (level: keyof Logger) =>
    (message: string, details?: Record<string, unknown>): void => {
      logger[level](redactText(message), details === undefined ? undefined : (redactValue(details, 0) as Record<string, unknown>));
    };
  const wrapped: Logger = { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
  redacting.add(wrapped);
  return wrapped;
}

const redacting = new WeakSet<Logger>();

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return redactText(value.message);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, depth + 1)]));
}
