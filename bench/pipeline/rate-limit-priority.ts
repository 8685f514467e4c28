import { busiestWindow } from '../../support/busiest-window.js';
import { runChild } from '../child.js';
import { summarizeMilliseconds, type Benchmark } from '../harness.js';
import { withOrigin } from './origin.js';

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
    return withOrigin(scratchDirectory, async (origin) => {
      const startAt = Date.now() + 4000;
      const modes = ['background', 'background', 'live', 'live'];
      const reports = await Promise.all(
        modes.map((mode, index) =>
          runChild(new URL('./priority-client.ts', import.meta.url), [scratchDirectory, origin.baseUrl, String(startAt), String(seconds * 1000), String(rate), String(index), mode]),
        ),
      );
      const waits = reports.flatMap((line) => (JSON.parse(line) as { waits: number[] }).waits);
      const arrivals = await origin.arrivals();
      const inWindow = arrivals.filter((at) => at >= startAt && at < startAt + seconds * 1000).length;
      const live = summarizeMilliseconds(waits);
      return [
        { name: `live fetch wait, ${waits.length} live fetches among a saturating backlog`, unit: 'ms', value: live.p50, latency: live, target: 'max ≤ one slot (500 ms)' },
        { name: 'requests at the server (live + background)', unit: 'count', value: arrivals.length },
        { name: 'busiest 1 s window ÷ the limit', unit: 'ratio', value: busiestWindow(arrivals, 1000) / rate, target: '≤ 1.0' },
        { name: `use of the allowed rate in the ${seconds} s`, unit: 'ratio', value: inWindow / (rate * seconds), target: '≥ 0.95' },
      ];
    });
  },
};
