import { StorageWriteError } from '../errors.js';
import { removeBlobs } from './content/remove.js';
import type { DeletedRow } from '../backends/sqlite/entry-statements.js';
import type { StorageInternals } from './storage-internals.js';

/** A row chosen for deletion. */
export interface DeletionCandidate {
  id: number;
  filePath: string | null;
}

/**
 * Deletes the rows `choose` picks, then their files. `choose` runs inside the deleting write
 * transaction, so it sees the rows as they are at that moment: a row another process has just
 * refreshed is judged on its new state, and a file is deleted only after the row naming it
 * is gone.
 *
 * On a full disk even a DELETE fails (SQLite needs room in its write-ahead log), which would
 * leave a full cache unable to shrink. So when that happens, the chosen rows' files are deleted
 * first (those rows are going anyway), the log is truncated, and the deletion is tried again.
 */
export async function deleteChosenEntries(
  internals: StorageInternals,
  operation: string,
  choose: () => DeletionCandidate[],
): Promise<DeletedRow[]> {
  const { connection, housekeeping, options } = internals;
  const deleteChosen = (): Promise<DeletedRow[]> =>
    connection.write(operation, () => {
      const deleted: DeletedRow[] = [];
      for (const candidate of choose()) {
        const row = housekeeping.deleteById.get(candidate.id);
        if (row) deleted.push(row);
      }
      return deleted;
    });
  let deleted: DeletedRow[];
  try {
    deleted = await deleteChosen();
  } catch (error) {
    if (!(error instanceof StorageWriteError && error.reason === 'disk-full')) throw error;
    const candidates = await connection.read(operation, choose);
    options.logger.warn('datacache: the disk is full; deleting files ahead of their rows to make room', {
      operation,
      rows: candidates.length,
    });
    await removeBlobs(options.cacheDir, filePathsOf(candidates), options.logger, internals.blobFolders);
    await internals.checkpoint('TRUNCATE');
    deleted = await deleteChosen();
  }
  const files = filePathsOf(deleted);
  for (const file of files) internals.blobMemory.delete(file);
  await removeBlobs(options.cacheDir, files, options.logger, internals.blobFolders);
  return deleted;
}

/** The blob files among some rows. */
export function filePathsOf(rows: Iterable<{ filePath: string | null }>): string[] {
  const paths: string[] = [];
  for (const row of rows) if (row.filePath !== null) paths.push(row.filePath);
  return paths;
}
