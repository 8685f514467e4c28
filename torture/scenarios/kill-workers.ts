import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { noisyPng } from '../../support/png.js';
import { startScenarioChild, type ScenarioChild } from '../children.js';
import { emptyReport, type Scenario } from '../scenario.js';

/**
 * Worker processes draining one queue are killed with SIGKILL in the middle of their jobs, again
 * and again, while others keep working. In the end every queued job is done and its image
 * stored exactly as the origin served it, none stays claimed past its lease, and the origin's
 * count shows how many fetches the kills cost (a job killed mid-fetch is fetched again).
 */
export const killWorkers: Scenario = {
  name: 'kill-workers',
  description: 'SIGKILL queue workers mid-job repeatedly: every job done once in the end, none stuck past its lease',
  async run({ quick, directory }) {
    const report = emptyReport();
    const jobs = quick ? 150 : 1000;
    const image = noisyPng(64, 64);
    const requests = new Map<string, number>();
    const origin = createServer((request, response) => {
      const path = request.url ?? '/';
      requests.set(path, (requests.get(path) ?? 0) + 1);
      // Slow enough that kills land in the middle of jobs.
      setTimeout(() => response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length }).end(image), 10 + Math.random() * 40);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = (origin.address() as AddressInfo).port;
    const cacheDir = join(directory, 'cache');
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    const leaseMs = 2000;
    const client = new DataCacheClient({ storage, leaseMs, providers: { cdn: { ratePerSecond: Infinity } } });
    const urls = Array.from({ length: jobs }, (_, index) => `http://127.0.0.1:${port}/image/${index}.png`);
    for (const url of urls) await client.getOrFetch({ url, identifier: 'torture', dataType: 'fanart', provider: 'cdn', immediate: false });
    report.operations += jobs;

    const workers = new Set<ScenarioChild>();
    // When each live worker became ready: on a loaded machine a replacement may take seconds to start.
    const readySince = new Map<ScenarioChild, number>();
    const start = (): void => {
      const child = startScenarioChild(new URL('./kill-workers-child.ts', import.meta.url), [cacheDir]);
      workers.add(child);
      void child.printed('ready').then(() => readySince.set(child, Date.now()), () => undefined);
      void child.exited.then(() => {
        workers.delete(child);
        readySince.delete(child);
      });
    };
    for (let index = 0; index < 3; index++) start();
    const deadline = Date.now() + (quick ? 60_000 : 300_000);
    // A job a killed worker held must be taken over once its lease runs out: one still claimed
    // a whole lease after that, while some worker was ready all along, is stuck.
    let longestOverdueMs = 0;
    try {
      for (;;) {
        const oldestReady = Math.min(...readySince.values());
        for (const job of await client.queue.list({ state: 'running', limit: 1000 })) {
          const leaseEnd = job.leaseUntil ?? Date.now();
          if (oldestReady <= leaseEnd) longestOverdueMs = Math.max(longestOverdueMs, Date.now() - leaseEnd);
        }
        const counts = await client.queue.counts();
        const open = counts.filter((row) => row.state === 'pending' || row.state === 'running').reduce((sum, row) => sum + row.jobs, 0);
        if (open === 0 || Date.now() > deadline) break;
        await sleep(150 + Math.random() * 350);
        const victims = [...workers];
        const victim = victims[Math.floor(Math.random() * victims.length)];
        if (victim !== undefined && Math.random() < 0.7) {
          void victim.kill();
          report.kills += 1;
          report.faultsInjected += 1;
          start();
        }
      }
    } finally {
      await Promise.all([...workers].map((worker) => worker.kill()));
    }
    const counts = await client.queue.counts();
    const left = counts.filter((row) => row.state !== 'done').reduce((sum, row) => sum + row.jobs, 0);
    report.lost += left;
    if (left > 0) report.notes.push(`${left} jobs not done at the end: ${JSON.stringify(counts.filter((row) => row.state !== 'done'))}`);
    for (const url of urls) {
      const entry = await storage.retrieveByUrl(url);
      report.cases += 1;
      report.operations += 1;
      if (entry === null) {
        report.lost += 1;
        continue;
      }
      report.dataChecked += 1;
      if (!entry.data.equals(image)) report.corrupt += 1;
    }
    if (longestOverdueMs > leaseMs) {
      report.lost += 1;
      report.notes.push(`a job stayed claimed ${String(longestOverdueMs)} ms after its lease ran out (a lease is ${String(leaseMs)} ms)`);
    }
    const fetched = [...requests.values()].reduce((sum, count) => sum + count, 0);
    report.notes.push(
      `info: ${jobs} jobs, ${report.kills} kills, ${fetched} fetches at the origin (${fetched - jobs} repeated after kills), ` +
        `${urls.filter((url) => !requests.has(new URL(url).pathname)).length} never fetched; with a worker ready, a job stayed claimed at most ${String(Math.max(0, longestOverdueMs))} ms after its lease ran out`,
    );
    await client.close();
    await storage.close();
    await new Promise<void>((resolve) => origin.close(() => { resolve(); }));
    return report;
  },
};
