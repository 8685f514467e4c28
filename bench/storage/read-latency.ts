import Database from 'better-sqlite3';
import { DataStorage } from '../../src/index.js';
import { latencyFigure, measureAsync, measureSync, type Benchmark, type Figure } from '../harness.js';
import { apiUrl, artistJson, fillWithApiAnswers } from './fill.js';

/**
 * Read latencies through the public async API, next to two baselines measured in the same run
 * on the same data: a raw better-sqlite3 prepared point lookup on the same table, and a Map.
 */
export const readLatency: Benchmark = {
  name: 'storage-reads',
  description: 'retrieveByUrl (inline, file, miss) and retrieveRandom vs raw SQLite and Map lookups',
  async run({ quick, scratchDirectory }) {
    const entries = quick ? 1000 : 10_000;
    const iterations = quick ? 2000 : 50_000;
    const warmup = quick ? 200 : 5000;
    const storage = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0 });
    // The same cache without the memory tier: every file hit reads and verifies the file.
    const diskOnly = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0, memoryCacheBytes: 0 });
    await fillWithApiAnswers(storage, entries);
    const image = Buffer.alloc(200_000, 0x5a);
    for (let index = 0; index < 50; index++) {
      image.writeUInt32BE(index, 0);
      await storage.store({ url: `https://images.example/fanart/${index}.jpg`, identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: image, ttlSeconds: 86_400 });
    }
    for (let index = 0; index < 10; index++) {
      await storage.store({ url: `https://images.example/thumb/${index}.jpg`, identifier: 'daft punk', dataType: 'thumbnail', provider: 'cdn', value: Buffer.alloc(8000, index), ttlSeconds: 86_400 });
    }

    // The same URL sequence for every contender: a pseudo-random walk over all entries.
    const order = Array.from({ length: iterations + warmup }, (_, index) => apiUrl((index * 7919) % entries));
    const raw = new Database(storage.databasePath, { readonly: true });
    const rawLookup = raw.prepare('SELECT * FROM entries WHERE url = ?');
    const map = new Map<string, unknown>();
    for (let index = 0; index < entries; index++) map.set(apiUrl(index), artistJson(index));

    const rawLatency = measureSync(iterations, warmup, (index) => rawLookup.get(order[index]!));
    const mapLatency = measureSync(iterations, warmup, (index) => map.get(order[index]!));
    const inlineHit = await measureAsync(iterations, warmup, (index) => storage.retrieveByUrl(order[index]!));
    const miss = await measureAsync(iterations, warmup, (index) => storage.retrieveByUrl(`https://musicbrainz.org/ws/2/artist/missing-${index}`));
    const fileIterations = quick ? 500 : 10_000;
    const fileHit = await measureAsync(fileIterations, warmup / 5, (index) => storage.retrieveByUrl(`https://images.example/fanart/${index % 50}.jpg`));
    const fileHitFromDisk = await measureAsync(fileIterations, warmup / 5, (index) => diskOnly.retrieveByUrl(`https://images.example/fanart/${index % 50}.jpg`));
    const random = await measureAsync(iterations, warmup, () => storage.retrieveRandom({ identifier: 'daft punk', dataType: 'thumbnail' }));
    const randomFile = await measureAsync(fileIterations, warmup / 5, () => storage.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart' }));
    raw.close();
    await diskOnly.close();
    await storage.close();

    const toRaw = (p50: number): Figure['ratio'] => ({ to: 'raw SQLite', value: p50 / rawLatency.p50 });
    return [
      latencyFigure('baseline: raw better-sqlite3 point lookup', rawLatency),
      latencyFigure('baseline: Map lookup (the floor)', mapLatency),
      latencyFigure('inline hit, 2 KB JSON', inlineHit, { ratio: toRaw(inlineHit.p50), target: 'p50 ≤ 20 µs, ≤ 2x raw' }),
      latencyFigure('miss', miss, { ratio: toRaw(miss.p50) }),
      latencyFigure('file hit, 200 KB, memory tier', fileHit, { target: 'p50 ≤ 200 µs' }),
      latencyFigure('file hit, 200 KB, from disk (SHA-256 checked once per file and process)', fileHitFromDisk, { target: 'p50 ≤ 300 µs' }),
      latencyFigure('retrieveRandom of 10, 8 KB inline', random, { ratio: toRaw(random.p50), target: 'p50 ≤ 60 µs' }),
      latencyFigure('retrieveRandom of 50, 200 KB files', randomFile),
    ];
  },
};
