import { DataCacheError, InvalidArgumentError, LibraryFormatError, isDatabaseFault, ProviderCoolingDownError, RateLimitWaitError } from '../errors.js';
import { DownloadError } from '../http/http-errors.js';

/** What `datacache` exits with, so scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  /** Nothing found, or an unexpected failure. */
  failure: 1,
  /** Bad arguments or settings. */
  usage: 2,
  /** The network or the service failed (unreachable, timed out, an error status, cooling down). */
  network: 3,
  /** The cache database cannot be used (locked for too long, corrupt, read-only, disk full, newer schema, an unsafe directory). */
  database: 4,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before the work was done; running it again resumes. */
  interrupted: 130,
} as const;

/** The exit code for an error that ended a command: scripts retry a 3, fix their call on a 2. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InvalidArgumentError || error instanceof LibraryFormatError) return EXIT.usage;
  if (error instanceof DownloadError || error instanceof ProviderCoolingDownError || error instanceof RateLimitWaitError) return EXIT.network;
  if (isDatabaseFault(error) || (error instanceof DataCacheError && /DATABASE|SCHEMA|STORAGE|CACHE_DIRECTORY/.test(error.code))) return EXIT.database;
  return EXIT.failure;
}
