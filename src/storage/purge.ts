import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PurgeFilter } from './cache-storage.js';
import { deleteChosenEntries } from './deletion.js';
import { HOUSEKEEPING_CHUNK, type StorageInternals } from './storage-internals.js';

/**
 * Removes every entry matching the filter, with its file, and returns how many went. Walks the
 * table by row id in chunks (one short transaction each), so purging a large provider neither
 * holds the write lock nor the event loop for long, and costs one pass over the table.
 */
export async function purgeEntries(internals: StorageInternals, filter: PurgeFilter): Promise<number> {
  const { housekeeping } = internals;
  const matches = (row: { provider: string; identifier: string; dataType: string }): boolean =>
    filter.all === true ||
    ((filter.provider === undefined || row.provider === filter.provider) &&
      (filter.identifier === undefined || row.identifier === filter.identifier) &&
      (filter.dataType === undefined || row.dataType === filter.dataType));
  let removed = 0;
  let lastId = 0;
  for (;;) {
    let scannedUpTo: number | undefined;
    const deleted = await deleteChosenEntries(internals, 'purging entries', () => {
      const rows = housekeeping.idsAfter.all(lastId, HOUSEKEEPING_CHUNK * 5);
      scannedUpTo = rows.at(-1)?.id;
      return rows.filter(matches);
    });
    removed += deleted.length;
    if (scannedUpTo === undefined) break;
    lastId = scannedUpTo;
    await yieldToEventLoop();
  }
  return removed;
}
