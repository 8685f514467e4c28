import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStorage } from '../../src/index.js';
import { describeStoredValue } from '../../test/fixtures/worker-values.js';
import { integrityOf, rowsAndFiles } from '../checks.js';
import { startScenarioChild } from '../children.js';
import { emptyReport, type Scenario } from '../scenario.js';

/**
 * A process storing a stream of inline and file-backed entries is killed with SIGKILL at a
 * random moment, again and again, over one cache directory. After every kill: the database
 * passes `PRAGMA integrity_check`, every entry a reader gets is exactly what was written for
 * its URL (checksum and content), and the last store each kill round saw resolve is there. At
 * the end, after maintenance, no row points at a missing file and no file lacks a row.
 */
export const crashStore: Scenario = {
  name: 'crash-store',
  description: 'SIGKILL a storing process at random moments, over and over: integrity, content, no orphans',
  async run({ quick, directory }) {
    const report = emptyReport();
    const rounds = quick ? 6 : 100;
    const cacheDir = join(directory, 'cache');
    await (await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })).close();
    for (let round = 0; round < rounds; round++) {
      const { lastStored, stores } = await storeUntilKilled(cacheDir, round, 20 + Math.random() * 400);
      report.kills += 1;
      report.faultsInjected += 1;
      report.cases += 1;
      report.operations += stores;
      const integrity = integrityOf(cacheDir);
      if (integrity !== 'ok') {
        report.corrupt += 1;
        report.notes.push(`round ${round}: integrity_check said ${integrity}`);
      }
      const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
      for (let item = 0; item < 50; item++) {
        const url = `https://crash.example/${round}/${item}`;
        const entry = await storage.retrieveByUrl(url);
        report.operations += 1;
        if (entry === null) continue;
        report.dataChecked += 1;
        if (describeStoredValue(url, entry.data) === undefined) {
          report.corrupt += 1;
          report.notes.push(`round ${round}: ${url} served bytes that are not what was stored for it`);
        }
      }
      // What the child saw resolve must be there (or a later store of the same URL).
      if (lastStored !== undefined) {
        const entry = await storage.retrieveByUrl(lastStored.url);
        const found = entry === null ? undefined : describeStoredValue(lastStored.url, entry.data);
        if (found === undefined || found.iteration < lastStored.iteration) {
          report.lost += 1;
          report.notes.push(`round ${round}: the store of ${lastStored.url} #${lastStored.iteration} resolved but is gone`);
        }
      }
      await storage.close();
    }
    // Maintenance settles what kills left half done; then rows and files must match.
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, orphanGraceSeconds: 0 });
    await storage.runMaintenance();
    await storage.close();
    const matching = await rowsAndFiles(cacheDir);
    report.corrupt += matching.rowsWithoutFiles + matching.filesWithoutRows;
    if (matching.rowsWithoutFiles + matching.filesWithoutRows > 0) report.notes.push(`after maintenance: ${matching.rowsWithoutFiles} rows without files, ${matching.filesWithoutRows} files without rows`);
    report.dataChecked += matching.named;
    return report;
  },
};

/** Starts the child, lets it store for `milliseconds` after it is ready, kills it with SIGKILL. */
async function storeUntilKilled(cacheDir: string, round: number, milliseconds: number): Promise<{ lastStored: { url: string; iteration: number } | undefined; stores: number }> {
  const child = startScenarioChild(new URL('./crash-store-child.ts', import.meta.url), [cacheDir, String(round)]);
  await child.printed('ready\n');
  await sleep(milliseconds);
  await child.kill();
  const output = child.output();
  const lines = output.split('\n').filter((line) => line.startsWith('stored '));
  const last = lines.at(-1)?.split(' ');
  return { lastStored: last === undefined ? undefined : { url: last[1]!, iteration: Number(last[2]) }, stores: lines.length };
}
