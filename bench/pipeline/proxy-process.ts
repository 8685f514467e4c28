/**
 * Child process: `startProxy` on a cache directory, with MusicBrainz moved to the bench origin
 * (no rate limit). Prints its port, then serves until killed; answers an IPC message with its
 * resident set size in bytes (after a full garbage collection: it runs with --expose-gc).
 * Usage: proxy-process.ts <cacheDir> <originBaseUrl>
 */
import { createProviders, startProxy } from '../../src/index.js';

const [cacheDir, origin] = process.argv.slice(2);
const providers = createProviders({
  cacheDir: cacheDir!,
  userAgent: 'datacache-bench/1.0 ( bench@example.org )',
  providers: { musicbrainz: { baseUrl: origin!, ratePerSecond: Infinity } },
  storage: { maintenanceIntervalSeconds: 0 },
});
const proxy = await startProxy(providers, { port: 0 });
process.on('message', () => {
  // After a full collection: what the proxy holds, not garbage the heap has not yet reclaimed.
  (globalThis as { gc?: () => void }).gc?.();
  process.send!(process.memoryUsage().rss);
});
console.log(new URL(proxy.url).port);
