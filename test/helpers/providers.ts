import { afterEach } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createProviders, type DataCacheProviders, type DataCacheProvidersOptions } from '../../src/index.js';
import { sharedForTest } from './storage.js';
import { temporaryDirectory } from './temporary-directory.js';

const made: DataCacheProviders[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((providers) => providers.close()));
});

/**
 * Independent providers on a fresh cache directory, with a manual clock (starting now), no
 * automatic maintenance, and no rate limit on the providers named in `unlimited` (the manual
 * clock never reaches a later slot). Closed after the test.
 */
export async function makeTestProviders(
  options: DataCacheProvidersOptions = {},
  unlimited: string[] = ['cdn', 'musicbrainz', 'theaudiodb', 'fanarttv', 'discogs', 'lastfm', 'wikimedia', 'example'],
): Promise<{ providers: DataCacheProviders; clock: ManualClock; cacheDir: string }> {
  const clock = new ManualClock(Date.now());
  const cacheDir = options.cacheDir ?? (await temporaryDirectory());
  const settings = Object.fromEntries(unlimited.map((name) => [name, { ratePerSecond: Infinity, ...options.providers?.[name] }]));
  const providers = createProviders({
    userAgent: 'datacache-tests/1.0 ( tests@example.org )',
    ...(await sharedForTest()),
    ...options,
    cacheDir,
    providers: { ...options.providers, ...settings },
    storage: { maintenanceIntervalSeconds: 0, clock, ...options.storage },
  });
  made.push(providers);
  await providers.initialize();
  return { providers, clock, cacheDir };
}
