import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataStorage } from '../../src/index.js';
import { runChild } from '../child.js';
import { summarize, watchEventLoop, type Benchmark, type Figure } from '../harness.js';
import { apiUrl, artistJson, fillWithApiAnswers } from './fill.js';

/**
 * How long this process's event loop can stall while four other processes write to the same
 * cache at full speed. This process behaves like an app's live process: it answers hits
 * continuously and stores something every 20 ms (which must wait for the writers' locks). The
 * same loop with no writers is the baseline.
 */
export const eventLoopUnderWriters: Benchmark = {
  name: 'storage-event-loop',
  description: 'event-loop delay of a reading process while 4 other processes write at full speed',
  async run({ quick, scratchDirectory }) {
    const seconds = quick ? 2 : 8;
    const storage = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0 });
    await fillWithApiAnswers(storage, 2000);

    const idle = await watchEventLoop(() => readAndStore(storage, seconds / 2));
    const writers = Array.from({ length: 4 }, (_, writer) =>
      runChild(new URL('./writer-process.ts', import.meta.url), [scratchDirectory, String(writer), String(seconds)]).then((output) => (JSON.parse(output) as { stored: number }).stored),
    );
    const control = runChild(new URL('./control-process.ts', import.meta.url), [String(seconds)]).then((output) => JSON.parse(output) as { p99Ms: number; maxMs: number });
    const busy = await watchEventLoop(() => readAndStore(storage, seconds));
    const stored = await Promise.all(writers);
    const machine = await control;
    await storage.close();

    const figures: Figure[] = [
      { name: 'baseline: event-loop max, no writers', unit: 'ms', value: idle.maxMs },
      { name: 'control: p99 of a process doing no datacache work, same 4 writers', unit: 'ms', value: machine.p99Ms },
      { name: 'control: max of that process', unit: 'ms', value: machine.maxMs },
      { name: 'event-loop p99, 4 writer processes', unit: 'ms', value: busy.p99Ms, ratio: { to: 'control', value: busy.p99Ms / machine.p99Ms } },
      { name: 'event-loop max, 4 writer processes', unit: 'ms', value: busy.maxMs, target: 'max < 20 ms', ratio: { to: 'control', value: busy.maxMs / machine.maxMs } },
      { name: 'hit under load', unit: 'µs', value: busy.result.reads.p50, latency: busy.result.reads },
      { name: 'store under load (waits for locks)', unit: 'µs', value: busy.result.stores.p50, latency: busy.result.stores },
      { name: 'writes by the 4 writers', unit: 'ops/s', value: stored.reduce((sum, count) => sum + count, 0) / seconds },
    ];
    return figures;
  },
};

/** Hits in bursts of 20 with a turn of the event loop between; a store every 20 ms, concurrently. */
async function readAndStore(storage: DataStorage, seconds: number): Promise<{ reads: ReturnType<typeof summarize>; stores: ReturnType<typeof summarize> }> {
  const readSamples: bigint[] = [];
  const storeSamples: bigint[] = [];
  const until = performance.now() + seconds * 1000;
  const storing = (async () => {
    for (let store = 0; performance.now() < until; store++) {
      const started = process.hrtime.bigint();
      await storage.store({ url: `https://reader.example/${store % 500}`, identifier: 'reader', dataType: 'api', provider: 'bench', value: artistJson(store), ttlSeconds: 3600 });
      storeSamples.push(process.hrtime.bigint() - started);
      await sleep(20);
    }
  })();
  for (let burst = 0; performance.now() < until; burst++) {
    for (let read = 0; read < 20; read++) {
      const started = process.hrtime.bigint();
      await storage.retrieveByUrl(apiUrl((burst * 20 + read) % 2000));
      readSamples.push(process.hrtime.bigint() - started);
    }
    await yieldToEventLoop();
  }
  await storing;
  return { reads: summarize(readSamples), stores: summarize(storeSamples) };
}
