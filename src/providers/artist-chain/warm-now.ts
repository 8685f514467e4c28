import type { ChainStep } from '../../client/chains.js';
import type { DataCacheClient } from '../../client/data-cache-client.js';
import type { FetchRequest } from '../../client/fetch-request.js';
import { PRIORITY } from '../../queue/job-queue.js';
import type { CachedEntry } from '../../storage/cached-entry.js';

/** What running a chain now came to. */
export interface WarmReport {
  /** Fetches made or found cached, and those that failed (the chain went on without them). */
  fetched: number;
  failed: number;
}

/**
 * Runs a chain in this process now, at live priority, step after step: each fetch through the
 * cache (a cached answer costs no request), then the chain's step on its answer, until no step
 * gives more. The fetches of one step run together.
 */
export async function runChainNow(client: DataCacheClient, start: FetchRequest, step: ChainStep): Promise<WarmReport> {
  const report: WarmReport = { fetched: 0, failed: 0 };
  let wave: FetchRequest[] = [start];
  while (wave.length > 0) {
    const next = await Promise.all(
      wave.map(async (request) => {
        const { chain, ...alone } = request;
        let entry: CachedEntry | null = null;
        let error: string | null = null;
        try {
          entry = await client.getOrFetch({ ...alone, immediate: true, priority: PRIORITY.live });
          report.fetched += 1;
        } catch (caught) {
          error = caught instanceof Error ? caught.message : String(caught);
          report.failed += 1;
        }
        if (chain === undefined) return [];
        return step({ state: chain.state, url: request.url, entry, error, priority: PRIORITY.live });
      }),
    );
    wave = next.flat();
  }
  return report;
}
