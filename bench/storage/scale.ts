import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DataStorage } from '../../src/index.js';
import { latencyFigure, measureAsync, watchEventLoop, type Benchmark, type Figure } from '../harness.js';
import { artistJson } from './fill.js';

const TEMPLATE_URL = 'https://template.example/artist';
const urlOf = (index: number): string => `https://musicbrainz.org/ws/2/artist/${index}?fmt=json`;

/**
 * A cache of `count` entries built fast: one real entry stored through the API, then copied
 * `count` times by SQL in transactions of 100,000 rows (the triggers keep the totals right).
 * Each copy has its own URL, cache key and artist, and a last-access time in insertion order.
 */
async function buildCache(directory: string, count: number): Promise<{ storagePath: string; bytes: number; buildMs: number }> {
  const started = performance.now();
  const storage = await DataStorage.open({ cacheDir: directory, maintenanceIntervalSeconds: 0 });
  await storage.store({ url: TEMPLATE_URL, identifier: 'template', dataType: 'musicbrainz', provider: 'musicbrainz', value: artistJson(0), ttlSeconds: 365 * 86_400 });
  for (let index = 0; index < 10; index++) {
    await storage.store({ url: `https://images.example/thumb/${index}.jpg`, identifier: 'daft punk', dataType: 'thumbnail', provider: 'cdn', value: Buffer.alloc(8000, index), ttlSeconds: 365 * 86_400 });
  }
  const storagePath = storage.databasePath;
  await storage.close();
  const database = new Database(storagePath);
  const columns = (database.prepare('PRAGMA table_info(entries)').all() as { name: string }[]).map((column) => column.name).filter((name) => name !== 'id');
  const overrides: Record<string, string> = {
    url: `'https://musicbrainz.org/ws/2/artist/' || i || '?fmt=json'`,
    cachekey: `'bench-' || i`,
    identifier: `'artist ' || (i % 100000)`,
    last_accessed: 'i',
    access_count: '0',
  };
  const select = columns.map((name) => overrides[name] ?? `template.${name}`).join(', ');
  const insert = database.prepare(`
    WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO entries (${columns.join(', ')}) SELECT ${select} FROM n, entries AS template WHERE template.url = '${TEMPLATE_URL}'`);
  for (let start = 0; start < count; start += 100_000) {
    database.transaction(() => insert.run(start, Math.min(count, start + 100_000) - 1))();
  }
  const { bytes } = database.prepare('SELECT total(bytes) AS bytes FROM group_totals').get() as { bytes: number };
  database.pragma('wal_checkpoint(TRUNCATE)');
  database.close();
  return { storagePath, bytes, buildMs: performance.now() - started };
}

/**
 * Whether a hit costs the same at a million entries as at ten thousand, and what maintenance
 * costs the event loop when it evicts a tenth of a full budget from the large cache.
 */
export const scale: Benchmark = {
  name: 'storage-scale',
  description: 'hit and random latency at 10,000 vs 1,000,000 entries; evicting 10 % of a full budget (time, longest stall)',
  async run({ quick, scratchDirectory }) {
    const small = 10_000;
    const large = quick ? 100_000 : 1_000_000;
    const iterations = quick ? 2000 : 30_000;
    const warmup = quick ? 200 : 3000;
    const figures: Figure[] = [];
    const latencies: Record<string, { hit: number; random: number }> = {};
    for (const count of [small, large]) {
      const directory = join(scratchDirectory, String(count));
      const built = await buildCache(directory, count);
      const storage = await DataStorage.open({ cacheDir: directory, maintenanceIntervalSeconds: 0 });
      // A benchmark of misses would look fast: check the copies are real hits first.
      const probe = await storage.retrieveByUrl(urlOf(count - 1));
      if (probe?.json<{ name?: string }>().name !== 'Artist 0') throw new Error(`the ${count}-entry cache does not answer its own URLs`);
      const hit = await measureAsync(iterations, warmup, (index) => storage.retrieveByUrl(urlOf((index * 7919) % count)));
      const random = await measureAsync(iterations, warmup, () => storage.retrieveRandom({ identifier: 'daft punk', dataType: 'thumbnail' }));
      const label = count.toLocaleString('en-US');
      latencies[label] = { hit: hit.p50, random: random.p50 };
      const toSmall = (kind: 'hit' | 'random', p50: number): Partial<Figure> =>
        count === small ? {} : { ratio: { to: `${small.toLocaleString('en-US')} entries`, value: p50 / latencies[small.toLocaleString('en-US')]![kind] } };
      figures.push({ name: `build ${label} entries (batched SQL)`, unit: 'ms', value: built.buildMs });
      if (count === large) {
        // The same working set as the small cache (10,000 entries read at random) inside the large
        // one: what a live show does; the uniform walk above touches pages no cache holds.
        const hot = await measureAsync(iterations, warmup, (index) => storage.retrieveByUrl(urlOf((index * 7919) % small)));
        figures.push(latencyFigure(`inline hit at ${label} entries, 10,000 of them read`, hot, { ratio: { to: `${small.toLocaleString('en-US')} entries`, value: hot.p50 / latencies[small.toLocaleString('en-US')]!.hit }, target: '≤ 1.5x 10,000' }));
      }
      figures.push(latencyFigure(`inline hit at ${label} entries, all of them read`, hit, { ...toSmall('hit', hit.p50), ...(count === large ? { target: '≤ 1.5x 10,000' } : {}) }));
      figures.push(latencyFigure(`retrieveRandom of 10 at ${label} entries`, random, { ...toSmall('random', random.p50), ...(count === large ? { target: '≤ 1.5x 10,000' } : {}) }));
      await storage.close();
      if (count !== large) continue;
      // A full budget: just over it, so maintenance brings it down to the low-water mark (90 %).
      const full = await DataStorage.open({ cacheDir: directory, maintenanceIntervalSeconds: 0, maxSizeBytes: built.bytes - 1, lowWaterMarkRatio: 0.9 });
      const watched = await watchEventLoop(() => full.runMaintenance());
      await full.close();
      const report = watched.result;
      figures.push({ name: `maintenance evicting 10 % of ${label} entries (${report.evictedEntries.toLocaleString('en-US')} rows)`, unit: 'ms', value: report.durationMs });
      figures.push({ name: 'longest event-loop stall during that maintenance', unit: 'ms', value: watched.maxMs, target: '≤ 20 ms' });
      figures.push({ name: 'event-loop delay p99 during that maintenance', unit: 'ms', value: watched.p99Ms, target: '≤ 5 ms' });
    }
    return figures;
  },
};
