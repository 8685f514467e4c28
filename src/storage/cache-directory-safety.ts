import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CacheDirectoryUnsafeError, DatabaseUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PRIVATE_FOLDER_MODE } from './content/folders.js';
import { BLOB_DIRECTORY, TEMPORARY_DIRECTORY } from './content/paths.js';

/** Cache directories already warned about in this process: one warning each, not one per open. */
const warned = new Set<string>();

/**
 * Creates the cache directory when it is missing (0700, whatever the umask; its parents as
 * `mkdir -p` makes them) and checks that it is safe to use before anything is opened in it:
 *
 * - another user's directory that group or others can write to is refused with
 *   CacheDirectoryUnsafeError: they could replace the database or plant links in it. Another
 *   user's directory only they can write to, and our own directory anyone can write to, are
 *   used with one warning. Root is only ever warned. Skipped where there are no user ids
 *   (Windows).
 * - `blobs` or `blobs/tmp` being a link is refused: datacache does not follow links inside
 *   its cache directory (reads, writes and the orphan sweep would all go wherever it points).
 *   A link to the cache directory itself is fine.
 */
export async function prepareCacheDirectory(cacheDirectory: string, logger: Logger): Promise<void> {
  try {
    await mkdir(dirname(cacheDirectory), { recursive: true });
    await mkdir(cacheDirectory, { mode: PRIVATE_FOLDER_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new DatabaseUnavailableError(`Could not create the cache directory ${cacheDirectory}`, error);
    }
  }
  await checkOwnership(cacheDirectory, logger);
  for (const folder of [BLOB_DIRECTORY, TEMPORARY_DIRECTORY]) await refuseLink(cacheDirectory, folder);
}

async function checkOwnership(cacheDirectory: string, logger: Logger): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  // stat, not lstat: the cache directory itself may be a link.
  const details = await stat(cacheDirectory).catch((error: unknown) => {
    throw new DatabaseUnavailableError(`Could not look at the cache directory ${cacheDirectory}`, error);
  });
  const mode = (details.mode & 0o7777).toString(8).padStart(4, '0');
  const writers = [(details.mode & 0o020) !== 0 ? 'its group' : '', (details.mode & 0o002) !== 0 ? 'any user' : ''].filter(Boolean).join(' and ');
  if (details.uid !== uid) {
    if (writers !== '' && uid !== 0) {
      throw new CacheDirectoryUnsafeError(
        cacheDirectory,
        `The cache directory ${cacheDirectory} belongs to another user (uid ${details.uid}) and can be written by ${writers} ` +
          `(mode ${mode}): they could replace the cache database or plant links in it. Use another directory of your own ` +
          `(the cacheDir option or $DATACACHE_DIR), or fix this one: chown ${uid} '${cacheDirectory}' && chmod 700 '${cacheDirectory}'.`,
      );
    }
    warnOnce(logger, cacheDirectory, 'datacache: the cache directory belongs to another user; its owner can change the cache under us', {
      cacheDir: cacheDirectory,
      ownerUid: details.uid,
      mode,
    });
  } else if ((details.mode & 0o002) !== 0) {
    warnOnce(logger, cacheDirectory, `datacache: the cache directory ${cacheDirectory} can be written by any user (mode ${mode}): they could replace the cache database or plant links in it; chmod 700 it`, {
      cacheDir: cacheDirectory,
      mode,
    });
  }
}

function warnOnce(logger: Logger, cacheDirectory: string, message: string, details: Record<string, unknown>): void {
  if (warned.has(cacheDirectory)) return;
  warned.add(cacheDirectory);
  logger.warn(message.includes(cacheDirectory) ? message : `${message} (${cacheDirectory})`, details);
}

async function refuseLink(cacheDirectory: string, folder: string): Promise<void> {
  const path = join(cacheDirectory, folder);
  const details = await lstat(path).catch(() => undefined);
  if (details?.isSymbolicLink() !== true) return;
  throw new CacheDirectoryUnsafeError(
    cacheDirectory,
    `${path} is a symbolic link: datacache does not follow links inside its cache directory (reads, writes and the ` +
      'orphan sweep would all go wherever it points). Remove the link; to keep the cache elsewhere, move the whole cache ' +
      'directory and point cacheDir (or $DATACACHE_DIR) at it: a link to the cache directory itself is fine.',
  );
}
