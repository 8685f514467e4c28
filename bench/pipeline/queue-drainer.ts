/**
 * Child process for the queue benchmark: from `startAt`, claims 50 jobs at a time and completes
 * them in one transaction until none is left; prints the ids it completed and when it finished.
 * Usage: queue-drainer.ts <cacheDir> <startAt>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStorage, RequestQueue } from '../../src/index.js';

const [cacheDir, startAt] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
const queue = new RequestQueue(storage.sharedConnection());
const owner = `drainer-${process.pid}`;
await sleep(Math.max(0, Number(startAt) - Date.now()));
const completed: number[] = [];
for (;;) {
  const jobs = await queue.claim(owner, 50);
  if (jobs.length === 0) break;
  if ((await queue.completeAll(jobs, owner)) === jobs.length) completed.push(...jobs.map((job) => job.id));
}
const finishedAt = Date.now();
await storage.close();
console.log(JSON.stringify({ completed, finishedAt }));
