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
