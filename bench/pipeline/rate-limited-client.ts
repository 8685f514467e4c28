/**
 * Child process for the rate-limit benchmark: from `startAt` for `durationMs`, fetches distinct
 * URLs of one provider limited to `rate` per second (burst 1), live, through the shared cache.
 * Usage: rate-limited-client.ts <cacheDir> <baseUrl> <startAt> <durationMs> <rate> <clientIndex>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';

const [cacheDir, baseUrl, startAt, durationMs, rate, clientIndex] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
const client = new DataCacheClient({ storage, providers: { bench: { ratePerSecond: Number(rate), burst: 1 } } });
await sleep(Math.max(0, Number(startAt) - Date.now()));
const stopAt = Number(startAt) + Number(durationMs);
let fetched = 0;
for (let index = 0; Date.now() < stopAt; index++) {
  const remaining = stopAt - Date.now();
  await client
    .getOrFetch({ url: `${baseUrl}/client-${clientIndex}/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'bench', timeoutMs: Math.max(1, remaining) })
    .then(() => fetched++, () => undefined);
}
await client.close();
await storage.close();
console.log(JSON.stringify({ fetched }));
