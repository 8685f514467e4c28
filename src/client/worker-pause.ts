import type { DataStorage } from '../storage/data-storage.js';

/**
 * Whether the machine's queue workers are paused: kept as an ordinary cache entry, so a pause
 * set by any process (the dashboard's button, a script) holds for every worker on this cache
 * directory, and a restarted worker stays paused until someone resumes.
 */
export const WORKERS_PAUSED_URL = 'datacache:workers-paused';
/** A pause outlives any show; it is lifted only by a resume. */
const PAUSE_TTL_SECONDS = 10 * 365 * 86_400;

export async function setWorkersPaused(storage: DataStorage, paused: boolean, now: number): Promise<void> {
  if (paused) await storage.store({ url: WORKERS_PAUSED_URL, identifier: '', dataType: 'worker-pause', provider: 'datacache', value: { since: now }, ttlSeconds: PAUSE_TTL_SECONDS });
  else await storage.delete(WORKERS_PAUSED_URL);
}

export async function workersPaused(storage: DataStorage): Promise<boolean> {
  return (await storage.retrieveSummaryByUrl(WORKERS_PAUSED_URL)) !== null;
}
