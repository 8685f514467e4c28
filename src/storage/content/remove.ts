import { unlink } from 'node:fs/promises';
import type { Logger } from '../../logger.js';
import { firstLinkedFolder, type VerifiedFolders } from './folders.js';
import { resolveBlobPath } from './paths.js';

/**
 * Deletes blob files whose rows are already gone (committed). A file that is already missing
 * is fine; any other failure is logged and left for maintenance's orphan sweep to retry. A
 * file behind a folder that is a link is not ours and is left alone: unlink would follow the
 * link and delete a file outside the cache directory.
 */
export async function removeBlobs(
  cacheDirectory: string,
  relativePaths: Iterable<string>,
  logger: Logger,
  verifiedFolders: VerifiedFolders,
): Promise<number> {
  let removed = 0;
  for (const relativePath of relativePaths) {
    const absolutePath = resolveBlobPath(cacheDirectory, relativePath);
    if (absolutePath === undefined) continue;
    try {
      const linked = await firstLinkedFolder(cacheDirectory, relativePath, verifiedFolders);
      if (linked !== undefined) {
        logger.warn('datacache: a folder inside the cache directory is a link; the file behind it was left alone', {
          folder: linked,
          path: absolutePath,
        });
        continue;
      }
      await unlink(absolutePath);
      removed++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn('datacache: could not delete a blob file; maintenance will retry', { path: absolutePath, error: String(error) });
      }
    }
  }
  return removed;
}
