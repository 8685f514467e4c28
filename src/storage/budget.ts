import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deleteChosenEntries, type DeletionCandidate } from './deletion.js';
import type { EvictionCandidate } from '../backends/sqlite/housekeeping-statements.js';
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

  // Rows per transaction, adjusted so that each holds the lock (and this event loop) about
  // TARGET_TRANSACTION_MS: a delete costs more in a large database (deeper indexes), and the
  // benchmark showed fixed chunks of 200 taking 11 ms each at a million entries.
  let chunk = HOUSEKEEPING_CHUNK;
  while (!internals.isClosing()) {
    const started = performance.now();
    const deleted = await deleteChosenEntries(internals, 'enforcing the byte budget', () => chooseVictims(internals, chunk));
    if (deleted.length === 0) break;
    result.evictedEntries += deleted.length;
    for (const row of deleted) result.evictedBytes += row.size;
    chunk = nextChunkSize(chunk, performance.now() - started);
    await yieldToEventLoop();
  }
  if (result.evictedEntries > 0) {
    options.logger.info('datacache: evicted entries to stay within the byte budget', { ...result });
  }
  return result;
}

const TARGET_TRANSACTION_MS = 3;
const MIN_CHUNK = 10;
const MAX_CHUNK = 1000;

/** Halves the chunk after a slow transaction, grows it after a quick one. */
export function nextChunkSize(chunk: number, elapsedMs: number): number {
  if (elapsedMs > TARGET_TRANSACTION_MS * 1.5) return Math.max(MIN_CHUNK, Math.floor(chunk / 2));
  if (elapsedMs < TARGET_TRANSACTION_MS / 2) return Math.min(MAX_CHUNK, chunk * 2);
  return chunk;
}

/** Up to `limit` rows whose sizes cover the excess over the low-water mark: expired ones first, then LRU. */
function chooseVictims(internals: StorageInternals, limit: number): DeletionCandidate[] {
  const { statements, housekeeping, options } = internals;
  const excess = statements.totals.get()!.bytes - lowWaterMarkBytes(internals);
  if (excess <= 0) return [];
  const victims: EvictionCandidate[] = [];
  let bytes = 0;
  const take = (candidates: EvictionCandidate[]): void => {
    for (const candidate of candidates) {
      if (bytes >= excess || victims.length >= limit) return;
      if (victims.some((victim) => victim.id === candidate.id)) continue;
      victims.push(candidate);
      bytes += candidate.size;
    }
  };
  take(housekeeping.expiredCandidates.all(options.clock.now(), limit));
  if (bytes < excess) take(housekeeping.leastRecentlyUsed.all(limit * 2));
  return victims;
}
