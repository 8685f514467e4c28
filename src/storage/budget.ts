import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deleteChosenEntries, type DeletionCandidate } from './deletion.js';
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
  const { statements, options } = internals;
  const result: EvictionResult = { evictedEntries: 0, evictedBytes: 0 };
  // Reads recorded in memory must reach the database first, or LRU would evict them.
  await internals.accessRecorder.flush();
  if (statements.totals.get()!.bytes <= options.maxSizeBytes) return result;

  while (!internals.isClosing()) {
    const deleted = await deleteChosenEntries(internals, 'enforcing the byte budget', () => chooseVictims(internals));
    if (deleted.length === 0) break;
    result.evictedEntries += deleted.length;
    for (const row of deleted) result.evictedBytes += row.size;
    await yieldToEventLoop();
  }
  if (result.evictedEntries > 0) {
    options.logger.info('datacache: evicted entries to stay within the byte budget', { ...result });
  }
  return result;
}

/** Up to one chunk of rows whose sizes cover the excess over the low-water mark: expired ones first, then LRU. */
function chooseVictims(internals: StorageInternals): DeletionCandidate[] {
  const { statements, housekeeping, options } = internals;
  const excess = statements.totals.get()!.bytes - lowWaterMarkBytes(internals);
  if (excess <= 0) return [];
  const victims: EvictionCandidate[] = [];
  let bytes = 0;
  const take = (candidates: EvictionCandidate[]): void => {
    for (const candidate of candidates) {
      if (bytes >= excess || victims.length >= HOUSEKEEPING_CHUNK) return;
      if (victims.some((victim) => victim.id === candidate.id)) continue;
      victims.push(candidate);
      bytes += candidate.size;
    }
  };
  take(housekeeping.expiredCandidates.all(options.clock.now(), HOUSEKEEPING_CHUNK));
  if (bytes < excess) take(housekeeping.leastRecentlyUsed.all(HOUSEKEEPING_CHUNK * 2));
  return victims;
}
