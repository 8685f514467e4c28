/**
 * Child process for the soak: one process of a DJ's app for `seconds`: live hits on a hot set,
 * live misses, background queueing of images its own worker downloads, random images, with
 * maintenance every 2 s under a small byte budget. Every answer is checked byte for byte.
 * Prints one JSON line with its counts. Usage: soak-child.ts <cacheDir> <origin> <seconds> <budget> <index>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { soakContent } from './soak-content.js';

const [cacheDir, origin, secondsText, budgetText, indexText] = process.argv.slice(2);
const index = Number(indexText);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maxSizeBytes: Number(budgetText), maintenanceIntervalSeconds: 2, orphanGraceSeconds: 5 });
// Time compressed like the budget: done jobs kept 10 s and removed every 5 s (1 h and every minute by default).
const client = new DataCacheClient({ storage, providers: { soak: { ratePerSecond: Infinity }, cdn: { ratePerSecond: Infinity } }, jobRetention: { doneMs: 10_000 } });
const removeFinished = setInterval(() => {
  client.queue.removeFinished().catch((error: unknown) => {
    counts.callerErrors++;
    counts.errors.push(`removing finished jobs: ${String(error)}`);
  });
}, 5000);
const worker = client.startWorker({ concurrency: 2 });
const counts = {
  operations: 0, hits: 0, fetched: 0, queued: 0, randomImages: 0, checked: 0, wrong: 0, callerErrors: 0, errors: [] as string[], rssStart: 0, rssEnd: 0,
  /** Every 5 s: seconds since the start, resident set and the live heap after a full collection, in bytes. */
  memory: [] as { second: number; rss: number; liveHeap: number }[],
};
// A full collection before each sample, so the samples show what stays alive rather than when V8 last collected.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const stopAt = Date.now() + Number(secondsText) * 1000;
const check = (url: string, data: Buffer | undefined): void => {
  if (data === undefined) return;
  counts.checked++;
  if (!data.equals(soakContent(new URL(url).pathname))) counts.wrong++;
};
await sleep(200);
counts.rssStart = process.memoryUsage().rss;
const startedAt = Date.now();
const sampleMemory = (): void => {
  collectGarbage();
  const usage = process.memoryUsage();
  counts.memory.push({ second: Math.round((Date.now() - startedAt) / 1000), rss: usage.rss, liveHeap: usage.heapUsed });
};
sampleMemory();
const sampler = setInterval(sampleMemory, 5000);
for (let step = 0; Date.now() < stopAt; step++) {
  counts.operations++;
  const kind = step % 10;
  try {
    if (kind < 5) {
      // The hot set every process shares: mostly hits once warm.
      const url = `${origin}/json/hot/${step % 40}`;
      const entry = await client.getOrFetch({ url, identifier: `artist ${step % 40}`, dataType: 'api', provider: 'soak', expect: 'json' });
      check(url, entry?.data);
      counts.hits++;
    } else if (kind < 7) {
      const url = `${origin}/json/process-${index}/${step}`;
      const entry = await client.getOrFetch({ url, identifier: 'misses', dataType: 'api', provider: 'soak', expect: 'json' });
      check(url, entry?.data);
      counts.fetched++;
    } else if (kind < 9) {
      const artist = step % 12;
      const url = `${origin}/image/${artist}/${(step * 7 + index) % 60}.png`;
      await client.getOrFetch({ url, identifier: `artist ${artist}`, dataType: 'fanart', provider: 'cdn', immediate: false });
      counts.queued++;
    } else {
      const image = await storage.retrieveRandom({ identifier: `artist ${step % 12}`, dataType: 'fanart' });
      if (image !== null) {
        check(image.url, image.data);
        counts.randomImages++;
      }
    }
  } catch (error) {
    counts.callerErrors++;
    if (counts.errors.length < 5) counts.errors.push(String(error));
  }
  if (step % 20 === 0) await sleep(1);
}
clearInterval(sampler);
clearInterval(removeFinished);
sampleMemory();
counts.rssEnd = process.memoryUsage().rss;
await worker.stop();
await client.close();
await storage.close();
console.log(JSON.stringify(counts));
