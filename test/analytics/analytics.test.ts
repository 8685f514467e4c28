import { describe, expect, it } from 'vitest';
import { latencyBucket } from '../../src/analytics/analytics-recorder.js';
import { createProviders } from '../../src/index.js';
import { lastJsonLine, runTypeScript } from '../helpers/child-process.js';
import { startServer } from '../helpers/http-server.js';
import { makeTestProviders } from '../helpers/providers.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

describe('analytics', () => {
  it('adds up the hits, misses, fetches, errors and bytes of two processes per provider and data type', async () => {
    const server = await startServer({});
    const body = JSON.stringify({ ok: true });
    // Any /data/… path answers JSON; /broken answers 500.
    server.fallback = (request, response) => {
      if (request.url === '/broken') response.writeHead(500).end('no');
      else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    };
    const cacheDir = await temporaryDirectory();
    const children = await Promise.all([
      runTypeScript('../fixtures/analytics-client.ts', [cacheDir, server.url(''), 'a', '5', '3']),
      runTypeScript('../fixtures/analytics-client.ts', [cacheDir, server.url(''), 'b', '4', '2']),
    ]);
    for (const child of children) lastJsonLine(child);
    const providers = createProviders({ cacheDir, storage: { maintenanceIntervalSeconds: 0 } });
    try {
      const { analytics } = await providers.stats();
      // Misses: 9 first asks + 2 broken; hits: 5 × 3 + 4 × 2; one error each.
      expect(analytics.byProvider.example).toMatchObject({ hits: 23, misses: 11, fetches: 9, errors: 2, stale: 0, bytesFetched: 9 * body.length });
      expect(analytics.byDataType.api!.hitRate).toBeCloseTo(23 / 34, 10);
      expect(analytics.latency.hit.count).toBe(23);
      expect(analytics.latency.fetch.count).toBe(9);
      expect(analytics.latency.hit.p50Ms).toBeLessThanOrEqual(analytics.latency.hit.p99Ms);
      expect(analytics.timeline.reduce((sum, point) => sum + point.hits, 0)).toBe(23);
    } finally {
      await providers.close();
    }
  }, 60_000);

  it('counts a stale answer, keeps minutes apart on the timeline, and forgets minutes past the retention', async () => {
    let up = true;
    const server = await startServer({
      '/a': (_request, response) => {
        if (up) response.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
        else response.writeHead(503).end();
      },
    });
    const { providers, clock } = await makeTestProviders({ analyticsRetentionDays: 1 });
    const request = { url: server.url('/a'), identifier: 'x', provider: 'example', dataType: 'api', ttlSeconds: 60, retries: 0 };
    await providers.client.getOrFetch(request);
    clock.advance(2 * 60_000);
    up = false;
    expect(await providers.client.getOrFetch(request)).not.toBeNull(); // the stale copy
    const { analytics } = await providers.stats();
    expect(analytics.totals).toMatchObject({ misses: 2, stale: 1, fetches: 1 });
    expect(analytics.timeline.map((point) => point.misses)).toEqual([1, 1]);
    clock.advance(2 * 86_400_000);
    await providers.client.getOrFetch({ ...request, url: server.url('/a?again') }).catch(() => undefined);
    const later = await providers.stats({ sinceMs: 0 });
    expect(later.analytics.totals.misses).toBe(1); // the two old minutes are gone
  });

  it('puts latencies in power-of-two microsecond buckets', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.001)).toBe(0);
    expect(latencyBucket(0.02)).toBe(4); // 20 µs: [16, 32)
    expect(latencyBucket(1)).toBe(9); // 1000 µs: [512, 1024)
  });
});
