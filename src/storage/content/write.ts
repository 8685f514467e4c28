import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageWriteError } from '../../errors.js';
import { ensureBlobFolder, type VerifiedFolders } from './folders.js';
import { TEMPORARY_DIRECTORY, newBlobPath, newTemporaryPath } from './paths.js';
import type { VerifiedFiles } from './verified-files.js';

/** Blob files are for this user alone; the rename into place keeps the mode. */
const PRIVATE_FILE_MODE = 0o600;

/**
 * Writes content to a new blob file: first to a temporary file, then renamed into place, so
 * no reader ever sees a partly written file under a blob name. Returns the relative path to
 * record in the row; the caller commits the row after this resolves.
 *
 * `verifiedFolders` remembers which folders exist as real directories, so the common store
 * skips `mkdir`; a folder that is a link fails the store instead of being written through.
 * With `verifiedFiles`, the new file is remembered as checked: pass it only when `checksum` was
 * computed from `data` here (not taken from a caller), so the first read need not hash it again.
 */
export async function writeBlob(
  cacheDirectory: string,
  data: Uint8Array,
  checksum: string,
  verifiedFolders: VerifiedFolders,
  verifiedFiles?: VerifiedFiles,
): Promise<string> {
  const relativePath = newBlobPath(checksum);
  const temporary = newTemporaryPath(cacheDirectory);
  try {
    await ensureBlobFolder(cacheDirectory, TEMPORARY_DIRECTORY, verifiedFolders);
    await ensureBlobFolder(cacheDirectory, relativePath.slice(0, relativePath.lastIndexOf('/')), verifiedFolders);
    // `wx` (O_CREAT | O_EXCL) never opens through a link planted at the temporary name.
    await writeFile(temporary, data, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    const finalPath = join(cacheDirectory, relativePath);
    await rename(temporary, finalPath);
    // After the rename, which changes the file's ctime.
    if (verifiedFiles !== undefined) verifiedFiles.add(finalPath, await lstat(finalPath), checksum);
    return relativePath;
  } catch (error) {
    // The folders may have been deleted or replaced under us (a user clearing the cache): look again next time.
    verifiedFolders.clear();
    await rm(temporary, { force: true }).catch(() => undefined);
    if (error instanceof StorageWriteError) throw error;
    throw new StorageWriteError(`Could not write a ${data.byteLength}-byte blob file under ${cacheDirectory}; nothing was stored`, error);
  }
}
