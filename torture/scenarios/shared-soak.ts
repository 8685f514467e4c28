import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { startScenarioChild, type ScenarioChild } from '../children.js';
import { integrityOf } from '../checks.js';
import { emptyReport, type Scenario } from '../scenario.js';
import { soakContent } from './soak-content.js';

interface AppCounts {
  operations: number;
  checked: number;
  wrong: number;
  callerErrors: number;
  errors: string[];
  queued: string[];
}

const CHILD = new URL('./shared-soak-child.ts', import.meta.url);

/**
 * A station of three machines on one shared tier for 60 s (15 s in the short version): on each,
 * an app process (live hits and misses on a common URL set, every answer checked byte for
 * byte, and background queueing) and a worker process, SIGKILLed and restarted every few
 * seconds; PostgreSQL itself stopped and started again twice during the run. Afterwards every
 * queued URL must be cached somewhere (nothing lost), no answer may have been wrong, no error
 * may have reached a caller, and each machine's database must be sound.
 */
export const sharedSoak: Scenario = {
  name: 'shared-soak',
  description: '3 machines on a shared tier: workers killed, PostgreSQL restarted twice; lost jobs, wrong data, caller errors',
  async run({ quick, directory }) {
    const report = emptyReport();
    const seconds = quick ? 15 : 60;
    let server: PostgresServer;
    try {
      server = await startPostgres();
    } catch (error) {
      report.notes.push(`info: skipped: no PostgreSQL server could be started here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
      return report;
    }
    const origin = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      setTimeout(() => response.writeHead(200, { 'content-type': path.startsWith('/image/') ? 'image/png' : 'application/json' }).end(soakContent(path)), 5 + Math.random() * 20);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const machines = await Promise.all(['a', 'b', 'c'].map(async (name) => {
      const cacheDir = join(directory, `machine-${name}`);
      await mkdir(cacheDir, { recursive: true });
      return { name, cacheDir };
    }));
    try {
      const apps = machines.map((machine) => startScenarioChild(CHILD, ['app', machine.cacheDir, server.url, base, String(seconds), machine.name]));
      const workers = new Map<string, ScenarioChild>(machines.map((machine) => [machine.name, startScenarioChild(CHILD, ['worker', machine.cacheDir, server.url, String(seconds)])]));
      await Promise.all([...apps, ...workers.values()].map((child) => child.printed('ready')));
      const startedAt = Date.now();
      const restarts = [seconds / 3, (2 * seconds) / 3].map((at) => startedAt + at * 1000);
      while (Date.now() < startedAt + seconds * 1000 - 2000) {
        await sleep(quick ? 2500 : 4000);
        // A worker dies mid-job, as a machine's process can; a supervisor starts another.
        const victim = machines[Math.floor(Math.random() * machines.length)]!;
        await workers.get(victim.name)!.kill();
        report.kills++;
        report.faultsInjected++;
        const left = Math.max(1, Math.round((startedAt + seconds * 1000 - Date.now()) / 1000));
        workers.set(victim.name, startScenarioChild(CHILD, ['worker', victim.cacheDir, server.url, String(left)]));
        if (restarts.length > 0 && Date.now() >= restarts[0]!) {
          restarts.shift();
          await server.stop('fast');
          report.faultsInjected++;
          await sleep(3000);
          await server.start();
        }
      }
      await Promise.all(apps.map((child) => child.exited));
      const results = apps.map((child) => JSON.parse(child.output().trim().split('\n').at(-1) ?? '{}') as AppCounts);
      await Promise.all([...workers.values()].map((child) => child.exited));
      report.cases = machines.length;
      report.operations = results.reduce((sum, counts) => sum + counts.operations, 0);
      report.dataChecked = results.reduce((sum, counts) => sum + counts.checked, 0);
      report.corrupt = results.reduce((sum, counts) => sum + counts.wrong, 0);
      report.callerErrors = results.reduce((sum, counts) => sum + counts.callerErrors, 0);
      for (const counts of results) for (const error of counts.errors) report.notes.push(`caller error: ${error}`);

      // Whatever is still queued is drained now, on every machine (the shared queue and each
      // machine's own), and what each stored while the tier was away is written back.
      const queued = results.flatMap((counts) => counts.queued);
      for (const machine of machines) {
        const storage = await DataStorage.open({ cacheDir: machine.cacheDir, shared: server.url, maintenanceIntervalSeconds: 0 });
        const client = new DataCacheClient({ storage, providers: { soak: { ratePerSecond: Infinity }, cdn: { ratePerSecond: Infinity } } });
        const worker = client.startWorker({ concurrency: 4 });
        const deadline = Date.now() + 90_000;
        while (Date.now() < deadline) {
          const open = (await client.queue.counts()).filter((row) => row.state === 'pending' || row.state === 'running');
          const waitingWriteBacks = storage.sharedConnection().database.prepare('SELECT count(*) FROM shared_write_backs').pluck().get() as number;
          if (open.length === 0 && waitingWriteBacks === 0) break;
          await sleep(250);
        }
        await worker.stop();
        await client.close();
        await storage.close();
        const integrity = integrityOf(machine.cacheDir);
        if (integrity !== 'ok') {
          report.corrupt++;
          report.notes.push(`machine ${machine.name}: integrity_check: ${integrity}`);
        }
      }
      // Every queued URL: on the machine that queued it (its own tier or the shared one), and, through the shared tier, on another.
      let lost = 0;
      let notShared = 0;
      const readers = await Promise.all(machines.map((machine) => DataStorage.open({ cacheDir: machine.cacheDir, shared: server.url, maintenanceIntervalSeconds: 0 })));
      try {
        for (const url of queued) {
          const owner = machines.findIndex((machine) => new URL(url).pathname.startsWith(`/image/${machine.name}-`));
          const other = (owner + 1) % machines.length;
          const mine = await readers[owner]!.retrieveByUrl(url);
          const theirs = await readers[other]!.retrieveByUrl(url);
          report.dataChecked += (mine === null ? 0 : 1) + (theirs === null ? 0 : 1);
          if (mine === null) lost++;
          if (theirs === null) notShared++;
          for (const entry of [mine, theirs]) if (entry !== null && !entry.data.equals(soakContent(new URL(url).pathname))) report.corrupt++;
          if (mine === null && lost <= 5) report.notes.push(`lost: ${url}`);
        }
      } finally {
        await Promise.all(readers.map((reader) => reader.close()));
      }
      if (notShared > 0) {
        report.lost += notShared;
        report.notes.push(`${notShared} of ${queued.length} queued URLs cached where they were queued but not reaching another machine`);
      }
      report.lost += lost;
      if (lost > 0) report.notes.push(`${lost} of ${queued.length} queued URLs cached nowhere after the final drain`);
      report.notes.push(`info: 3 machines × ${seconds} s, ${report.operations} operations, ${queued.length} URLs queued, ${report.kills} worker kills, PostgreSQL stopped and started twice`);
    } finally {
      await new Promise<void>((resolve) => origin.close(() => { resolve(); }));
      await server.destroy();
    }
    return report;
  },
};
