import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { startChild } from '../child.js';
import { summarizeMilliseconds, watchEventLoop, type Benchmark, type Figure } from '../harness.js';

/**
 * The event loop of a process that fetches and stores large bodies from a local origin (another
 * process): a 25 MB image with and without a Content-Length, and a 1 MiB JSON answer (the
 * default cap for JSON), against the same loop idle. Issue 13 measured a 25 MB image stalling
 * the loop 0.2-1.1 s on a busy machine (20-46 ms here, quiet): whole-body copies, a second hash
 * through WebCrypto's input copy, image-size reading the whole body.
 */
export const largeBodies: Benchmark = {
  name: 'large-bodies',
  description: 'the event loop while a 25 MB image (with and without Content-Length) and 1 MiB JSON answers are fetched, checked and stored',
  async run({ quick, scratchDirectory }) {
    const rounds = quick ? 2 : 6;
    const figures: Figure[] = [];
    const server = await startChild(new URL('./large-body-server.ts', import.meta.url), []);
    const storage = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0 });
    const client = new DataCacheClient({ storage, providers: { cdn: { ratePerSecond: Infinity } } });
    const origin = `http://127.0.0.1:${server.firstLine}`;
    try {
      const idle = await watchEventLoop(() => sleep(1000));
      figures.push({ name: 'baseline: event-loop max, idle 1 s', unit: 'ms', value: idle.maxMs });
      for (const [label, path, dataType, expect] of [
        ['25 MB image, Content-Length', 'image.jpg', 'fanart', 'image'],
        ['25 MB image, chunked', 'chunked.jpg', 'fanart', 'image'],
        ['1 MiB JSON answer (the default cap)', 'answer.json', 'api', 'json'],
      ] as const) {
        const stalls: number[] = [];
        const durations: number[] = [];
        for (let round = 0; round < rounds; round++) {
          const started = performance.now();
          const watched = await watchEventLoop(() => client.getOrFetch({ url: `${origin}/${path}?round=${round}`, identifier: 'bench', dataType, provider: 'cdn', expect }));
          durations.push(performance.now() - started);
          stalls.push(watched.maxMs);
        }
        const stall = summarizeMilliseconds(stalls);
        figures.push({ name: `event-loop max during a fetch + store, ${label} (median of ${rounds})`, unit: 'ms', value: stall.p50, latency: stall, ratio: { to: 'idle', value: stall.p50 / Math.max(idle.maxMs, 0.001) }, target: 'a few ms' });
        const duration = summarizeMilliseconds(durations);
        figures.push({ name: `  fetch + store, ${label}`, unit: 'ms', value: duration.p50, latency: duration });
      }
    } finally {
      await client.close();
      await storage.close();
      server.stop();
    }
    return figures;
  },
};
