/**
 * Child process for the event-loop benchmark: stores as fast as it can for a while (2 KB
 * answers, every tenth a 200 KB image), then prints how many it stored.
 * Usage: writer-process.ts <cacheDir> <writerIndex> <seconds>
 */
import { DataStorage } from '../../src/index.js';
import { artistJson } from './fill.js';

const [cacheDir, writerText, secondsText] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
const image = Buffer.alloc(200_000, Number(writerText));
const until = performance.now() + Number(secondsText) * 1000;
let stored = 0;
while (performance.now() < until) {
  const url = `https://writer-${writerText}.example/${stored % 5000}`;
  const value = stored % 10 === 0 ? image : artistJson(stored);
  await storage.store({ url, identifier: `writer ${writerText}`, dataType: 'api', provider: 'bench', value, ttlSeconds: 3600 });
  stored++;
}
await storage.close();
console.log(JSON.stringify({ stored }));
