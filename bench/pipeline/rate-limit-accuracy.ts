import { busiestWindow } from '../../support/busiest-window.js';
import { runChild } from '../child.js';
import type { Benchmark } from '../harness.js';
import { withOrigin } from './origin.js';

/**
 * Four processes fetching through one cache from one provider limited to 2 requests per
 * second, counted where it matters: at the origin server (a fifth process).
 */
export const rateLimitAccuracy: Benchmark = {
  name: 'rate-limit-accuracy',
  description: '4 processes sharing a 2/s limit: the busiest 1 s window at the server, and the use of the allowed rate',
  async run({ quick, scratchDirectory }) {
    const seconds = quick ? 3 : 10;
    const rate = 2;
    return withOrigin(scratchDirectory, async (origin) => {
      const startAt = Date.now() + 3000;
      await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          runChild(new URL('./rate-limited-client.ts', import.meta.url), [scratchDirectory, origin.baseUrl, String(startAt), String(seconds * 1000), String(rate), String(index)]),
        ),
      );
      const arrivals = await origin.arrivals();
      return [
        { name: 'requests at the server', unit: 'count', value: arrivals.length, target: `≤ ${rate * seconds + 1} (rate × time + burst)` },
        { name: 'busiest 1 s window ÷ the limit', unit: 'ratio', value: busiestWindow(arrivals, 1000) / rate, target: '≤ 1.0' },
        { name: 'use of the allowed rate', unit: 'ratio', value: arrivals.length / (rate * seconds), target: '≥ 0.95' },
      ];
    });
  },
};
