/**
 * Child process for the crash scenario: stores a stream of self-describing values (2 KB in the
 * row, 40 KB in blob files) under its own URLs until it is killed, printing each URL after its
 * store resolved ("stored <url>"), so the parent knows what must survive the kill.
 * Usage: crash-store-child.ts <cacheDir> <round>
 */
import { DataStorage } from '../../src/index.js';
import { expectedValue } from '../../test/fixtures/worker-values.js';

const [cacheDir, roundText] = process.argv.slice(2);
const round = Number(roundText);
const storage = await DataStorage.open({ cacheDir: cacheDir!, maintenanceIntervalSeconds: 0 });
process.stdout.write('ready\n');
for (let iteration = 0; ; iteration++) {
  const url = `https://crash.example/${round}/${iteration % 50}`;
  await storage.store({ url, identifier: 'crash', dataType: 'fanart', provider: 'torture', value: expectedValue(url, round, iteration, iteration % 3 === 0), ttlSeconds: 86_400 });
  process.stdout.write(`stored ${url} ${iteration}\n`);
}
