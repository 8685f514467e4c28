import { DataStorage } from '../../src/index.js';
import { busiestWindow } from '../../support/busiest-window.js';
import { runChild, startChild } from '../child.js';
import { summarize, type Benchmark } from '../harness.js';

/**
 * Live requests ahead of background work on one shared limit: two processes drain a backlog of
 * queued fetches (more than the limit allows in the time) while two others make a live fetch
 * every 1.2 s, all against one provider at 2 requests per second. A live request should wait at
 * most about one slot (500 ms), not behind the backlog; the background takes the slots left.
 */
export const rateLimitPriority: Benchmark = {
  name: 'rate-limit-priority',
  description: '2 processes draining a backlog + 2 making live fetches on one 2/s limit: live wait, slots used',
  async run({ quick, scratchDirectory }) {
    const seconds = quick ? 4 : 10;
    const rate = 2;
    const storage = await DataStorage.open({ cacheDir: scratchDirectory, maintenanceIntervalSeconds: 0 });
    await storage.close();
    const server = await startChild(new URL('./image-server.ts', import.meta.url), []);
    const baseUrl = `http://127.0.0.1:${server.firstLine}`;
    try {
      const startAt = Date.now() + 4000;
      const modes = ['background', 'background', 'live', 'live'];
      const reports = await Promise.all(
        modes.map((mode, index) =>
          runChild(new URL('./priority-client.ts', import.meta.url), [scratchDirectory, baseUrl, String(startAt), String(seconds * 1000), String(rate), String(index), mode]),
        ),
      );
      const waits = reports.flatMap((line) => (JSON.parse(line) as { waits: number[] }).waits);
      const arrivals = (await (await fetch(`${baseUrl}/arrivals`)).json()) as number[];
      const inWindow = arrivals.filter((at) => at >= startAt && at < startAt + seconds * 1000).length;
      const live = summarize(waits.map((ms) => ms * 1e6));
      const scaled = { ...live, p50: live.p50 / 1000, p90: live.p90 / 1000, p99: live.p99 / 1000, max: live.max / 1000 };
      return [
        { name: `live fetch wait, ${waits.length} live fetches among a saturating backlog`, unit: 'ms', value: scaled.p50, latency: scaled, target: 'max ≤ one slot (500 ms)' },
        { name: 'requests at the server (live + background)', unit: 'count', value: arrivals.length },
        { name: 'busiest 1 s window ÷ the limit', unit: 'ratio', value: busiestWindow(arrivals, 1000) / rate, target: '≤ 1.0' },
        { name: `use of the allowed rate in the ${seconds} s`, unit: 'ratio', value: inWindow / (rate * seconds), target: '≥ 0.95' },
      ];
    } finally {
      server.stop();
    }
  },
};
