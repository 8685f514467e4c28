/**
 * The app that keeps using the datacache cache while an import runs: stores a 2 KB answer
 * every 10 ms for DURATION_MS and prints how long each store took (a store that waits on the
 * importer's lock shows here). Usage: wnp-app-writer.ts CACHE_DIR DURATION_MS
 */
import { DataStorage } from '../../src/index.js';
import { summarizeMilliseconds } from '../harness.js';

const [cacheDir, duration] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0, lockTimeoutMs: 60_000 });
const until = Date.now() + Number(duration);
const waits: number[] = [];
const value = { answer: 'x'.repeat(2000) };
for (let index = 0; Date.now() < until; index++) {
  const started = performance.now();
  await storage.store({ url: `https://app.example/answer/${index}`, identifier: 'app', dataType: 'api', provider: 'app', value, ttlSeconds: 3600 });
  waits.push(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await storage.close();
console.log(JSON.stringify(summarizeMilliseconds(waits)));
