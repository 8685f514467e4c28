import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataStorage } from '../../src/index.js';
import { withClient } from '../../test/helpers/postgres.js';
import { postgresOrSkip } from './postgres-for-bench.js';
import { latencyFigure, measureAsync, type Benchmark, type Figure } from '../harness.js';

const JSON_VALUE = { name: 'Daft Punk', country: 'FR', aliases: Array.from({ length: 40 }, (_, index) => `alias ${index}`), notes: 'x'.repeat(1400) }; // about 2 KB
const IMAGE = Buffer.alloc(200 * 1024, 7);

/**
 * Reads with a shared tier: a hit on the machine's own tier with `shared` set (against the same
 * hit without it, measured in the same run), the first read on a machine of an entry another
 * machine fetched (from PostgreSQL; against a raw node-postgres point lookup), and a 200 KB
 * image from the shared tier, then again from the machine's own.
 */
export const sharedTierReads: Benchmark = {
  name: 'shared-tier-reads',
  description: 'local-tier hit with a shared tier vs without; first read of an entry another machine fetched (PostgreSQL) vs a raw pg lookup; a 200 KB image from the shared tier, then local',
  async run({ quick, scratchDirectory }) {
    const started = await postgresOrSkip();
    if ('skipped' in started) return started.skipped;
    const { server } = started;
    const entries = quick ? 300 : 3000;
    const figures: Figure[] = [];
    const directory = async (name: string): Promise<string> => {
      const path = join(scratchDirectory, name);
      await mkdir(path, { recursive: true });
      return path;
    };
    try {
      const alone = await DataStorage.open({ cacheDir: await directory('alone'), maintenanceIntervalSeconds: 0 });
      const machineA = await DataStorage.open({ cacheDir: await directory('a'), maintenanceIntervalSeconds: 0, shared: server.url });
      const machineB = await DataStorage.open({ cacheDir: await directory('b'), maintenanceIntervalSeconds: 0, shared: server.url });
      try {
        const url = (index: number): string => `https://musicbrainz.org/ws/2/artist/${index}?fmt=json`;
        for (let index = 0; index < entries; index++) {
          const request = { url: url(index), identifier: 'bench', dataType: 'musicbrainz', provider: 'musicbrainz', value: JSON_VALUE, ttlSeconds: 86_400 };
          await alone.store(request);
          await machineA.store(request);
        }
        const iterations = quick ? 2000 : 30_000;
        const baseline = await measureAsync(iterations, 500, (iteration) => alone.retrieveByUrl(url(iteration % entries)));
        figures.push(latencyFigure('baseline: hit, SQLite alone, 2 KB JSON', baseline));
        const localHit = await measureAsync(iterations, 500, (iteration) => machineA.retrieveByUrl(url(iteration % entries)));
        figures.push(latencyFigure('hit on the local tier with a shared tier set', localHit, { ratio: { to: 'SQLite alone', value: localHit.p50 / baseline.p50 }, target: 'p50 ≤ 1.2x' }));

        const raw = await withClient(server.url, async (client) => {
          await client.query("SET search_path TO datacache");
          return measureAsync(Math.min(entries, 2000), 100, (iteration) => client.query('SELECT data FROM entries WHERE url = $1', [url(iteration % entries)]));
        });
        figures.push(latencyFigure('baseline: raw node-postgres point lookup of the same row', raw));
        // Each read is machine B's first of that URL: answered from the shared tier.
        const sharedHit = await measureAsync(entries - 100, 100, (iteration) => machineB.retrieveByUrl(url(iteration)));
        figures.push(latencyFigure('shared-tier hit: first read on a machine of an entry another fetched', sharedHit, { ratio: { to: 'raw pg lookup', value: sharedHit.p50 / raw.p50 }, target: 'p50 ≤ 250 µs, p99 ≤ 5 ms' }));
        await machineB.idle();

        const images = quick ? 20 : 100;
        for (let index = 0; index < images; index++) {
          await machineA.store({ url: `https://cdn.example/${index}.jpg`, identifier: 'bench', dataType: 'fanart', provider: 'cdn', value: Buffer.concat([IMAGE.subarray(0, IMAGE.length - 4), Buffer.from([index, 0, 0, 0])]), ttlSeconds: 86_400 });
        }
        const firstImage = await measureAsync(images, 0, (index) => machineB.retrieveByUrl(`https://cdn.example/${index}.jpg`));
        figures.push({ ...latencyFigure('200 KB image, first read on another machine (shared tier)', firstImage), unit: 'µs', target: 'p50 ≤ 15 ms' });
        await machineB.idle();
        const thenLocal = await measureAsync(images * 10, images, (index) => machineB.retrieveByUrl(`https://cdn.example/${index % images}.jpg`));
        figures.push(latencyFigure('200 KB image, read again there (local tier)', thenLocal));
      } finally {
        await Promise.all([alone.close(), machineA.close(), machineB.close()]);
      }
    } finally {
      await server.destroy();
    }
    return figures;
  },
};
