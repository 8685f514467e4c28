import { importWnpCache, type WnpImportReport } from '../../src/index.js';
import { jpeg } from '../../test/helpers/images.js';
import { WnpLikeStore } from '../../test/fixtures/wnp/wnp-store.js';
import { runChild } from '../child.js';
import { watchEventLoop, type Benchmark, type Figure, type LatencySummary } from '../harness.js';
import { join } from 'node:path';

/**
 * Importing a whats-now-playing cache of 31,579 rows (the size issue 16 measured: 7.7 s with the
 * old in-place conversion, which held the write lock for all of it): the rate, the event loop of
 * the importing process, and how long another process's stores wait meanwhile (each entry is
 * its own short transaction, so they should wait a store's time, not the import's).
 */
export const wnpImport: Benchmark = {
  name: 'wnp-import',
  description: "importing a 31,579-row whats-now-playing cache while another process stores into the same cache",
  async run({ quick, scratchDirectory }) {
    const rows = quick ? 1500 : 31_579;
    const wnpDir = join(scratchDirectory, 'wnp');
    const store = new WnpLikeStore(wnpDir);
    const now = Date.now() / 1000;
    store.database.transaction(() => {
      for (let index = 0; index < rows; index++) {
        if (index % 20 === 0) {
          store.store({ url: `https://assets.fanart.tv/fanart/music/${index}.jpg`, identifier: `artist${index % 3000}`, dataType: 'artistfanart', provider: 'cdn', data: Buffer.concat([jpeg(1920, 1080), Buffer.alloc(40_000, index & 0xff)]), ttlSeconds: 14 * 86_400 }, now);
        } else {
          const answer = JSON.stringify({ artists: [{ idArtist: String(index), strArtist: `Artist ${index % 3000}`, strBiographyEN: 'b'.repeat(1000 + ((index * 37) % 12_000)) }] });
          store.store({ url: `https://www.theaudiodb.com/api/v1/json/2/artist.php?i=${index}`, identifier: `Artist ${index % 3000}`, dataType: 'api_response', provider: 'theaudiodb', data: Buffer.from(answer), ttlSeconds: 7 * 86_400 }, now);
        }
      }
    })();
    store.close();
    const cacheDir = join(scratchDirectory, 'cache');
    const importing = (): Promise<WnpImportReport> => importWnpCache({ from: wnpDir, cacheDir, storage: { maintenanceIntervalSeconds: 0 } });
    // The app starts first (it creates the cache) and stores for a while longer than the import takes.
    const app = runChild(new URL('./wnp-app-writer.ts', import.meta.url), [cacheDir, String(quick ? 2500 : 30_000)]);
    await new Promise((resolve) => setTimeout(resolve, quick ? 500 : 1500));
    const started = performance.now();
    const watched = await watchEventLoop(importing);
    const seconds = (performance.now() - started) / 1000;
    const waits = JSON.parse(await app) as LatencySummary;
    const report = watched.result;
    const figures: Figure[] = [
      { name: `import ${rows} rows (${report.entries.imported} imported)`, unit: 'ms', value: seconds * 1000, target: 'the old in-place import: 7.7 s, holding the lock throughout' },
      { name: '  rows per second', unit: 'ops/s', value: rows / seconds },
      { name: '  event-loop max of the importing process', unit: 'ms', value: watched.maxMs, target: 'a few ms' },
      { name: "another process's store during the import, p50", unit: 'ms', value: waits.p50, latency: waits },
      { name: "another process's store during the import, max", unit: 'ms', value: waits.max, target: 'far below the lock timeout (the old import: past 30 s)' },
    ];
    return figures;
  },
};
