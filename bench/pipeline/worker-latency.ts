import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage, RequestQueue } from '../../src/index.js';
import { DatabaseChangeWatcher } from '../../src/backends/sqlite/change-watcher.js';
import { QueueWorker } from '../../src/queue/queue-worker.js';
import { runChild, startChild } from '../child.js';
import { summarizeMilliseconds, watchEventLoop, type Benchmark, type Figure } from '../harness.js';
import { apiUrl, fillWithApiAnswers } from '../storage/fill.js';

/**
 * How soon a worker starts a queued job (queued in its own process: the baseline; queued by
 * another process: found through the change watcher), and how the worker's event loop fares
 * while it drains 1,000 image downloads from a local origin (another process).
 */
export const workerLatency: Benchmark = {
  name: 'worker',
  description: 'enqueue-to-start latency (same / other process); the event loop while a worker drains 1,000 image fetches, alone and with live hits and maintenance in another process',
  async run({ quick, scratchDirectory }) {
    const figures: Figure[] = [];
    const storage = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0 });
    const connection = storage.sharedConnection();
    const watcher = new DatabaseChangeWatcher(connection);
    const queue = new RequestQueue(connection, { onEnqueued: () => { watcher.notify(); } });
    const delays: number[] = [];
    const worker = new QueueWorker(queue, watcher, (job) => {
      delays.push(Date.now() - (job.request.enqueuedAt as number));
      return Promise.resolve({ outcome: 'done' as const });
    });
    worker.start();
    const jobs = quick ? 10 : 200;
    for (let index = 0; index < jobs; index++) {
      await queue.enqueue({ url: `https://same-process.example/${index}`, provider: 'cdn', request: { enqueuedAt: Date.now() } });
      await sleep(20);
    }
    const sameProcess = summarizeMilliseconds(delays.splice(0));
    await runChild(new URL('./enqueuer.ts', import.meta.url), [scratchDirectory, String(jobs), '20']);
    await sleep(300);
    const otherProcess = summarizeMilliseconds(delays.splice(0));
    await worker.stop();
    figures.push({ name: 'baseline: enqueue to start, same process', unit: 'ms', value: sameProcess.p50, latency: sameProcess });
    figures.push({ name: 'enqueue to start, another process', unit: 'ms', value: otherProcess.p50, latency: otherProcess, target: 'p99 ≤ 100 ms' });

    const downloads = quick ? 200 : 1000;
    const server = await startChild(new URL('./image-server.ts', import.meta.url), []);
    const client = new DataCacheClient({ storage, providers: { cdn: { ratePerSecond: Infinity } } });
    try {
      for (let index = 0; index < downloads; index++) {
        await client.getOrFetch({ url: `http://127.0.0.1:${server.firstLine}/fanart/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'cdn', immediate: false });
      }
      const idle = await watchEventLoop(() => sleep(1000));
      const started = performance.now();
      const draining = await watchEventLoop(async () => {
        const handle = client.startWorker({ concurrency: 3 });
        // Watched through the worker's own counts: polling the queue would add to what is measured.
        while (handle.counts.completed + handle.counts.failed < downloads) await sleep(50);
        await handle.stop();
        return handle.counts.completed;
      });
      const seconds = (performance.now() - started) / 1000;
      figures.push({ name: 'baseline: event-loop p99, idle', unit: 'ms', value: idle.p99Ms });
      figures.push({ name: `event-loop p99 while draining ${downloads} image fetches`, unit: 'ms', value: draining.p99Ms, target: 'p99 ≤ 5 ms' });
      figures.push({ name: '  event-loop max while draining', unit: 'ms', value: draining.maxMs });
      figures.push({ name: '  image fetches stored per second', unit: 'ops/s', value: draining.result / seconds });

      // The mixed load: live hits in this process while its worker drains another batch of
      // downloads and another process runs maintenance on the same cache over and over.
      await fillWithApiAnswers(storage, 2000);
      for (let index = 0; index < downloads; index++) {
        await client.getOrFetch({ url: `http://127.0.0.1:${server.firstLine}/mixed/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'cdn', immediate: false });
      }
      const maintenance = await startChild(new URL('../storage/maintenance-process.ts', import.meta.url), [scratchDirectory]);
      let hits = 0;
      try {
        const mixed = await watchEventLoop(async () => {
          const handle = client.startWorker({ concurrency: 3 });
          let stop = false;
          const live = (async () => {
            for (let round = 0; !stop; round++) {
              for (let burst = 0; burst < 20; burst++) {
                if ((await storage.retrieveByUrl(apiUrl((round * 20 + burst) % 2000))) !== null) hits++;
              }
              await sleep(5);
            }
          })();
          while (handle.counts.completed + handle.counts.failed < downloads) await sleep(50);
          stop = true;
          await live;
          await handle.stop();
        });
        figures.push({ name: `event-loop p99, live hits + worker draining ${downloads} + maintenance in another process`, unit: 'ms', value: mixed.p99Ms, target: 'p99 ≤ 5 ms' });
        figures.push({ name: '  event-loop max under that mixed load', unit: 'ms', value: mixed.maxMs, target: 'max ≤ 20 ms' });
        figures.push({ name: '  live hits served meanwhile', unit: 'count', value: hits });
      } finally {
        maintenance.stop();
      }
    } finally {
      await client.close();
      server.stop();
      await storage.close();
    }
    return figures;
  },
};
