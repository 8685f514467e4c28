/**
 * Every error datacache throws on purpose is a `DataCacheError` with a stable `code`,
 * so callers can branch on `error.code` instead of parsing messages.
 *
 * @example
 * try {
 *   await storage.store({ url: '', ... });
 * } catch (error) {
 *   if (error instanceof DataCacheError && error.code === 'ERR_DATACACHE_INVALID_ARGUMENT') { ... }
 * }
 */
export class DataCacheError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument of a public function is missing, of the wrong type or out of range. Nothing was changed. */
export class InvalidArgumentError extends DataCacheError {
  constructor(message: string) {
    super('ERR_DATACACHE_INVALID_ARGUMENT', message);
  }
}

/** The database file is not SQLite or is damaged. Open with `onCorruptDatabase: 'reset'` to move it aside. */
export class DatabaseCorruptError extends DataCacheError {
  readonly databasePath: string;

  constructor(databasePath: string, cause: unknown) {
    super(
      'ERR_DATACACHE_DATABASE_CORRUPT',
      `${databasePath} is not a SQLite database or is corrupt (${describeCause(cause)}). ` +
        `Open the cache with { onCorruptDatabase: 'reset' } to move the file aside and start with an empty cache.`,
      { cause },
    );
    this.databasePath = databasePath;
  }
}

/** The database was written by a newer datacache whose schema this version does not understand. */
export class SchemaVersionError extends DataCacheError {
  readonly databaseVersion: number;
  readonly supportedVersion: number;

  constructor(databasePath: string, databaseVersion: number, supportedVersion: number) {
    super(
      'ERR_DATACACHE_SCHEMA_TOO_NEW',
      `${databasePath} has schema version ${databaseVersion}, but this datacache understands versions up to ` +
        `${supportedVersion}. Upgrade datacache, or point it at another cache directory.`,
    );
    this.databaseVersion = databaseVersion;
    this.supportedVersion = supportedVersion;
  }
}

/**
 * The cache directory holds a SQLite database that datacache did not create: a whats-now-playing
 * cache (`kind: 'whats-now-playing'`) or another program's. datacache never changes a database it
 * did not create, so nothing was opened for writing. A whats-now-playing cache is copied into a
 * datacache cache of its own with `datacache import-wnp` (or `importWnpCache`).
 */
export class ForeignDatabaseError extends DataCacheError {
  readonly databasePath: string;
  readonly kind: 'whats-now-playing' | 'unknown';

  constructor(databasePath: string, kind: 'whats-now-playing' | 'unknown') {
    const directory = databasePath.replace(/[\\/][^\\/]*$/u, '');
    super(
      'ERR_DATACACHE_FOREIGN_DATABASE',
      kind === 'whats-now-playing'
        ? `${databasePath} is a whats-now-playing cache; datacache does not change it. Copy what it holds into a cache of datacache's own ` +
            `with \`datacache import-wnp "${directory}"\` (importWnpCache({ from }) in code), and use datacache's own cache directory (the default), not this one.`
        : `${databasePath} is a SQLite database that datacache did not create; datacache does not change it. Point datacache at another cache directory.`,
    );
    this.databasePath = databasePath;
    this.kind = kind;
  }
}

/** Another process held the database lock for longer than `lockTimeoutMs`. */
export class DatabaseBusyError extends DataCacheError {
  constructor(operation: string, waitedMs: number, cause?: unknown) {
    super(
      'ERR_DATACACHE_DATABASE_BUSY',
      `${operation}: the cache database stayed locked by another process${waitedMs > 0 ? ` for ${Math.round(waitedMs)} ms` : ''}. ` +
        `Raise lockTimeoutMs, or look for a process holding a long write transaction.`,
      { cause },
    );
  }
}

/**
 * Why a write failed: the disk is full, the files are read-only, the database file was deleted
 * or replaced while open (`gone`: a cleaner removed the cache directory), or another I/O error.
 */
export type WriteFailureReason = 'disk-full' | 'read-only' | 'gone' | 'io';

/** The cache could not be written: disk full, read-only file system or directory, or another I/O failure. */
export class StorageWriteError extends DataCacheError {
  readonly reason: WriteFailureReason;

