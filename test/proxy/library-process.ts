/**
 * Child process: the library on a proxy's cache directory, asking MusicBrainz (the stand-in,
 * as a mirror) for `count` lookups now, under the same shared rate limit as the proxies.
 * Usage: library-process.ts <cacheDir> <mirror> <ratePerSecond> <count> <startAt>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createProviders } from '../../src/index.js';

const [cacheDir, mirror, rate, count, startAt] = process.argv.slice(2);
const providers = createProviders({
  cacheDir: cacheDir!,
  userAgent: 'datacache-tests/1.0 ( tests@example.org )',
  providers: { musicbrainz: { baseUrl: mirror!, ratePerSecond: Number(rate), burst: 1 } },
});
await providers.initialize();
await sleep(Math.max(0, Number(startAt) - Date.now()));
const answers = await Promise.all(
  Array.from({ length: Number(count) }, (_, index) =>
    providers.getOrFetch({ url: `https://musicbrainz.org/ws/2/artist/library-${index}?fmt=json`, identifier: '', dataType: 'musicbrainz', provider: 'musicbrainz', timeoutMs: 60_000 }).then((entry) => entry?.statusCode ?? null),
  ),
);
await providers.close();
console.log(JSON.stringify({ answers }));
