import { AnalyticsRecorder, createProviders, DataCacheClient, DataStorage, silentLogger, systemClock } from '../../src/index.js';
import { latencyFigure, measureAsync, summarize, type Benchmark, type Figure } from '../harness.js';
import { apiUrl, artistJson, fillWithApiAnswers } from '../storage/fill.js';
import { withOrigin } from './origin.js';

/**
 * What the fetch pipeline adds to a cache hit: `getOrFetch` over `retrieveByUrl` on the same
 * URLs (without and with the analytics recorder), a provider's hit path (`searchArtists`:
 * canonical URL, getOrFetch, JSON parse), and single flight: 100 concurrent misses of one URL
 * and the requests the origin (another process) sees.
 */
export const clientOverhead: Benchmark = {
  name: 'client-overhead',
  description: 'getOrFetch hit vs retrieveByUrl, with analytics; provider hit path; single flight (100 concurrent misses)',
  async run({ quick, scratchDirectory }) {
    const entries = quick ? 1000 : 10_000;
    const iterations = quick ? 2000 : 50_000;
    const warmup = quick ? 200 : 5000;
    const storage = await DataStorage.open({ cacheDir: `${scratchDirectory}/client`, maintenanceIntervalSeconds: 0 });
    await fillWithApiAnswers(storage, entries);
    const plain = new DataCacheClient({ storage });
    const analytics = new AnalyticsRecorder(storage.sharedConnection(), { clock: systemClock, logger: silentLogger });
    const counted = new DataCacheClient({ storage, analytics });
    const request = (index: number) => ({ url: apiUrl((index * 7919) % entries), identifier: `artist ${(index * 7919) % entries}`, dataType: 'musicbrainz', provider: 'musicbrainz' });
    const retrieve = await measureAsync(iterations, warmup, (index) => storage.retrieveByUrl(apiUrl((index * 7919) % entries)));
    const hit = await measureAsync(iterations, warmup, (index) => plain.getOrFetch(request(index)));
    const hitCounted = await measureAsync(iterations, warmup, (index) => counted.getOrFetch(request(index)));
    await counted.close();
    await plain.close();
    await analytics.close();
    await storage.close();

    // A provider's hit path: searches cached under the URLs the provider builds.
    const providers = createProviders({ cacheDir: `${scratchDirectory}/providers`, userAgent: 'datacache-bench/1.0 ( bench@example.org )', storage: { maintenanceIntervalSeconds: 0 } });
    await providers.initialize();
    const names = Array.from({ length: 1000 }, (_, index) => `Artist ${index}`);
    for (const [index, name] of names.entries()) {
      await providers.storage.store({ url: providers.musicbrainz.searchUrl('artist', name), identifier: name.toLowerCase(), dataType: 'musicbrainz', provider: 'musicbrainz', value: { created: '2026-11-24T00:00:00Z', count: 1, offset: 0, artists: [{ ...artistJson(index), score: 100 }] }, ttlSeconds: 86_400 });
    }
    const searchUrls = names.map((name) => providers.musicbrainz.searchUrl('artist', name));
    const searchRetrieve = await measureAsync(iterations, warmup, (index) => providers.storage.retrieveByUrl(searchUrls[index % names.length]!));
    const search = await measureAsync(iterations, warmup, (index) => providers.musicbrainz.searchArtists(names[index % names.length]!));
    await providers.close();

    // Single flight against an origin in another process.
    const rounds = quick ? 3 : 20;
    const samples: bigint[] = [];
    const worstRound = await withOrigin(`${scratchDirectory}/flight`, async (origin) => {
      const flightStorage = await DataStorage.open({ cacheDir: `${scratchDirectory}/flight`, maintenanceIntervalSeconds: 0 });
      const client = new DataCacheClient({ storage: flightStorage, providers: { cdn: { ratePerSecond: Infinity } } });
      let worst = 0;
      try {
        for (let round = 0; round < rounds; round++) {
          const before = (await origin.arrivals()).length;
          const url = `${origin.baseUrl}/fanart/${round}.png`;
          await Promise.all(
            Array.from({ length: 100 }, async () => {
              const started = process.hrtime.bigint();
              await client.getOrFetch({ url, identifier: 'bench', dataType: 'fanart', provider: 'cdn' });
              samples.push(process.hrtime.bigint() - started);
            }),
          );
          worst = Math.max(worst, (await origin.arrivals()).length - before);
        }
      } finally {
        await client.close();
        await flightStorage.close();
      }
      return worst;
    });
    const figures: Figure[] = [
      latencyFigure('baseline: retrieveByUrl, 2 KB JSON', retrieve),
      latencyFigure('getOrFetch hit', hit, { ratio: { to: 'retrieveByUrl', value: hit.p50 / retrieve.p50 } }),
      latencyFigure('getOrFetch hit, analytics recorded', hitCounted, { ratio: { to: 'getOrFetch hit', value: hitCounted.p50 / hit.p50 } }),
      latencyFigure('baseline: retrieveByUrl of a cached search', searchRetrieve),
      latencyFigure('musicbrainz.searchArtists hit (URL, getOrFetch, JSON.parse)', search, { ratio: { to: 'retrieveByUrl', value: search.p50 / searchRetrieve.p50 } }),
      latencyFigure(`100 concurrent getOrFetch of one missing 50 KB image (${rounds} rounds)`, summarize(samples)),
      { name: 'requests at the origin per 100 concurrent misses (worst round)', unit: 'count', value: worstRound, target: '1' },
    ];
    return figures;
  },
};
