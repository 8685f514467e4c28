import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageWriteError } from '../../errors.js';
import { newBlobPath, newTemporaryPath } from './paths.js';

/**
 * Writes content to a new blob file: first to a temporary file, then renamed into place, so
 * no reader ever sees a partly written file under a blob name. Returns the relative path to
 * record in the row; the caller commits the row after this resolves.
 *
 * `knownDirectories` remembers which folders exist so the common store skips `mkdir`.
 */
export async function writeBlob(
  cacheDirectory: string,
  data: Uint8Array,
  checksum: string,
  knownDirectories: Set<string>,
): Promise<string> {
  const relativePath = newBlobPath(checksum);
  const target = join(cacheDirectory, relativePath);
  const temporary = newTemporaryPath(cacheDirectory);
  try {
    await ensureDirectory(dirname(temporary), knownDirectories);
    await ensureDirectory(dirname(target), knownDirectories);
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, target);
    return relativePath;
  } catch (error) {
    // The folders may have been deleted under us (a user clearing the cache): forget them.
    knownDirectories.clear();
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new StorageWriteError(`Could not write a ${data.byteLength}-byte blob file under ${cacheDirectory}; nothing was stored`, error);
  }
}

/**
 * Creates a folder and any missing parents, one level at a time: a recursive mkdir reports a
 * read-only file system as ENOENT, which would hide the real reason from the user.
 */
async function ensureDirectory(directory: string, knownDirectories: Set<string>): Promise<void> {
  if (knownDirectories.has(directory)) return;
  try {
    await mkdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && dirname(directory) !== directory) {
      await ensureDirectory(dirname(directory), knownDirectories);
      await ensureDirectory(directory, knownDirectories);
    } else if (code !== 'EEXIST') {
      throw error;
    }
  }
  knownDirectories.add(directory);
}
