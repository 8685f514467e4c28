import { unlink } from 'node:fs/promises';
import type { Logger } from '../../logger.js';
import { resolveBlobPath } from './paths.js';

/**
 * Deletes blob files whose rows are already gone (committed). A file that is already missing
 * is fine; any other failure is logged and left for maintenance's orphan sweep to retry.
 */
export async function removeBlobs(cacheDirectory: string, relativePaths: Iterable<string>, logger: Logger): Promise<number> {
  let removed = 0;
  for (const relativePath of relativePaths) {
    const absolutePath = resolveBlobPath(cacheDirectory, relativePath);
    if (absolutePath === undefined) continue;
    try {
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
