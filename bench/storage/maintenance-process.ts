/**
 * Child process: runs maintenance on a cache over and over (every 200 ms) until killed, as a
 * second app process with its own maintenance would. Prints "ready" once the cache is open.
 * Usage: maintenance-process.ts <cacheDir>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStorage } from '../../src/index.js';

const storage = await DataStorage.open({ cacheDir: process.argv[2]!, maintenanceIntervalSeconds: 0 });
console.log('ready');
for (;;) {
  await storage.runMaintenance();
  await sleep(200);
}
