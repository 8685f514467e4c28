import { describe, expect, it } from 'vitest';
import { ProviderCoolingDownError, RateLimitWaitError } from '../../src/index.js';
import { DEFAULT_RATE_LIMITS, resolveRateLimits } from '../../src/ratelimit/provider-limits.js';
import { SharedRateLimiter, spacingMs, type Grant } from '../../src/ratelimit/shared-rate-limiter.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastJsonLine, runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { openTestStorage } from '../helpers/storage.js';
import { ManualClock, systemClock } from '../../src/clock.js';
import { SqliteRateLimitStore } from '../../src/backends/sqlite/rate-limit-store.js';
import { busiestWindow } from '../../support/busiest-window.js';

async function limiterFor(limits: Parameters<typeof resolveRateLimits>[0], cacheDir?: string): Promise<{ limiter: SharedRateLimiter; cacheDir: string }> {
  const opened = await openTestStorage(cacheDir === undefined ? {} : { cacheDir });
  // Real time: the limiter sleeps until its slots.
  return { limiter: new SharedRateLimiter(opened.storage.sharedConnection(), resolveRateLimits(limits), systemClock), cacheDir: opened.cacheDir };
}


describe('SharedRateLimiter', () => {
  it('spaces the slots of one provider by 1 / rate, plus a small guard against arrival jitter', async () => {
    const { limiter } = await limiterFor({ test: { ratePerSecond: 20, burst: 1 } });
    const grants: Grant[] = [];
    for (let index = 0; index < 8; index++) grants.push(await limiter.acquire('test'));
    for (let index = 1; index < grants.length; index++) {
      expect(grants[index]!.slotAt - grants[index - 1]!.slotAt).toBeCloseTo(spacingMs({ ratePerSecond: 20, burst: 1 }), 6);
      expect(grants[index]!.grantedAt).toBeGreaterThanOrEqual(grants[index]!.slotAt); // never early
    }
  });

  it('lets a burst through at once, then spaces the rest', async () => {
    const { limiter } = await limiterFor({ test: { ratePerSecond: 1, burst: 3 } });
    const first = await Promise.all([limiter.acquire('test'), limiter.acquire('test'), limiter.acquire('test')]);
    // The burst's slots are now, not spaced a second apart (what the clock says of the wait is the machine's business).
    expect(Math.max(...first.map((grant) => grant.slotAt)) - Math.min(...first.map((grant) => grant.slotAt))).toBeLessThan(spacingMs({ ratePerSecond: 1, burst: 3 }));
    const error = await limiter.acquire('test', { maxWaitMs: 100 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitWaitError);
    expect((error as RateLimitWaitError).waitMs).toBeGreaterThan(800);
  });

  it('serves live requests before background work that was waiting', async () => {
    // One a second: a second of margin for the later live request, however late its timer fires.
    const { limiter } = await limiterFor({ test: { ratePerSecond: 1, burst: 1 } });
    const order: string[] = [];
    const take = (name: string, priority: 'live' | 'background'): Promise<void> =>
      limiter.acquire('test', { priority }).then(() => {
        order.push(name);
      });
    const waiting = [take('live 1', 'live'), take('live 2', 'live'), take('background', 'background')];
    await new Promise((resolve) => setTimeout(resolve, 30));
    waiting.push(take('live 3, asked later', 'live'));
    await Promise.all(waiting);
    expect(order).toEqual(['live 1', 'live 2', 'live 3, asked later', 'background']);
  });

  it('holds a request at the send gate when the previous one went out late, even if its reservation is due', async () => {
    const opened = await openTestStorage();
    const limiter = new SharedRateLimiter(opened.storage.sharedConnection(), resolveRateLimits({ test: { ratePerSecond: 2, burst: 1 } }), systemClock);
    await limiter.acquire('test');
    // As if that request had been sent 400 ms late: its successor may not follow within 500 ms of it.
    const Database = (await import('better-sqlite3')).default;
    const database = new Database(opened.storage.databasePath);
    database.prepare("UPDATE rate_limits SET next_due_at = ?, send_due_at = ? WHERE provider = 'test'").run(Date.now(), Date.now() + 400);
    database.close();
    const grant = await limiter.acquire('test');
    expect(grant.waitedMs).toBeGreaterThanOrEqual(390);
  });

  it('hands back the slot of an aborted wait', async () => {
    const { limiter } = await limiterFor({ test: { ratePerSecond: 2, burst: 1 } });
    const taken = await limiter.acquire('test');
    const controller = new AbortController();
    const aborted = limiter.acquire('test', { signal: controller.signal });
    setTimeout(() => { controller.abort(new Error('the track changed')); }, 20);
    await expect(aborted).rejects.toThrow('the track changed');
    const next = await limiter.acquire('test');
    // The freed slot, one spacing after the first, not the one after it.
    expect(next.slotAt - taken.slotAt).toBeLessThan(2 * spacingMs({ ratePerSecond: 2, burst: 1 }));
  });

  it('does not limit a provider whose rate is Infinity', async () => {
    const { limiter } = await limiterFor({ mirror: { ratePerSecond: Infinity } });
    const asked = Date.now();
    const grants = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire('mirror')));
    // No slot planned ahead: each goes the moment it asks.
    for (const grant of grants) expect(grant.slotAt).toBeLessThanOrEqual(grant.grantedAt);
    expect(Math.max(...grants.map((grant) => grant.slotAt))).toBeLessThanOrEqual(Math.max(...grants.map((grant) => grant.grantedAt)));
    expect(Math.min(...grants.map((grant) => grant.slotAt))).toBeGreaterThanOrEqual(asked);
  });

  it('makes live requests fail fast during a cool-down set by another process', async () => {
    const { limiter, cacheDir } = await limiterFor({});
    const until = Date.now() + 60_000;
    const child = await runTypeScript('../fixtures/rate-limit-client.ts', [cacheDir, 'theaudiodb', '0.5', '0', '0', 'live', String(until)]);
    expect(child.code, child.stderr).toBe(0);
    const error = await limiter.acquire('theaudiodb').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderCoolingDownError);
    expect(error).toMatchObject({ provider: 'theaudiodb', until, code: 'ERR_DATACACHE_COOLING_DOWN' });
    expect(await limiter.cooldownOf('theaudiodb')).toEqual({ until, reason: 'told to by the test' });
    await limiter.setCooldown('theaudiodb', until - 30_000); // an earlier deadline does not shorten it
    expect((await limiter.cooldownOf('theaudiodb'))?.until).toBe(until);
    await limiter.clearCooldown('theaudiodb');
    await expect(limiter.acquire('theaudiodb')).resolves.toMatchObject({ provider: 'theaudiodb' });
  });

  it('counts the requests it lets through per second, and shows the last whole seconds oldest first', async () => {
    const opened = await openTestStorage();
    const clock = new ManualClock(1_800_000_000_000);
    // A limit that never makes this test wait: the counting is what is tested.
    const limiter = new SharedRateLimiter(opened.storage.sharedConnection(), resolveRateLimits({ test: { ratePerSecond: 1000, burst: 1000 }, free: { ratePerSecond: Infinity } }), clock);
    await limiter.acquire('test');
    await limiter.acquire('test');
    await limiter.acquire('free');
    clock.advance(2000);
    await limiter.acquire('test');
    clock.advance(1000);
    await limiter.acquire('test'); // in the second under way: not shown yet
    expect(await limiter.recentGrants(5)).toEqual({ test: [0, 0, 2, 0, 1] });
    clock.advance(1000);
    expect((await limiter.recentGrants(2)).test).toEqual([1, 1]);

    // Ten minutes are kept: a grant that late drops the provider's older seconds.
    const store = new SqliteRateLimitStore(opened.storage.sharedConnection(), clock);
    clock.advance(601_000);
    await limiter.acquire('test');
    expect((await store.grantsSince(0)).grants).toEqual([{ provider: 'test', second: Math.floor(clock.now() / 1000), grants: 1 }]);

    for (const seconds of [0, 601, 1.5, '60']) await expect(limiter.recentGrants(seconds as number)).rejects.toMatchObject({ code: 'ERR_DATACACHE_INVALID_ARGUMENT' });
  });

  it('rejects bad arguments with typed errors', async () => {
    const { limiter } = await limiterFor({});
    await expect(limiter.acquire('')).rejects.toThrow(/provider must not be empty/);
    await expect(limiter.acquire('x', { priority: 'urgent' as never })).rejects.toThrow(/priority must be 'live' or 'background'/);
    await expect(limiter.acquire('x', { maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs must be at least 0/);
    expect(() => resolveRateLimits({ musicbrainz: { ratePerSecond: 0 } })).toThrow(/ratePerSecond must be at least/);
    expect(() => resolveRateLimits({ musicbrainz: { burst: 1.5 } })).toThrow(/burst must be a whole number/);
  });

  it('spaces 5 % wider than the limit, never more than 50 ms', () => {
    expect(spacingMs({ ratePerSecond: 2, burst: 1 })).toBe(525);
    expect(spacingMs({ ratePerSecond: 10, burst: 1 })).toBe(105);
    expect(spacingMs({ ratePerSecond: 0.5, burst: 1 })).toBe(2050);
  });

  it('has the documented defaults, and keeps them for providers an override does not name', () => {
    const limits = resolveRateLimits({ discogs: { ratePerSecond: 3 } });
    expect(limits('musicbrainz')).toEqual({ ratePerSecond: 1, burst: 1 });
    expect(limits('discogs')).toEqual({ ratePerSecond: 3, burst: DEFAULT_RATE_LIMITS.discogs!.burst });
    expect(limits('someone-else')).toEqual({ ratePerSecond: 1, burst: 1 });
  });
});

describe('four processes sharing one limit', () => {
  it('stay within 2 per second together for 5 s, and use it', async () => {
    const { cacheDir } = await openTestStorage();
    const children = Array.from({ length: 4 }, () => startTypeScript('../fixtures/rate-limit-client.ts', [cacheDir, 'shared', '2', 'go-file', '5000']));
    // The window opens once every child is ready, however long a loaded machine takes to start them.
    await Promise.all(children.map((child) => child.printed('ready')));
    await writeFile(join(cacheDir, 'go'), String(Date.now() + 500));
    const results = await Promise.all(children.map((child) => child.exited));
    const grants = results.flatMap((child) => lastJsonLine<{ slotAt: number; grantedAt: number }[]>(child));
    expect(grants.length).toBeLessThanOrEqual(2 * 5 + 1);
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor(0.95 * 2 * 5));
    expect(busiestWindow(grants.map((grant) => grant.slotAt), 1000)).toBeLessThanOrEqual(2);
    for (const grant of grants) expect(grant.grantedAt).toBeGreaterThanOrEqual(grant.slotAt);
  }, 120_000);
});
