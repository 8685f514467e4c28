import { describe, expect, it } from 'vitest';
import { analyticsStoreFor } from '../../src/analytics/analytics-store-for.js';
import type { AnalyticsStore, QueueDepth } from '../../src/analytics/analytics-store.js';
import { QueueDepthSampler } from '../../src/analytics/queue-depth-sampler.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { makeTestProviders } from '../helpers/providers.js';

const MINUTE = 60_000;

function enqueue(providers: Awaited<ReturnType<typeof makeTestProviders>>['providers'], count: number, provider: string, from = 0): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, (_, index) => providers.client.queue.enqueue({ url: `https://example.org/${provider}/${from + index}`, provider, request: {} })));
}

describe('the queue depth over time', () => {
  it("samples the queue once a minute per provider, keeps a minute's first sample, and shows each bucket's latest", async () => {
    const { providers, clock } = await makeTestProviders();
    clock.set(Math.ceil(clock.now() / (15 * MINUTE)) * 15 * MINUTE); // the start of a 15-minute bucket
    const start = clock.now();
    await enqueue(providers, 3, 'musicbrainz');
    await enqueue(providers, 2, 'fanarttv');
    const first = (await providers.stats()).analytics.queueDepth;
    expect(first).toEqual([{ at: start, pending: 5, running: 0, failed: 0, byProvider: { fanarttv: { pending: 2, running: 0, failed: 0 }, musicbrainz: { pending: 3, running: 0, failed: 0 } } }]);

    // Later in the same minute: the sample stays as it was.
    await enqueue(providers, 4, 'musicbrainz', 10);
    expect((await providers.stats()).analytics.queueDepth).toEqual(first);

    clock.advance(MINUTE);
    const claimed = await providers.client.queue.claim('worker', 2, ['musicbrainz']);
    await providers.client.queue.fail(claimed[0]!, 'worker', 'gone', { final: true });
    const second = (await providers.stats()).analytics.queueDepth;
    expect(second.map((point) => point.at)).toEqual([start, start + MINUTE]);
    expect(second[1]).toMatchObject({ pending: 7, running: 1, failed: 1, byProvider: { musicbrainz: { pending: 5, running: 1, failed: 1 }, fanarttv: { pending: 2, running: 0, failed: 0 } } });

    // In 15-minute buckets, one point: the bucket's latest minute.
    const bucketed = (await providers.stats({ bucketMinutes: 15 })).analytics.queueDepth;
    expect(bucketed).toEqual([{ ...second[1]!, at: start }]);

    // An emptied queue still leaves a sample, with no providers.
    clock.advance(MINUTE);
    await providers.client.queue.clear();
    await providers.client.queue.complete(claimed[1]!, 'worker');
    const emptied = (await providers.stats()).analytics.queueDepth.at(-1);
    expect(emptied).toEqual({ at: start + 2 * MINUTE, pending: 0, running: 0, failed: 0, byProvider: {} });
  });

  it('writes one sample a minute when several processes look at once', async () => {
    const { providers, clock } = await makeTestProviders();
    const store = analyticsStoreFor(providers.client.storage);
    const depth = (): Promise<QueueDepth[]> => Promise.resolve([{ provider: 'cdn', pending: 1, running: 0, failed: 0 }]);
    const samplers = Array.from({ length: 4 }, () => new QueueDepthSampler(store, depth, { clock, logger: silentLogger, checkIntervalMs: 0 }));
    const wrote = await Promise.all(samplers.map((sampler) => sampler.sample()));
    expect(wrote.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    const { queueDepth } = await store.read(0);
    expect(queueDepth.map((row) => row.provider)).toEqual(['', 'cdn']);
    // The next minute, again once.
    clock.advance(MINUTE);
    await Promise.all(samplers.map((sampler) => sampler.sample()));
    expect((await store.read(0)).queueDepth).toHaveLength(4);
    await Promise.all(samplers.map((sampler) => sampler.close()));
  });

  it('logs a sample it could not take and goes on, without throwing', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const clock = new ManualClock();
    const broken: AnalyticsStore = {
      add: () => Promise.resolve(),
      read: () => Promise.reject(new Error('not read here')),
      hasQueueDepth: () => Promise.resolve(false),
      addQueueDepth: () => Promise.reject(new Error('disk full')),
    };
    const sampler = new QueueDepthSampler(broken, () => Promise.resolve([]), { clock, logger, checkIntervalMs: 0 });
    await expect(sampler.sample()).resolves.toBe(false);
    expect(warnings).toEqual(['datacache: could not sample the queue depth; this minute is left out']);
    await sampler.close();
  });
});
