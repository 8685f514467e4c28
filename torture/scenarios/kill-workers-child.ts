/**
 * Child process for the worker-kill scenario: a background worker (concurrency 3, 2 s leases)
 * draining the shared queue until it is killed.
 * Usage: kill-workers-child.ts <cacheDir>
 */
import { DataCacheClient, DataStorage } from '../../src/index.js';

const storage = await DataStorage.open({ cacheDir: process.argv[2]!, maintenanceIntervalSeconds: 0 });
const client = new DataCacheClient({ storage, leaseMs: 2000, providers: { cdn: { ratePerSecond: Infinity } } });
client.startWorker({ concurrency: 3 });
process.stdout.write('ready\n');
setInterval(() => undefined, 1 << 30);
