import { afterEach, describe, expect, it } from 'vitest';
import { latencyBucket, type MinuteCounts } from '../../../src/analytics/analytics-recorder.js';
import { readAnalytics } from '../../../src/analytics/analytics-report.js';
import { resolveSharedOption } from '../../../src/backends/postgres/connection-options.js';
import { PgAnalyticsStore } from '../../../src/backends/postgres/pg-analytics-store.js';
import { PostgresTier } from '../../../src/backends/postgres/postgres-tier.js';
import { isDatabaseFault, SharedTierUnavailableError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { lastJsonLine, runTypeScript } from '../../helpers/child-process.js';
import { freshSchema, postgresForTests, withClient, type FreshSchema } from '../../helpers/postgres.js';
import { findFreePort } from '../../helpers/tcp-proxy.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';
import type { MachineTask } from './fixtures/rate-limit-machine.js';

const postgres = postgresForTests();
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);

const tiers: PostgresTier[] = [];
afterEach(async () => {
  await Promise.all(tiers.splice(0).map((tier) => tier.close()));
});

async function connectTier(shared: string): Promise<PostgresTier> {
  const tier = await PostgresTier.connect(resolveSharedOption('shared', shared), { logger: silentLogger, cacheDir: 'test-machine' });
  tiers.push(tier);
  return tier;
}

async function storeOn(schema: FreshSchema): Promise<PgAnalyticsStore> {
  const tier = await connectTier(schema.sharedUrl);
  expect(tier.available, tier.fault?.message).toBe(true);
  return new PgAnalyticsStore(tier);
}

function counts(minute: number, provider: string, values: Partial<MinuteCounts> = {}): MinuteCounts {
  return { minute, provider, dataType: 'api', hits: 0, misses: 0, stale: 0, fetches: 0, errors: 0, bytesFetched: 0, ...values };
}

