/**
 * Child process for the event-loop benchmark: the control. It does no datacache work, only
 * Map lookups in bursts like the reader's, and reports how late its own event loop ran. Under
 * the same writers, its delay is what the machine itself (scheduling five busy processes on
 * two cores, the disk) costs any process. Usage: control-process.ts <seconds>
 * Prints "measuring" when it starts, and its figures as JSON on the last line.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

const seconds = Number(process.argv[2]);
const map = new Map(Array.from({ length: 2000 }, (_, index) => [`key-${index}`, { index }]));
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
console.log('measuring');
const until = performance.now() + seconds * 1000;
let found = 0;
for (let burst = 0; performance.now() < until; burst++) {
  for (let read = 0; read < 20; read++) if (map.get(`key-${(burst * 20 + read) % 2000}`)) found++;
  await yieldToEventLoop();
}
histogram.disable();
console.log(JSON.stringify({ p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6, found }));