  constructor(message: string, cause?: unknown, reason: WriteFailureReason = writeFailureReason(cause)) {
    super('ERR_DATACACHE_STORAGE_WRITE', cause === undefined ? `${message}.` : `${message} (${describeCause(cause)})`, { cause });
    this.reason = reason;
  }
}

function writeFailureReason(cause: unknown): WriteFailureReason {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return 'disk-full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))) {
    return 'read-only';
  }
  return 'io';
}

/** A blob file could not be read for a reason that says nothing about its content (permissions, EIO). */
export class StorageReadError extends DataCacheError {
  constructor(message: string, cause?: unknown) {
    super('ERR_DATACACHE_STORAGE_READ', `${message} (${describeCause(cause)})`, { cause });
  }
}

/** The database could not be opened or read for a reason other than corruption (permissions, a missing directory, I/O). */
export class DatabaseUnavailableError extends DataCacheError {
  constructor(message: string, cause?: unknown) {
    super('ERR_DATACACHE_DATABASE_UNAVAILABLE', `${message} (${describeCause(cause)})`, { cause });
  }
}

/** A live request would have had to wait longer than its `maxWaitMs` for the provider's rate limit. */
export class RateLimitWaitError extends DataCacheError {
  readonly provider: string;
  readonly waitMs: number;

  constructor(provider: string, waitMs: number, maxWaitMs: number) {
    super(
      'ERR_DATACACHE_RATE_LIMITED',
      `${provider}: the next request allowed by its rate limit is ${Math.ceil(waitMs)} ms away, more than maxWaitMs (${maxWaitMs} ms). ` +
        'Queue it for the background, or allow a longer wait.',
    );
    this.provider = provider;
    this.waitMs = waitMs;
  }
}

/** The provider asked every client to back off (429 or 503 with Retry-After); live requests fail fast until then. */
export class ProviderCoolingDownError extends DataCacheError {
  readonly provider: string;
  /** Epoch milliseconds when requests may resume. */
  readonly until: number;

  constructor(provider: string, until: number, reason: string | null) {
    super(
      'ERR_DATACACHE_COOLING_DOWN',
      `${provider} asked clients to back off${reason ? ` (${reason})` : ''}; requests resume at ${new Date(until).toISOString()}.`,
    );
    this.provider = provider;
    this.until = until;
  }
}

/** A method was called after `close()`. */
export class StorageClosedError extends DataCacheError {
  constructor(operation: string) {
    super('ERR_DATACACHE_CLOSED', `${operation}: this DataStorage has been closed; open a new one.`);
  }
}

/** The cache database (or its files) cannot be used right now: callers may carry on uncached. */
export function isDatabaseFault(error: unknown): error is DataCacheError {
  return (
    error instanceof DatabaseBusyError ||
    error instanceof DatabaseCorruptError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof StorageWriteError ||
    error instanceof StorageReadError ||
    error instanceof StorageClosedError ||
    error instanceof SharedTierUnavailableError
  );
}

/** A short, human description of an underlying error, for messages. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** A DJ library file could not be read as the format it claims (or any format datacache reads). */
export class LibraryFormatError extends DataCacheError {
  readonly source: string;

  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('ERR_DATACACHE_LIBRARY_FORMAT', `${source}: ${message}`, options);
    this.source = source;
  }
}

/**
 * The cache directory is not safe to use: another user owns it and others can write to it (they
 * could swap the database or plant links), or it holds links or special files where datacache
 * keeps its own files. Nothing was opened or written; the message says what to change.
 */
export class CacheDirectoryUnsafeError extends DataCacheError {
  readonly cacheDir: string;

  constructor(cacheDir: string, message: string) {
    super('ERR_DATACACHE_CACHE_DIRECTORY_UNSAFE', message);
    this.cacheDir = cacheDir;
  }
}

/**
 * The shared tier (PostgreSQL) cannot be used right now: unreachable, restarting, refusing the
 * credentials, or on a newer schema. The message names the server (host, port, database) and
 * never the password. datacache goes on with each machine's own cache meanwhile.
 */
export class SharedTierUnavailableError extends DataCacheError {
  /** `user@host:port/database`, no password. */
  readonly server: string;

  constructor(server: string, reason: string, cause?: unknown) {
    super('ERR_DATACACHE_SHARED_UNAVAILABLE', `the shared tier at ${server} cannot be used: ${reason}`, cause === undefined ? undefined : { cause });
    this.server = server;
  }
}
