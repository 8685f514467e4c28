/**
 * Child process for the shared soak: one process of one machine of a station sharing a tier.
 *   shared-soak-child.ts app <cacheDir> <shared> <origin> <seconds> <name>
 *     live hits and misses on a common URL set (every answer checked byte for byte) and
 *     background queueing of URLs of its own; prints its counts and the URLs it queued.
 *   shared-soak-child.ts worker <cacheDir> <shared> <seconds>
 *     a worker on the machine until the time is up (or it is killed); prints its counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { soakContent } from './soak-content.js';

const [role, cacheDir, shared, ...rest] = process.argv.slice(2);
const storage = await DataStorage.open({ cacheDir: cacheDir!, shared: shared!, maintenanceIntervalSeconds: 0 });
const client = new DataCacheClient({ storage, providers: { soak: { ratePerSecond: Infinity }, cdn: { ratePerSecond: Infinity } }, leaseMs: 4000 });

if (role === 'worker') {
  const worker = client.startWorker({ concurrency: 3 });
  console.log('ready');
  await sleep(Number(rest[0]) * 1000);
  await worker.stop();
  console.log(JSON.stringify(worker.counts));
} else {
  const [origin, seconds, name] = rest;
  const counts = { operations: 0, checked: 0, wrong: 0, callerErrors: 0, errors: [] as string[], queued: [] as string[] };
  const stopAt = Date.now() + Number(seconds) * 1000;
  console.log('ready');
  for (let round = 0; Date.now() < stopAt; round++) {
    counts.operations++;
    const queueing = round % 4 === 3;
    const path = queueing ? `/image/${name}-${round}.png` : Math.random() < 0.5 ? `/image/common-${Math.floor(Math.random() * 60)}.png` : `/json/common-${Math.floor(Math.random() * 60)}`;
    const url = `${origin}${path}`;
    try {
      const entry = await client.getOrFetch({ url, identifier: 'soak', dataType: path.startsWith('/image/') ? 'fanart' : 'api', provider: path.startsWith('/image/') ? 'cdn' : 'soak', immediate: !queueing, timeoutMs: 10_000 });
      if (queueing) counts.queued.push(url);
      else if (entry !== null) {
        counts.checked++;
        if (!entry.data.equals(soakContent(path))) counts.wrong++;
      }
    } catch (error) {
      counts.callerErrors++;
      if (counts.errors.length < 10) counts.errors.push(`${path}: ${String(error)}`);
    }
    await sleep(15);
  }
  console.log(JSON.stringify(counts));
}
await client.close();
await storage.close();
