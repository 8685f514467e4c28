import type { RefreshCandidateRow, RefreshStatements } from '../backends/sqlite/refresh-statements.js';
import type { StorageInternals } from './storage-internals.js';

export type { RefreshCandidateRow as RefreshCandidate } from '../backends/sqlite/refresh-statements.js';

/** Which entries are worth refreshing before they expire. */
export interface RefreshCandidateQuery {
  /** Entries expiring within this long from now. */
  withinMs: number;
  /** Read at least this many times (every read that served them counts)... */
  minReads: number;
  /** ...and read at least once in this long. */
  readWithinMs: number;
  limit: number;
}

/**
 * The live, often and recently read entries that expire soon, the most read first.
 * @internal
 */
export async function refreshCandidates(internals: StorageInternals, statements: RefreshStatements, query: RefreshCandidateQuery): Promise<RefreshCandidateRow[]> {
  // Reads waiting in memory count too: the hottest entries are the ones read since the last flush.
  await internals.accessRecorder.flush();
  const now = internals.options.clock.now();
  return internals.connection.read('finding entries to refresh', () =>
    statements.candidates.all({ now, until: now + query.withinMs, minReads: query.minReads, readSince: now - query.readWithinMs, limit: query.limit }),
  );
}

/**
 * Takes up to `wanted` refreshes from `provider`'s budget for the day (UTC) of `now`, out of
 * `dailyLimit`, in one write transaction (every worker of the machine draws on it), and says
 * how many it got. Days before yesterday are forgotten.
 * @internal
 */
export async function takeRefreshBudget(internals: StorageInternals, statements: RefreshStatements, provider: string, wanted: number, dailyLimit: number): Promise<number> {
  const now = internals.options.clock.now();
  const day = new Date(now).toISOString().slice(0, 10);
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
  return internals.connection.write('counting refreshes against their budget', () => {
    const used = statements.budgetUsed.get(provider, day) ?? 0;
    const granted = Math.max(0, Math.min(wanted, dailyLimit - used));
    if (granted > 0) statements.spendBudget.run(provider, day, granted);
    statements.forgetOldDays.run(yesterday);
    return granted;
  });
}
