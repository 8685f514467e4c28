/**
 * Child process for the wake-up benchmark: queues `count` jobs, one every `gapMs`, each
 * carrying the moment it was queued. Usage: enqueuer.ts <cacheDir> <count> <gapMs>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStorage, RequestQueue } from '../../src/index.js';

const [cacheDir, count, gapMs] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
const queue = new RequestQueue(storage.sharedConnection());
for (let index = 0; index < Number(count); index++) {
  await queue.enqueue({ url: `https://other-process.example/${index}`, provider: 'cdn', request: { enqueuedAt: Date.now() } });
  await sleep(Number(gapMs));
}
await storage.close();
console.log('done');
