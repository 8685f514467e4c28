import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { runChild } from '../../bench/child.js';
import { integrityOf } from '../checks.js';
import { emptyReport, type Scenario } from '../scenario.js';
import { soakContent } from './soak-content.js';

interface ChildCounts {
  operations: number;
  checked: number;
  wrong: number;
  callerErrors: number;
  errors: string[];
  rssStart: number;
  rssEnd: number;
  memory: { second: number; rss: number; liveHeap: number }[];
}

/**
 * Eight processes of a DJ's app for 60 s (12 s in the short version) on one cache with a
 * budget small enough to force eviction: live hits and misses against a local origin,
 * background queueing drained by each process's own worker, random images, maintenance every
 * 2 s. Counted: errors that reached a caller, answers that were not byte for byte what the
 * origin serves for their URL, queued jobs never done, the database's integrity, and how
 * memory and the database file grew.
 */
export const soak: Scenario = {
  name: 'soak',
  description: '8 processes, realistic mix, small budget: caller errors, wrong data, lost jobs, memory and size',
  async run({ quick, directory }) {
    const report = emptyReport();
    const seconds = quick ? 6 : 60;
    const processes = 8;
    const budget = 2 * 1024 * 1024;
    const origin = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      const body = soakContent(path);
      setTimeout(() => response.writeHead(200, { 'content-type': path.startsWith('/image/') ? 'image/png' : 'application/json' }).end(body), 2 + Math.random() * 10);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const cacheDir = join(directory, 'cache');
    await (await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })).close();
    const databasePath = join(cacheDir, 'datacache.sqlite');
    const sizes: number[] = [];
    const sampler = setInterval(() => {
      void stat(databasePath).then((info) => sizes.push(info.size), () => undefined);
    }, 1000);
    let results: ChildCounts[];
    try {
      const lines = await Promise.all(Array.from({ length: processes }, (_, index) => runChild(new URL('./soak-child.ts', import.meta.url), [cacheDir, base, String(seconds), String(budget), String(index)])));
      results = lines.map((line) => JSON.parse(line) as ChildCounts);
    } finally {
      clearInterval(sampler);
    }
    // What was still queued when the processes stopped is drained now: no job may be lost.
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, maxSizeBytes: budget });
    const client = new DataCacheClient({ storage, providers: { soak: { ratePerSecond: Infinity }, cdn: { ratePerSecond: Infinity } } });
    for (let round = 0; round < 20; round++) {
      const drained = await client.processQueue();
      if (drained.processed === 0) break;
      await sleep(100);
    }
    const counts = await client.queue.counts();
    const open = counts.filter((row) => row.state !== 'done').reduce((sum, row) => sum + row.jobs, 0);
    const totals = await storage.stats();
    await client.close();
    await storage.close();
    await new Promise<void>((resolve) => origin.close(() => { resolve(); }));
    const integrity = integrityOf(cacheDir);

    report.cases = processes;
    report.operations = results.reduce((sum, child) => sum + child.operations, 0);
    report.callerErrors = results.reduce((sum, child) => sum + child.callerErrors, 0);
    report.dataChecked = results.reduce((sum, child) => sum + child.checked, 0);
    report.corrupt = results.reduce((sum, child) => sum + child.wrong, 0) + (integrity === 'ok' ? 0 : 1);
    report.lost = open;
    for (const child of results) for (const error of child.errors) report.notes.push(`caller error: ${error}`);
    if (integrity !== 'ok') report.notes.push(`integrity_check: ${integrity}`);
    if (open > 0) report.notes.push(`${open} queued jobs not done after the final drain: ${JSON.stringify(counts.filter((row) => row.state !== 'done'))}`);
    const firstHalf = sizes.slice(0, Math.floor(sizes.length / 2));
    const secondHalf = sizes.slice(Math.floor(sizes.length / 2));
    report.notes.push(
      `info: ${processes} processes × ${seconds} s, ${report.operations} operations; ${memoryTrend(results)}; ` +
        `database file ${range(firstHalf)} MB over the first half, ${range(secondHalf)} MB over the second; cache ${(totals.bytes / 1024).toFixed(0)} KB of a ${budget / 1024} KB budget at the end`,
    );
    if (totals.bytes > budget) {
      report.corrupt += 1;
      report.notes.push(`the cache ended over its budget: ${totals.bytes} bytes`);
    }
    return report;
  },
};

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function range(values: number[]): string {
  return `${megabytes(Math.min(...values))}-${megabytes(Math.max(...values))}`;
}

/**
 * Memory told apart from warm-up: the live heap (after a full collection) and the resident set
 * at the start, at half time and at the end of each process. A leak keeps growing through the
 * second half; warm-up (V8 compiling, caches and pools filling) does not.
 */
function memoryTrend(results: ChildCounts[]): string {
  const at = (child: ChildCounts, fraction: number) => {
    const target = (child.memory.at(-1)?.second ?? 0) * fraction;
    return child.memory.reduce((best, sample) => (Math.abs(sample.second - target) < Math.abs(best.second - target) ? sample : best));
  };
  const heap = (fraction: number) => results.map((child) => at(child, fraction).liveHeap);
  const rss = (fraction: number) => results.map((child) => at(child, fraction).rss);
  const secondHalfHeap = results.map((child) => at(child, 1).liveHeap - at(child, 0.5).liveHeap);
  const secondHalfRss = results.map((child) => at(child, 1).rss - at(child, 0.5).rss);
  return (
    `live heap per process ${range(heap(0))} MB at the start, ${range(heap(0.5))} at half time, ${range(heap(1))} at the end ` +
    `(second half ${range(secondHalfHeap)}); RSS ${range(rss(0))} → ${range(rss(0.5))} → ${range(rss(1))} MB (second half ${range(secondHalfRss)})`
  );
}