describe.skipIf(postgres === undefined)('PgAnalyticsStore', () => {
  it("adds the counts of two processes on two machines to the same minute's rows", async () => {
    const schema = await freshSchema();
    const store = await storeOn(schema); // the tables, made before the machines start
    const machine = async (atMs: number, hits: number, misses: number, fetches: number): Promise<void> => {
      const task: MachineTask = { command: 'analytics', cacheDir: await temporaryDirectory(), shared: schema.sharedUrl, atMs, provider: 'example', hits, misses, fetches, hitMs: 0.02 };
      lastJsonLine(await runTypeScript('../backends/postgres/fixtures/rate-limit-machine.ts', [JSON.stringify(task)]));
    };
    await Promise.all([machine(T0 + 10_000, 5, 3, 2), machine(T0 + 40_000, 4, 1, 3)]);

    const { rows, latencies } = await store.read(0);
    expect(rows).toEqual([counts(T0, 'example', { hits: 9, misses: 4, fetches: 5, bytesFetched: 5000 })]);
    expect(latencies).toEqual([
      { kind: 'fetch', bucket: latencyBucket(100), count: 5 },
      { kind: 'hit', bucket: latencyBucket(0.02), count: 9 },
    ]);
    const report = await readAnalytics(store, T0 + MINUTE, { sinceMs: 0 });
    expect(report.totals).toMatchObject({ hits: 9, misses: 4, fetches: 5 });
    expect(report.latency.hit.count).toBe(9);
  }, 60_000);

  it('upserts a batch of hundreds of rows, adding to what is there and summing repeated keys', async () => {
    const schema = await freshSchema();
    const store = await storeOn(schema);
    const batch = Array.from({ length: 300 }, (_, index) => counts(T0 + (index % 100) * MINUTE, `provider-${Math.floor(index / 100)}`, { hits: 1, bytesFetched: 10 }));
    batch.push(counts(T0, 'provider-0', { hits: 1, misses: 2, stale: 3, fetches: 4, errors: 5, bytesFetched: 6 }));
    const latencies = [
      { minute: T0, kind: 'hit' as const, bucket: 4, count: 2 },
      { minute: T0, kind: 'hit' as const, bucket: 4, count: 3 },
    ];
    await store.add(batch, latencies, null);
    await store.add(batch, latencies, null);

    const { rows, latencies: summed } = await store.read(0);
    expect(rows).toHaveLength(300);
    expect(rows.find((row) => row.minute === T0 && row.provider === 'provider-0')).toEqual(counts(T0, 'provider-0', { hits: 4, misses: 4, stale: 6, fetches: 8, errors: 10, bytesFetched: 32 }));
    expect(rows.find((row) => row.minute === T0 + 99 * MINUTE && row.provider === 'provider-2')).toEqual(counts(T0 + 99 * MINUTE, 'provider-2', { hits: 2, bytesFetched: 20 }));
    expect(summed).toEqual([{ kind: 'hit', bucket: 4, count: 10 }]);
  });

  it('reads the minutes since the time asked for, oldest first, and sums their latency buckets', async () => {
    const schema = await freshSchema();
    const store = await storeOn(schema);
    await store.add(
      [counts(T0 + 2 * MINUTE, 'b', { hits: 1 }), counts(T0, 'a', { hits: 1 }), counts(T0 + MINUTE, 'a', { misses: 1 })],
      [
        { minute: T0, kind: 'hit', bucket: 3, count: 100 },
        { minute: T0 + MINUTE, kind: 'hit', bucket: 3, count: 2 },
        { minute: T0 + 2 * MINUTE, kind: 'hit', bucket: 3, count: 5 },
        { minute: T0 + 2 * MINUTE, kind: 'fetch', bucket: 12, count: 1 },
      ],
      null,
    );
    const { rows, latencies } = await store.read(T0 + MINUTE);
    expect(rows.map((row) => [row.minute, row.provider])).toEqual([
      [T0 + MINUTE, 'a'],
      [T0 + 2 * MINUTE, 'b'],
    ]);
    expect(latencies).toEqual([
      { kind: 'fetch', bucket: 12, count: 1 },
      { kind: 'hit', bucket: 3, count: 7 },
    ]);
  });

  it('drops the minutes before the time given, with the batch it came with', async () => {
    const schema = await freshSchema();
    const store = await storeOn(schema);
    await store.add([counts(T0, 'a', { hits: 1 }), counts(T0 + 10 * MINUTE, 'a', { hits: 1 })], [{ minute: T0, kind: 'hit', bucket: 1, count: 1 }], null);
    await store.add([counts(T0 + 20 * MINUTE, 'a', { hits: 1 })], [{ minute: T0 + 20 * MINUTE, kind: 'fetch', bucket: 9, count: 1 }], T0 + 10 * MINUTE);
    const { rows, latencies } = await store.read(0);
    expect(rows.map((row) => row.minute)).toEqual([T0 + 10 * MINUTE, T0 + 20 * MINUTE]);
    expect(latencies).toEqual([{ kind: 'fetch', bucket: 9, count: 1 }]);
    await store.add([], [], T0 + 30 * MINUTE); // a prune alone
    expect((await store.read(0)).rows).toEqual([]);
  });

  it("keeps a minute's first queue-depth sample whole when two machines sample at once, and drops old samples with the minutes", async () => {
    const schema = await freshSchema();
    const [a, b] = [await storeOn(schema), await storeOn(schema)];
    const sample = (provider: string, pending: number) => [{ provider: '', pending, running: 1, failed: 0 }, { provider, pending, running: 1, failed: 0 }];
    expect(await a.hasQueueDepth(T0)).toBe(false);
    await Promise.all([a.addQueueDepth(T0, sample('musicbrainz', 5)), b.addQueueDepth(T0, sample('cdn', 7))]);
    const { queueDepth } = await a.read(0);
    expect(queueDepth).toHaveLength(2); // one machine's whole sample, not a mix of both
    expect(queueDepth[0]!.pending).toBe(queueDepth[1]!.pending);
    expect(await b.hasQueueDepth(T0)).toBe(true);
    await a.addQueueDepth(T0 + MINUTE, sample('cdn', 2));
    expect((await a.read(T0 + MINUTE)).queueDepth).toEqual([
      { minute: T0 + MINUTE, provider: '', pending: 2, running: 1, failed: 0 },
      { minute: T0 + MINUTE, provider: 'cdn', pending: 2, running: 1, failed: 0 },
    ]);
    await a.add([], [], T0 + MINUTE);
    expect((await a.read(0)).queueDepth.map((row) => row.minute)).toEqual([T0 + MINUTE, T0 + MINUTE]);
  });

  it('loses nothing and does not deadlock when machines add overlapping minutes at once, in opposite orders', async () => {
    const schema = await freshSchema();
    const stores = await Promise.all([storeOn(schema), storeOn(schema)]);
    const keys = Array.from({ length: 50 }, (_, index) => counts(T0 + (index % 10) * MINUTE, `p${index % 5}`, { hits: 1 }));
    const unique = new Set(keys.map((row) => `${row.minute}/${row.provider}`)).size;
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => {
        const ordered = index % 2 === 0 ? keys : [...keys].reverse();
        return stores[index % 2]!.add(ordered, [{ minute: T0, kind: 'hit', bucket: 5, count: 1 }], index % 4 === 0 ? T0 - MINUTE : null);
      }),
    );
    const { rows, latencies } = await stores[0].read(0);
    expect(rows).toHaveLength(unique);
    expect(rows.reduce((sum, row) => sum + row.hits, 0)).toBe(20 * keys.length);
    expect(latencies).toEqual([{ kind: 'hit', bucket: 5, count: 20 }]);
    const stored = await withClient(schema.url, async (client) => (await client.query<{ count: string }>(`SELECT count(*) FROM ${schema.name}.analytics_counts`)).rows[0]!.count);
    expect(Number(stored)).toBe(unique);
  });

  it('fails with SharedTierUnavailableError, a database fault, when the server cannot be reached', async () => {
    const nowhere = `postgres://datacache:x@127.0.0.1:${await findFreePort()}/datacache?schema=nowhere`;
    const store = new PgAnalyticsStore(await connectTier(nowhere));
    const error = await store.add([counts(T0, 'a', { hits: 1 })], [], null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SharedTierUnavailableError);
    expect(isDatabaseFault(error)).toBe(true);
    await expect(store.read(0)).rejects.toBeInstanceOf(SharedTierUnavailableError);
  });
});
