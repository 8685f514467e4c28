import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { filePathsOf } from './budget.js';
import type { PurgeFilter } from './cache-storage.js';
import { removeBlobs } from './content/remove.js';
import type { DeletedRow } from './sqlite/entry-statements.js';
import { HOUSEKEEPING_CHUNK, type StorageInternals } from './storage-internals.js';

/**
 * Removes every entry matching the filter, with its file, and returns how many went. Walks the
 * table by row id in chunks (one short transaction each), so purging a large provider neither
 * holds the write lock nor the event loop for long, and costs one pass over the table.
 */
export async function purgeEntries(internals: StorageInternals, filter: PurgeFilter): Promise<number> {
  const { connection, housekeeping, options } = internals;
  const matches = (row: { provider: string; identifier: string; dataType: string }): boolean =>
    filter.all === true ||
    ((filter.provider === undefined || row.provider === filter.provider) &&
      (filter.identifier === undefined || row.identifier === filter.identifier) &&
      (filter.dataType === undefined || row.dataType === filter.dataType));
  let removed = 0;
  let lastId = 0;
  for (;;) {
    const { deleted, scannedUpTo } = await connection.write('purging entries', () => {
      const rows = housekeeping.idsAfter.all(lastId, HOUSEKEEPING_CHUNK * 5);
      const deletedRows: DeletedRow[] = [];
      for (const row of rows) {
        if (!matches(row)) continue;
        const deletedRow = housekeeping.deleteById.get(row.id);
        if (deletedRow) deletedRows.push(deletedRow);
      }
      return { deleted: deletedRows, scannedUpTo: rows.length === 0 ? undefined : rows[rows.length - 1]!.id };
    });
    removed += deleted.length;
    await removeBlobs(options.cacheDir, filePathsOf(deleted), options.logger);
    if (scannedUpTo === undefined) break;
    lastId = scannedUpTo;
    await yieldToEventLoop();
  }
  return removed;
}
