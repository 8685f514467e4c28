import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageWriteError } from '../../errors.js';

/**
 * Folders under the cache directory (relative, `/`-separated: `blobs`, `blobs/ab`,
 * `blobs/ab/cd`) this process has seen to be real directories, so the common store or delete
 * does not look again. Shared by writes and deletions of one DataStorage.
 */
export type VerifiedFolders = Set<string>;

/** Folders datacache creates are for this user alone: blob names say what someone listened to. */
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Creates `relativeFolder` (and the folders above it, up to the cache directory) one level at
 * a time, each 0700, and makes sure each is a real directory: a link planted anywhere on the
 * way (`blobs/ab` pointing elsewhere) fails the store with StorageWriteError instead of
 * having us write, and later delete, files wherever it points.
 *
 * One level at a time also keeps the real reason of a failure: a recursive mkdir reports a
 * read-only file system as ENOENT.
 */
export async function ensureBlobFolder(cacheDirectory: string, relativeFolder: string, verified: VerifiedFolders): Promise<void> {
  let folder = '';
  for (const part of relativeFolder.split('/')) {
    folder = folder === '' ? part : `${folder}/${part}`;
    if (verified.has(folder)) continue;
    const absolute = join(cacheDirectory, folder);
    try {
      await mkdir(absolute, { mode: PRIVATE_FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if ((await folderKind(absolute)) !== 'directory') {
        throw new StorageWriteError(
          `${absolute} is a symbolic link or not a folder; datacache does not write through links inside its cache directory. ` +
            'Remove it (datacache recreates the folder), and move the whole cache directory if you want the cache elsewhere; nothing was stored',
        );
      }
    }
    verified.add(folder);
  }
}

/**
 * The first folder on the way to `relativePath` that exists but is not a real directory (a
 * link), or undefined when there is none: such a file is not ours to delete.
 */
export async function firstLinkedFolder(cacheDirectory: string, relativePath: string, verified: VerifiedFolders): Promise<string | undefined> {
  const parts = relativePath.split('/');
  let folder = '';
  for (const part of parts.slice(0, -1)) {
    folder = folder === '' ? part : `${folder}/${part}`;
    if (verified.has(folder)) continue;
    const kind = await folderKind(join(cacheDirectory, folder));
    if (kind === 'missing') return undefined; // nothing below it to delete
    if (kind !== 'directory') return folder;
    verified.add(folder);
  }
  return undefined;
}

/** What is at `path`, without following a link. */
export async function folderKind(path: string): Promise<'directory' | 'link' | 'other' | 'missing'> {
  try {
    const details = await lstat(path);
    if (details.isDirectory()) return 'directory';
    return details.isSymbolicLink() ? 'link' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}
