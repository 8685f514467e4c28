import { DataStorage } from '../../src/index.js';
import { startChild } from '../child.js';

export interface Origin {
  baseUrl: string;
  /** When each request arrived (epoch ms), in order. */
  arrivals(): Promise<number[]>;
}

/**
 * Runs `work` against an image origin in another process (image-server.ts), with the cache
 * directory created first so that the child processes all open the same, migrated cache.
 */
export async function withOrigin<T>(cacheDir: string, work: (origin: Origin) => Promise<T>): Promise<T> {
  const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
  await storage.close();
  const server = await startChild(new URL('./image-server.ts', import.meta.url), []);
  const baseUrl = `http://127.0.0.1:${server.firstLine}`;
  try {
    return await work({ baseUrl, arrivals: async () => (await (await fetch(`${baseUrl}/arrivals`)).json()) as number[] });
  } finally {
    server.stop();
  }
}
