import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStorage } from '../../src/index.js';
import { describeStoredValue, expectedValue } from '../../test/fixtures/worker-values.js';
import { integrityOf, rowsAndFiles } from '../checks.js';
import { startScenarioChild } from '../children.js';
import { emptyReport, type Scenario } from '../scenario.js';

/**
 * Maintenance killed half-way, again and again, on a cache far over its budget: after each
 * kill the database is sound and every entry still there is whole; the next run, left to
 * finish, brings the cache under its budget with rows and files matching.
 */
export const killMaintenance: Scenario = {
  name: 'kill-maintenance',
  description: 'SIGKILL maintenance half-way through evicting: sound database, the next run finishes the work',
  async run({ quick, directory }) {
    const report = emptyReport();
    const cacheDir = join(directory, 'cache');
    const entries = quick ? 600 : 3000;
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    for (let index = 0; index < entries; index++) {
      const url = `https://maintenance.example/${index}`;
      await storage.store({ url, identifier: 'torture', dataType: 'fanart', provider: 'torture', value: expectedValue(url, 0, index, index % 2 === 0), ttlSeconds: index % 5 === 0 ? 0 : 86_400 });
    }
    const { bytes } = await storage.stats();
    await storage.close();
    report.operations += entries;
    const budget = Math.floor(bytes / 4);
    const kills = quick ? 5 : 30;
    for (let kill = 0; kill < kills; kill++) {
      const child = startScenarioChild(new URL('./maintenance-child.ts', import.meta.url), [cacheDir, String(budget)]);
      await child.printed('ready');
      await sleep(5 + Math.random() * 60);
      await child.kill();
      report.kills += 1;
      report.faultsInjected += 1;
      report.cases += 1;
      const integrity = integrityOf(cacheDir);
      if (integrity !== 'ok') {
        report.corrupt += 1;
        report.notes.push(`kill ${kill}: integrity_check said ${integrity}`);
      }
    }
    // Left to finish this time.
    const finishing = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, maxSizeBytes: budget, orphanGraceSeconds: 0 });
    const maintenance = await finishing.runMaintenance();
    report.operations += 1;
    const after = await finishing.stats();
    if (after.bytes > budget) {
      report.lost += 1;
      report.notes.push(`the finishing run left ${after.bytes} bytes over a ${budget}-byte budget (${JSON.stringify(maintenance)})`);
    }
    for (let index = 0; index < entries; index++) {
      const url = `https://maintenance.example/${index}`;
      const entry = await finishing.retrieveByUrl(url, { allowStale: true });
      report.operations += 1;
      if (entry === null) continue;
      report.dataChecked += 1;
      if (describeStoredValue(url, entry.data) === undefined) {
        report.corrupt += 1;
        report.notes.push(`${url}: served bytes that are not what was stored`);
      }
    }
    await finishing.close();
    const matching = await rowsAndFiles(cacheDir);
    report.corrupt += matching.rowsWithoutFiles + matching.filesWithoutRows;
    if (matching.rowsWithoutFiles + matching.filesWithoutRows > 0) report.notes.push(`after the finishing run: ${matching.rowsWithoutFiles} rows without files, ${matching.filesWithoutRows} files without rows`);
    report.notes.push(`info: ${entries} entries, budget a quarter of them; the finishing run evicted ${maintenance.evictedEntries} and removed ${maintenance.expiredRemoved} expired`);
    return report;
  },
};
