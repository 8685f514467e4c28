import { closeSync, constants, openSync } from 'node:fs';
import { chmod, lstat } from 'node:fs/promises';
import { CacheDirectoryUnsafeError } from '../../errors.js';

/** Queued requests in the database may hold headers (API keys, cookies): this user only. */
export const PRIVATE_DATABASE_MODE = 0o600;

/** O_NOFOLLOW where the platform has it (Windows does not). */
const NO_FOLLOW = (constants as Partial<Record<string, number>>).O_NOFOLLOW ?? 0;

/**
 * Makes the database file and its -wal, -shm (and -journal) files safe to hand to SQLite, before it opens
 * them:
 *
 * - a new database file is created here, 0600 whatever the umask; SQLite gives the -wal and
 *   -shm files it creates the database file's permissions, so they are 0600 too;
 * - an existing one that others could read is tightened to 0600 later, by
 *   `makeDatabaseFilesPrivate`, once it is known to be datacache's;
 * - a link, FIFO, socket or folder in their place is refused with CacheDirectoryUnsafeError:
 *   SQLite would write through a link (and truncate what it points to), and reading a FIFO
 *   blocks the event loop for ever.
 *
 * Only a file that did not exist is ever opened here. Closing any descriptor of a file drops
 * every POSIX lock this process holds on it, which would pull SQLite's locks from under
 * another connection of this process (another DataStorage, the checkpoint worker) and let
 * another process checkpoint and delete the write-ahead log in use. Existing files are only
 * looked at (lstat) and changed by path (chmod), which touch no lock.
 */
export async function prepareDatabaseFiles(databasePath: string, cacheDirectory: string): Promise<void> {
  createPrivately(databasePath);
  for (const suffix of ['', '-wal', '-shm', '-journal']) await checkDatabaseFile(`${databasePath}${suffix}`, cacheDirectory);
}

/**
 * Creates the database file, 0600, unless something is there already. Synchronous on purpose:
 * nothing else of this process may open the file between this open and its close.
 */
function createPrivately(databasePath: string): void {
  try {
    // O_EXCL: never through a link, never an existing file.
    closeSync(openSync(databasePath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, PRIVATE_DATABASE_MODE));
  } catch {
    // There already (checked next), or the directory cannot be written: SQLite's own open then
    // reports that, with the message users know.
  }
}

async function checkDatabaseFile(path: string, cacheDirectory: string): Promise<void> {
  let details;
  try {
    details = await lstat(path);
  } catch {
    return; // missing (no -wal yet), or unreadable: SQLite reports what matters
  }
  if (details.isSymbolicLink()) {
    throw new CacheDirectoryUnsafeError(
      cacheDirectory,
      `${path} is a symbolic link: datacache does not follow links inside its cache directory (SQLite would write, ` +
        'and truncate, whatever it points to). Remove the link; to keep the cache elsewhere, move the whole cache directory ' +
        'and point cacheDir (or $DATACACHE_DIR) at it: a link to the cache directory itself is fine.',
    );
  }
  if (!details.isFile()) {
    throw new CacheDirectoryUnsafeError(
      cacheDirectory,
      `${path} is not a regular file (a FIFO, socket, device or folder): SQLite could block on it or write into it. ` +
        'Remove it; datacache creates the file again.',
    );
  }
}

/**
 * Takes group and other permissions off the database files this user owns. Called once the
 * database is known to be datacache's: a database it did not create keeps its modes too. It
 * looks at the files again (not at what prepareDatabaseFiles saw): opening the database may
 * have created -wal and -shm files since, with the database file's loose mode.
 */
export async function makeDatabaseFilesPrivate(databasePath: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const path = `${databasePath}${suffix}`;
    const details = await lstat(path).catch(() => undefined);
    if (details === undefined || !details.isFile() || details.uid !== uid || (details.mode & 0o077) === 0) continue;
    // Quietly, and best effort: on a read-only file system SQLite's own errors say more.
    await chmod(path, details.mode & 0o700).catch(() => undefined);
  }
}
