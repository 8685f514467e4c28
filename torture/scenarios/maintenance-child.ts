/**
 * Child process for the maintenance-kill scenario: opens the cache with a budget it is far over
 * and runs maintenance (eviction, orphans, vacuum, checkpoint) until it is killed.
 * Usage: maintenance-child.ts <cacheDir> <maxSizeBytes>
 */
import { DataStorage } from '../../src/index.js';

const storage = await DataStorage.open({ cacheDir: process.argv[2]!, maintenanceIntervalSeconds: 0, maxSizeBytes: Number(process.argv[3]), orphanGraceSeconds: 0 });
process.stdout.write('ready\n');
for (;;) await storage.runMaintenance();
