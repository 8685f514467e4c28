import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseCorruptError, DataCacheClient, DataStorage, StorageWriteError } from '../../src/index.js';
import { watchEventLoop } from '../../bench/harness.js';
import { cacheFilesToFreeze, fileSystemFaultsUnavailable, mountTmpfs, setImmutable, unmount } from '../../support/file-system-faults.js';
import { integrityOf } from '../checks.js';
import { startScenarioChild } from '../children.js';
import { emptyReport, type Scenario, type TortureReport } from '../scenario.js';

/**
 * The database misbehaving under a live client: another process holding the write lock for
 * seconds, a full disk (a real tmpfs), a read-only directory (immutable files), the cache
 * directory deleted while open, a corrupt database file. Each time callers must keep getting
 * answers (fetched uncached where the cache cannot take them), the event loop must keep moving,
 * the report must be clear, and the cache must work again once the fault is gone. The full disk
 * and the read-only directory need root; elsewhere they are skipped, and the report says so.
 */
export const databaseFaults: Scenario = {
  name: 'database-faults',
  description: 'a write lock held for seconds, a full disk, a read-only directory, the directory deleted, a corrupt file: answers go on, then recovery',
  async run({ directory }) {
    const report = emptyReport();
    const origin = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    try {
      await lockHeld(join(directory, 'locked'), base, report);
      const unavailable = fileSystemFaultsUnavailable();
      if (unavailable === undefined) {
        await diskFull(join(directory, 'full'), base, report);
        await readOnly(join(directory, 'read-only'), base, report);
      } else {
        report.notes.push(`info: full disk and read-only directory skipped, they need root: ${unavailable}`);
      }
      await directoryDeleted(join(directory, 'deleted'), base, report);
      await corruptFile(join(directory, 'corrupt'), report);
    } finally {
      await new Promise<void>((resolve) => origin.close(() => { resolve(); }));
    }
    return report;
  },
};

/** Every live call answered with the right JSON, or counted as a caller error. */
async function liveFetch(client: DataCacheClient, url: string, report: TortureReport, label: string): Promise<void> {
  report.operations += 1;
  try {
    const entry = await client.getOrFetch({ url, identifier: 'x', dataType: 'api', provider: 'origin', timeoutMs: 5000 });
    report.dataChecked += 1;
    if ((entry?.json<{ path?: string }>().path ?? '') !== new URL(url).pathname) report.corrupt += 1;
  } catch (error) {
    report.callerErrors += 1;
    report.notes.push(`${label}: ${String(error)}`);
  }
}

async function lockHeld(cacheDir: string, base: string, report: TortureReport): Promise<void> {
  const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, lockTimeoutMs: 10_000 });
  const client = new DataCacheClient({ storage, providers: { origin: { ratePerSecond: Infinity } } });
  try {
    await liveFetch(client, `${base}/locked/warm`, report, 'warming');
    const holder = startScenarioChild(new URL('../../test/fixtures/hold-write-lock.ts', import.meta.url), [storage.databasePath, '4000']);
    await holder.printed('locked');
    report.cases += 1;
    report.faultsInjected += 1;
    // The control does no datacache work: its event loop shows what this busy shared machine costs any process.
    const control = startScenarioChild(new URL('../../bench/storage/control-process.ts', import.meta.url), ['2.5']);
    await control.printed('measuring');
    const watched = await watchEventLoop(async () => {
      const calls: Promise<void>[] = [];
      for (let index = 0; index < 20; index++) {
        calls.push(liveFetch(client, `${base}/locked/${index}`, report, 'during a write lock held by another process'));
        calls.push(liveFetch(client, `${base}/locked/warm`, report, 'a hit during the lock'));
        await sleep(50);
      }
      await Promise.all(calls);
    });
    await Promise.all([holder.exited, control.exited]);
    const machine = JSON.parse(control.output().trim().split('\n').at(-1) ?? '{}') as { p99Ms: number; maxMs: number };
    // A stall is not an error reaching a caller: it is a finding, judged against the control.
    const stalled = watched.p99Ms > Math.max(20, 2 * machine.p99Ms);
    report.notes.push(
      `${stalled ? 'finding' : 'info'}: write lock held 4 s by another process: 40 live calls answered; event loop p99 ${watched.p99Ms.toFixed(1)} ms, ` +
        `max ${watched.maxMs.toFixed(1)} ms (a process doing no datacache work meanwhile: p99 ${machine.p99Ms.toFixed(1)} ms, max ${machine.maxMs.toFixed(1)} ms)`,
    );
    // Recovery: what was fetched during the lock is stored once the lock is gone.
    await storage.store({ url: `${base}/locked/after`, identifier: 'x', dataType: 'api', provider: 'origin', value: { path: '/locked/after' }, ttlSeconds: 60 });
    report.operations += 1;
  } finally {
    await client.close();
    await storage.close();
  }
}

/** Whether a fetch made while the fault lasted was stored after it went away (it must be, once fetched again). */
async function storedAfterRecovery(client: DataCacheClient, storage: DataStorage, url: string, report: TortureReport, fault: string): Promise<void> {
  await liveFetch(client, url, report, `after the ${fault} went away`);
  if ((await storage.retrieveByUrl(url)) === null) {
    report.lost += 1;
    report.notes.push(`after the ${fault} went away, a fetch was not stored`);
  }
}

/** `integrity_check` once a fault is over: anything but ok counts as corrupt. */
function checkIntegrity(cacheDir: string, fault: string, report: TortureReport): void {
  const integrity = integrityOf(cacheDir);
  if (integrity !== 'ok') {
    report.corrupt += 1;
    report.notes.push(`after ${fault}, integrity_check: ${integrity}`);
  }
}

