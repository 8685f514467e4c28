/**
 * Child process for the priority benchmark. `live`: from `startAt` for `durationMs`, one live
 * fetch every 1.2 s (an app polling the playing track), each timed from the call to its answer.
 * `background`: queues more fetches than the time allows, then drains them with a worker.
 * Both go to one provider limited to `rate` per second (burst 1), through the shared cache.
 * Usage: priority-client.ts <cacheDir> <baseUrl> <startAt> <durationMs> <rate> <clientIndex> <live|background>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';

const [cacheDir, baseUrl, startAt, durationMs, rate, clientIndex, mode] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
const client = new DataCacheClient({ storage, providers: { bench: { ratePerSecond: Number(rate), burst: 1 } } });
const stopAt = Number(startAt) + Number(durationMs);
const waits: number[] = [];
if (mode === 'background') {
  for (let index = 0; index < Number(rate) * (Number(durationMs) / 1000) * 2; index++) {
    await client.getOrFetch({ url: `${baseUrl}/background-${clientIndex}/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'bench', immediate: false });
  }
  await sleep(Math.max(0, Number(startAt) - Date.now()));
  const worker = client.startWorker({ concurrency: 2 });
  await sleep(Math.max(0, stopAt - Date.now()));
  await worker.stop();
} else {
  await sleep(Math.max(0, Number(startAt) - Date.now()) + Number(clientIndex) * 600);
  for (let index = 0; Date.now() < stopAt - 1200; index++) {
    const started = Date.now();
    await client.getOrFetch({ url: `${baseUrl}/live-${clientIndex}/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'bench' }).catch(() => undefined);
    waits.push(Date.now() - started);
    await sleep(Math.max(0, started + 1200 - Date.now()));
  }
}
await client.close();
await storage.close();
console.log(JSON.stringify({ waits }));
