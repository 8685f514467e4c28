import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { removeBlobs } from './content/remove.js';
import type { DeletedRow } from './sqlite/entry-statements.js';
import type { EvictionCandidate } from './sqlite/housekeeping-statements.js';
import { HOUSEKEEPING_CHUNK, type StorageInternals } from './storage-internals.js';

export interface EvictionResult {
  evictedEntries: number;
  evictedBytes: number;
}

/** The byte count eviction brings the cache down to once it is over budget. */
export function lowWaterMarkBytes(internals: StorageInternals): number {
  return Math.floor(internals.options.maxSizeBytes * internals.options.lowWaterMarkRatio);
}

/**
 * Brings the cache under its byte budget: while the stored bytes exceed the budget, evict
 * expired entries first (earliest expiry first), then the least recently used, until the
 * total is at the low-water mark. Works in short transactions and yields between them, so
 * other processes and this event loop keep moving. Several processes may run it at once:
 * each transaction re-reads the totals, so together they stop at the mark.
 */
export async function evictToLowWaterMark(internals: StorageInternals): Promise<EvictionResult> {
  const { connection, statements, housekeeping, options } = internals;
  const target = lowWaterMarkBytes(internals);
  const result: EvictionResult = { evictedEntries: 0, evictedBytes: 0 };
  // Reads recorded in memory must reach the database first, or LRU would evict them.
  await internals.accessRecorder.flush();
  if (statements.totals.get()!.bytes <= options.maxSizeBytes) return result;

  while (!internals.isClosing()) {
    const deleted = await connection.write('enforcing the byte budget', () => {
      const excess = statements.totals.get()!.bytes - target;
      if (excess <= 0) return [];
      const chosen = chooseVictims(housekeeping.expiredCandidates.all(options.clock.now(), HOUSEKEEPING_CHUNK), excess);
      if (chosen.bytes < excess && chosen.victims.length < HOUSEKEEPING_CHUNK) {
        const remaining = HOUSEKEEPING_CHUNK - chosen.victims.length;
        const alreadyChosen = new Set(chosen.victims.map((victim) => victim.id));
        const leastRecent = housekeeping.leastRecentlyUsed
          .all(HOUSEKEEPING_CHUNK + remaining)
          .filter((candidate) => !alreadyChosen.has(candidate.id));
        chosen.victims.push(...chooseVictims(leastRecent, excess - chosen.bytes).victims.slice(0, remaining));
      }
      const rows: DeletedRow[] = [];
      for (const victim of chosen.victims) {
        const row = housekeeping.deleteById.get(victim.id);
        if (row) rows.push(row);
      }
      return rows;
    });
    if (deleted.length === 0) break;
    result.evictedEntries += deleted.length;
    for (const row of deleted) result.evictedBytes += row.size;
    await removeBlobs(options.cacheDir, filePathsOf(deleted), options.logger);
    await yieldToEventLoop();
  }
  if (result.evictedEntries > 0) {
    options.logger.info('datacache: evicted entries to stay within the byte budget', { ...result });
  }
  return result;
}

function chooseVictims(candidates: EvictionCandidate[], bytesNeeded: number): { victims: EvictionCandidate[]; bytes: number } {
  const victims: EvictionCandidate[] = [];
  let bytes = 0;
  for (const candidate of candidates) {
    if (bytes >= bytesNeeded) break;
    victims.push(candidate);
    bytes += candidate.size;
  }
  return { victims, bytes };
}

/** The blob files of deleted rows, for removal after the deleting transaction committed. */
export function filePathsOf(rows: Iterable<{ filePath: string | null }>): string[] {
  const paths: string[] = [];
  for (const row of rows) if (row.filePath !== null) paths.push(row.filePath);
  return paths;
}