async function diskFull(cacheDir: string, base: string, report: TortureReport): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  mountTmpfs(cacheDir, '4m');
  try {
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    const client = new DataCacheClient({ storage, providers: { origin: { ratePerSecond: Infinity } } });
    let faults = 0;
    client.on('database-fault', () => { faults++; });
    try {
      await liveFetch(client, `${base}/full/warm`, report, 'before the disk filled');
      // Fill every byte left, as a download elsewhere on the machine would.
      const filler = await open(join(cacheDir, 'filler'), 'w');
      try {
        for (;;) await filler.write(Buffer.alloc(64 * 1024, 1));
      } catch {
        // ENOSPC: the disk is full
      } finally {
        await filler.close();
      }
      report.cases += 1;
      report.faultsInjected += 1;
      for (let index = 0; index < 20; index++) await liveFetch(client, `${base}/full/${index}`, report, 'with the disk full');
      await liveFetch(client, `${base}/full/warm`, report, 'a hit with the disk full');
      report.notes.push(`info: disk full: 21 live calls answered; database-fault events: ${faults} (one per kind of fault, by design)`);
      await rm(join(cacheDir, 'filler'));
      await storedAfterRecovery(client, storage, `${base}/full/after`, report, 'full disk');
    } finally {
      await client.close();
      await storage.close();
    }
    checkIntegrity(cacheDir, 'the disk was full', report);
  } finally {
    unmount(cacheDir);
  }
}

async function readOnly(cacheDir: string, base: string, report: TortureReport): Promise<void> {
  const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
  const client = new DataCacheClient({ storage, providers: { origin: { ratePerSecond: Infinity } } });
  let faults = 0;
  client.on('database-fault', () => { faults++; });
  try {
    await liveFetch(client, `${base}/read-only/warm`, report, 'before the directory became read-only');
    const frozen = cacheFilesToFreeze(cacheDir);
    report.cases += 1;
    report.faultsInjected += 1;
    try {
      setImmutable(frozen, true);
      for (let index = 0; index < 10; index++) await liveFetch(client, `${base}/read-only/${index}`, report, 'with the directory read-only');
      await liveFetch(client, `${base}/read-only/warm`, report, 'a hit with the directory read-only');
    } finally {
      setImmutable(frozen, false);
    }
    report.notes.push(`info: read-only directory: 11 live calls answered; database-fault events: ${faults}`);
    await storedAfterRecovery(client, storage, `${base}/read-only/after`, report, 'read-only directory');
  } finally {
    await client.close();
    await storage.close();
  }
  checkIntegrity(cacheDir, 'the directory was read-only', report);
}

async function directoryDeleted(cacheDir: string, base: string, report: TortureReport): Promise<void> {
  const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
  const client = new DataCacheClient({ storage, providers: { origin: { ratePerSecond: Infinity } } });
  try {
    await liveFetch(client, `${base}/deleted/before`, report, 'before the deletion');
    await rm(cacheDir, { recursive: true, force: true });
    report.cases += 1;
    report.faultsInjected += 1;
    await sleep(1100); // the file check runs at most once a second
    for (let index = 0; index < 10; index++) await liveFetch(client, `${base}/deleted/${index}`, report, 'after the directory was deleted');
    await liveFetch(client, `${base}/deleted/before`, report, 'a hit after the directory was deleted');
    const refused = await storage.store({ url: 'k:after', identifier: 'x', dataType: 'api', provider: 'origin', value: 1, ttlSeconds: 60 }).catch((error: unknown) => error);
    report.operations += 1;
    if (!(refused instanceof StorageWriteError && refused.reason === 'gone')) {
      report.corrupt += 1;
      report.notes.push(`a store after the deletion went into the deleted database: ${String(refused)}`);
    }
  } finally {
    await client.close();
    await storage.close();
  }
  // Recovery: a cache opened now on the same path works.
  const fresh = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
  await fresh.store({ url: 'k:fresh', identifier: 'x', dataType: 'api', provider: 'origin', value: 1, ttlSeconds: 60 });
  if ((await fresh.retrieveByUrl('k:fresh')) === null) report.lost += 1;
  report.operations += 2;
  await fresh.close();
}

async function corruptFile(cacheDir: string, report: TortureReport): Promise<void> {
  const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
  await storage.store({ url: 'k:one', identifier: 'x', dataType: 'api', provider: 'origin', value: 1, ttlSeconds: 60 });
  await storage.close();
  await rm(join(cacheDir, 'datacache.sqlite-wal'), { force: true });
  await writeFile(join(cacheDir, 'datacache.sqlite'), Buffer.alloc(64 * 1024, 0x42));
  report.cases += 1;
  report.faultsInjected += 1;
  const refused = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }).catch((error: unknown) => error);
  report.operations += 1;
  if (!(refused instanceof DatabaseCorruptError)) {
    report.callerErrors += 1;
    report.notes.push(`opening a corrupt database gave ${String(refused)}, not DatabaseCorruptError`);
    if (refused instanceof DataStorage) await refused.close();
    return;
  }
  const reset = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, onCorruptDatabase: 'reset' });
  await reset.store({ url: 'k:two', identifier: 'x', dataType: 'api', provider: 'origin', value: 2, ttlSeconds: 60 });
  if ((await reset.retrieveByUrl('k:two'))?.json() !== 2) report.lost += 1;
  report.operations += 2;
  await reset.close();
}
