import { join } from 'node:path';
import { DataStorage } from '../../src/index.js';
import { latencyFigure, measureAsync, type Benchmark, type Figure, type LatencySummary } from '../harness.js';
import { apiUrl, artistJson } from '../storage/fill.js';
import { loadPeerPackages, peerPackagesInstalled } from './peer-packages.js';

interface Contender {
  name: string;
  set(key: string, value: unknown, bytes: Buffer | undefined): Promise<unknown>;
  get(key: string, binary: boolean): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The same workload through datacache and two libraries people use for the same job, in one
 * run: keyv with @keyv/sqlite (a key-value cache on SQLite) and cacache (npm's content-addressed
 * disk cache). Each is used as its documentation shows, with its defaults; every get returns
 * what a caller of that library gets (parsed JSON, or the bytes).
 */
export const peerComparison: Benchmark = {
  name: 'peers',
  description: 'datacache vs keyv + @keyv/sqlite and cacache: set/get of 2 KB JSON and 200 KB images',
  async run({ quick, scratchDirectory }) {
    // The smoke run (npm test) does not install the peers' packages: that is sqlite3's compile.
    if (quick && !peerPackagesInstalled()) {
      console.error('peers: skipped in the smoke run, its packages are not installed (npm run bench -- peers installs them once)');
      return [];
    }
    const { Keyv, KeyvSqlite, cacache } = await loadPeerPackages();
    const keys = quick ? 200 : 5000;
    const gets = quick ? 1000 : 20_000;
    const images = quick ? 20 : 300;
    const storage = await DataStorage.open({ cacheDir: join(scratchDirectory, 'datacache'), maintenanceIntervalSeconds: 0 });
    const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${join(scratchDirectory, 'keyv.sqlite')}`) });
    const cacheDirectory = join(scratchDirectory, 'cacache');
    const contenders: Contender[] = [
      {
        name: 'datacache',
        set: (key, value, bytes) => storage.store({ url: key, identifier: 'artist', dataType: bytes ? 'fanart' : 'musicbrainz', provider: 'bench', value: bytes ?? (value as never), ttlSeconds: 86_400 }),
        get: async (key, binary) => {
          const entry = await storage.retrieveByUrl(key);
          return binary ? entry?.data : entry?.json();
        },
        close: () => storage.close(),
      },
      {
        name: 'keyv + @keyv/sqlite',
        set: (key, value, bytes) => keyv.set(key, bytes ?? value, 86_400_000),
        get: (key) => keyv.get(key),
        close: () => keyv.disconnect(),
      },
      {
        name: 'cacache',
        set: (key, value, bytes) => cacache.put(cacheDirectory, key, bytes ?? JSON.stringify(value)),
        get: async (key, binary) => {
          const { data } = await cacache.get(cacheDirectory, key);
          return binary ? data : (JSON.parse(data.toString('utf8')) as unknown);
        },
        close: () => Promise.resolve(),
      },
    ];
    const image = Buffer.alloc(200_000, 0x5a);
    const imageKey = (index: number): string => `https://images.example/fanart/${index}.jpg`;
    const order = (index: number): number => (index * 7919) % keys;
    const results = new Map<string, Record<string, LatencySummary>>();
    for (const contender of contenders) {
      const jsonSet = await measureAsync(keys, 0, (index) => contender.set(apiUrl(index), artistJson(index), undefined));
      const jsonGet = await measureAsync(gets, Math.min(1000, gets / 10), (index) => contender.get(apiUrl(order(index)), false));
      const imageSet = await measureAsync(images, 0, (index) => {
        const bytes = Buffer.from(image);
        bytes.writeUInt32BE(index, 0);
        return contender.set(imageKey(index), undefined, bytes);
      });
      const imageGet = await measureAsync(images * 10, images, (index) => contender.get(imageKey(index % images), true));
      results.set(contender.name, { 'set 2 KB JSON': jsonSet, 'get 2 KB JSON': jsonGet, 'set 200 KB image': imageSet, 'get 200 KB image': imageGet });
      await contender.close();
    }
    const ours = results.get('datacache')!;
    const figures: Figure[] = [];
    for (const [name, workloads] of results) {
      for (const [workload, latency] of Object.entries(workloads)) {
        figures.push(
          latencyFigure(`${name}: ${workload}`, latency, name === 'datacache' ? { target: 'faster than both peers' } : { ratio: { to: 'datacache', value: latency.p50 / ours[workload]!.p50 } }),
        );
      }
    }
    return figures;
  },
};
