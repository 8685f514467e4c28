import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSharedOption } from '../../../src/backends/postgres/connection-options.js';
import { PgRateLimitStore } from '../../../src/backends/postgres/pg-rate-limit-store.js';
import { PostgresTier } from '../../../src/backends/postgres/postgres-tier.js';
import { SqliteRateLimitStore } from '../../../src/backends/sqlite/rate-limit-store.js';
import { systemClock, type Clock } from '../../../src/clock.js';
import { ProviderCoolingDownError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { resolveRateLimits } from '../../../src/ratelimit/provider-limits.js';
import type { LimitState } from '../../../src/ratelimit/rate-limit-store.js';
import { SharedRateLimiter, spacingMs, type Grant } from '../../../src/ratelimit/shared-rate-limiter.js';
import { busiestWindow } from '../../../support/busiest-window.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../../helpers/child-process.js';
import { startServer } from '../../helpers/http-server.js';
import { freshSchema, ownPostgres, postgresForTests, withClient, type FreshSchema } from '../../helpers/postgres.js';
import { openTestStorage, queryDatabase } from '../../helpers/storage.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';
import type { MachineTask, TakeReport } from './fixtures/rate-limit-machine.js';

const postgres = postgresForTests();
const MACHINE = '../backends/postgres/fixtures/rate-limit-machine.ts';

const tiers: PostgresTier[] = [];
afterEach(async () => {
  await Promise.all(tiers.splice(0).map((tier) => tier.close()));
});

/** A tier on the test's schema, as one machine has it (its own pool); closed after the test. */
async function connectTier(schema: FreshSchema): Promise<PostgresTier> {
  const tier = await PostgresTier.connect(resolveSharedOption('shared', schema.sharedUrl), { logger: silentLogger, cacheDir: 'test-machine' });
  tiers.push(tier);
  expect(tier.available, tier.fault?.message).toBe(true);
  return tier;
}

/** The server's clock, read straight in SQL. */
async function serverNow(schema: FreshSchema): Promise<number> {
  return withClient(schema.url, async (client) => Number((await client.query<{ now: string }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now')).rows[0]!.now));
}

/** The provider's row, read straight in SQL. */
async function rowOf(schema: FreshSchema, provider: string): Promise<{ next_due_at: number; send_due_at: number; cooldown_until: string } | undefined> {
  return withClient(schema.url, async (client) => (await client.query<{ next_due_at: number; send_due_at: number; cooldown_until: string }>(`SELECT * FROM ${schema.name}.rate_limits WHERE provider = $1`, [provider])).rows[0]);
}

describe.skipIf(postgres === undefined)('PgRateLimitStore', () => {
  it("makes a provider's row on first use, saves what the decision returns, and reckons in the server's clock", async () => {
    const schema = await freshSchema();
    const store = new PgRateLimitStore(await connectTier(schema));
    const before = await serverNow(schema);
    const seen: (LimitState | undefined)[] = [];
    const first = await store.reserve('musicbrainz', (state, now) => {
      seen.push(state);
      return { result: now, nextDue: now + 1000 };
    });
    const second = await store.reserve('musicbrainz', (state) => {
      seen.push(state);
      return { result: 'nothing saved' };
    });
    const after = await serverNow(schema);
    expect(seen[0]).toBeUndefined(); // as a missing row reads in the other stores
    expect(seen[1]).toEqual({ nextDueAt: first.now + 1000, cooldownUntil: 0, cooldownReason: null });
    expect(first.now).toBeGreaterThanOrEqual(before);
    expect(second.now).toBeLessThanOrEqual(after);
    expect(second.result).toBe('nothing saved');
    expect((await rowOf(schema, 'musicbrainz'))?.next_due_at).toBe(first.now + 1000);
    expect(await store.now()).toBeGreaterThanOrEqual(after);
  });

  it("reads the server's time once the row's lock is held, not before waiting for it", async () => {
    const schema = await freshSchema();
    const store = new PgRateLimitStore(await connectTier(schema));
    await store.reserve('musicbrainz', () => ({ result: null, nextDue: 1 }));
    // Another machine holds the row for 400 ms and lets go without changing it (a decision to wait).
    const released = await withClient(schema.url, async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM ${schema.name}.rate_limits WHERE provider = 'musicbrainz' FOR UPDATE`);
      const waiting = store.reserve('musicbrainz', (_state, now) => ({ result: now }));
      await sleep(400);
      const releasedAt = Number((await holder.query<{ now: string }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now')).rows[0]!.now);
      await holder.query('COMMIT');
      return { releasedAt, reserved: await waiting };
    });
    expect(released.reserved.now).toBeGreaterThanOrEqual(released.releasedAt);
  });

  it('keeps the send gate in the same row, saved only when it passes', async () => {
    const schema = await freshSchema();
    const store = new PgRateLimitStore(await connectTier(schema));
    const seen: number[] = [];
    await store.passSendGate('discogs', (sendDueAt, now) => {
      seen.push(sendDueAt);
      return { pass: true, sendDueAt: now + 500 };
    });
    await store.passSendGate('discogs', (sendDueAt) => {
      seen.push(sendDueAt);
      return { pass: false, sendDueAt: 1 };
    });
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeGreaterThan(0);
    expect((await rowOf(schema, 'discogs'))?.send_due_at).toBe(seen[1]);
    // Only the pass is counted, in the server's second it happened (its send-due time is that moment + 500 ms).
    const { grants } = await store.grantsSince(0);
    expect(grants).toEqual([{ provider: 'discogs', second: Math.floor((seen[1]! - 500) / 1000), grants: 1 }]);
  });

  it('spaces the limiter\'s slots by the GCRA interval, in the server\'s time', async () => {
    const schema = await freshSchema();
    const limit = { ratePerSecond: 20, burst: 1 };
    const limiter = new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema))], resolveRateLimits({ test: limit }), systemClock);
    const before = await serverNow(schema);
    const grants: Grant[] = [];
    for (let index = 0; index < 8; index++) grants.push(await limiter.acquire('test'));
    const after = await serverNow(schema);
    for (let index = 1; index < grants.length; index++) {
      // Never closer than the interval; further apart only when an acquire came after its slot had passed (a busy machine).
      expect(grants[index]!.slotAt - grants[index - 1]!.slotAt).toBeGreaterThanOrEqual(spacingMs(limit) - 1e-6);
      expect(grants[index]!.grantedAt).toBeGreaterThanOrEqual(grants[index]!.slotAt);
    }
    expect(grants[0]!.slotAt).toBeGreaterThanOrEqual(before);
    expect(grants.at(-1)!.slotAt).toBeLessThanOrEqual(after);
  });

  it('holds one limit for two machines whose clocks are 14 s apart', async () => {
    const schema = await freshSchema();
    const limit = { ratePerSecond: 5, burst: 1 };
    const ahead: Clock = { now: () => Date.now() + 7000 };
    const behind: Clock = { now: () => Date.now() - 7000 };
    const machines = await Promise.all(
      [ahead, behind].map(async (clock) => new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema), clock)], resolveRateLimits({ test: limit }), clock)),
    );
    const started = performance.now();
    const grants = (await Promise.all(machines.map(async (limiter) => [await limiter.acquire('test'), await limiter.acquire('test'), await limiter.acquire('test')]))).flat();
    const slots = grants.map((grant) => grant.slotAt).sort((a, b) => a - b);
    for (let index = 1; index < slots.length; index++) expect(slots[index]! - slots[index - 1]!).toBeGreaterThanOrEqual(spacingMs(limit) - 1e-6);
    // Six requests at 5/s take five spacings, whichever machine's clock is right.
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * spacingMs(limit) - 50);
  });

  it('serves live requests before background work that was waiting', async () => {
    const schema = await freshSchema();
    const limiter = new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema))], resolveRateLimits({ test: { ratePerSecond: 1, burst: 1 } }), systemClock);
    const order: string[] = [];
    const take = (name: string, priority: 'live' | 'background'): Promise<void> =>
      limiter.acquire('test', { priority }).then(() => {
        order.push(name);
      });
    const waiting = [take('live 1', 'live'), take('live 2', 'live'), take('background', 'background')];
    // Long enough for live 2 to be in line at the server on a busy machine (30 ms was not, in one
    // CI run with three test files at a time), far short of live 2's slot a second later.
    await sleep(300);
    waiting.push(take('live 3, asked later', 'live'));
    await Promise.all(waiting);
    expect(order).toEqual(['live 1', 'live 2', 'live 3, asked later', 'background']);
  });

  it('hands back the slot of an aborted wait', async () => {
    const schema = await freshSchema();
    const limit = { ratePerSecond: 2, burst: 1 };
    const limiter = new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema))], resolveRateLimits({ test: limit }), systemClock);
    const taken = await limiter.acquire('test');
    const controller = new AbortController();
    const aborted = limiter.acquire('test', { signal: controller.signal });
    setTimeout(() => {
      controller.abort(new Error('the track changed'));
    }, 20);
    await expect(aborted).rejects.toThrow('the track changed');
    const next = await limiter.acquire('test');
    expect(next.slotAt - taken.slotAt).toBeLessThan(2 * spacingMs(limit));
  });

  it('makes live requests fail fast during a cool-down set on another machine', async () => {
    const schema = await freshSchema();
    const limiter = new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema))], resolveRateLimits({}), systemClock);
    const until = Date.now() + 60_000;
    const task: MachineTask = { command: 'cooldown', cacheDir: await temporaryDirectory(), shared: schema.sharedUrl, provider: 'theaudiodb', until, reason: 'told to by the test' };
    const child = await runTypeScript(MACHINE, [JSON.stringify(task)]);
    expect(child.code, child.stderr).toBe(0);
    const error = await limiter.acquire('theaudiodb').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderCoolingDownError);
    expect(error).toMatchObject({ provider: 'theaudiodb', code: 'ERR_DATACACHE_COOLING_DOWN' });
    // Kept as the same delay in the server's clock (this machine's and the server's agree to a few ms).
    expect(Math.abs((error as ProviderCoolingDownError).until - until)).toBeLessThan(2000);
    const cooldown = await limiter.cooldownOf('theaudiodb');
    expect(cooldown?.reason).toBe('told to by the test');
    await limiter.setCooldown('theaudiodb', until - 30_000); // an earlier deadline does not shorten it
    expect((await limiter.cooldownOf('theaudiodb'))?.until).toBe(cooldown?.until);
    await limiter.clearCooldown('theaudiodb');
    expect(await limiter.activeCooldowns()).toEqual({});
    await expect(limiter.acquire('theaudiodb')).resolves.toMatchObject({ provider: 'theaudiodb' });
  }, 60_000);

  it("counts a cool-down from a machine whose clock is behind in the server's time, for its whole delay", async () => {
    const schema = await freshSchema();
    const behind: Clock = { now: () => Date.now() - 10_000 };
    const store = new PgRateLimitStore(await connectTier(schema), behind);
    // Retry-After: 5 s, reckoned by the late clock: by the server's it would already be over.
    await store.setCooldown('musicbrainz', behind.now() + 5000, 'HTTP 503');
    const now = await serverNow(schema);
    const { musicbrainz } = await store.activeCooldowns();
    expect(musicbrainz?.reason).toBe('HTTP 503');
    expect(musicbrainz!.until - now).toBeGreaterThan(4000);
    expect(musicbrainz!.until - now).toBeLessThanOrEqual(5000);
    expect(Number((await rowOf(schema, 'musicbrainz'))?.cooldown_until)).toBe(musicbrainz!.until);
  });
});

describe.skipIf(postgres === undefined)('four processes on two machines sharing one limit through PostgreSQL', () => {
  it('send at most 2 requests in any second to the origin for 10 s, each process getting a fair share', async () => {
    // 20 grants, as 1/s for 20 s gave before, in half the time.
    const seconds = 10;
    const rate = 2;
    const schema = await freshSchema();
    await connectTier(schema); // the tables, made once before the machines start
    const origin = await startServer({});
    origin.fallback = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    const root = await temporaryDirectory();
    const goFile = join(root, 'go');
    await Promise.all([mkdir(join(root, 'machine-a')), mkdir(join(root, 'machine-b'))]);
    const children = ['a', 'b'].flatMap((machine) =>
      [1, 2].map((process) => {
        const task: MachineTask = {
          command: 'take',
          cacheDir: join(root, `machine-${machine}`),
          shared: schema.sharedUrl,
          provider: 'musicbrainz',
          ratePerSecond: rate,
          goFile,
          durationMs: seconds * 1000,
          origin: origin.url(''),
          name: `${machine}${process}`,
        };
        return startTypeScript(MACHINE, [JSON.stringify(task)]);
      }),
    );
    // The window opens once every child is ready, however long a loaded machine takes to start them.
    await Promise.all(children.map((child) => child.printed('ready')));
    await writeFile(goFile, String(Date.now() + 500));
    const reports = (await Promise.all(children.map((child) => child.exited))).map((result) => lastJsonLine<TakeReport>(result));
    const grants = reports.flatMap((report) => report.grants);
    const slots = grants.map((grant) => grant.slotAt);
    const arrivals = origin.requests.map((request) => request.at).sort((a, b) => a - b);
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]!);
    const shares = reports.map((report) => report.grants.length / grants.length);
    console.log(`4 processes, ${seconds} s at ${rate}/s: ${grants.length} grants, shares ${shares.map((share) => share.toFixed(2)).join(' ')}; busiest second at the origin ${busiestWindow(arrivals, 1000)}, closest arrivals ${Math.min(...gaps)} ms`);

    expect(grants.every((grant) => grant.status === 200)).toBe(true);
    expect(arrivals).toHaveLength(grants.length);
    // In the server's time, where the limit is kept: never two slots in one second.
    expect(busiestWindow(slots, 1000)).toBeLessThanOrEqual(rate);
    for (const grant of grants) expect(grant.grantedAt).toBeGreaterThanOrEqual(grant.slotAt);
    // At the origin, allowing 200 ms for a loaded machine to deliver one request late and the
    // next on time (measured jitter: 10-25 ms; two processes each keeping 1/s of their own
    // send pairs milliseconds apart).
    expect(busiestWindow(arrivals, 1000 - 200)).toBeLessThanOrEqual(rate);
    // And the limit is used: 1 per spacing over the window, less the last one or two.
    expect(grants.length).toBeLessThanOrEqual(rate * seconds + 1);
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor((0.9 * seconds * 1000) / spacingMs({ ratePerSecond: rate, burst: 1 })));
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0.15);
    // The live view sees every machine's grants, each counted once.
    await sleep(1100); // the last grant's second is whole
    const view = new SharedRateLimiter([new PgRateLimitStore(await connectTier(schema))], resolveRateLimits({}), systemClock);
    const perSecond = (await view.recentGrants(60)).musicbrainz ?? [];
    expect(perSecond.reduce((sum, count) => sum + count, 0)).toBe(grants.length);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(rate + 1); // a second of the view may straddle two of the limit's windows
  }, 180_000);
});

describe.skipIf(postgres === undefined)('when the shared tier goes away', () => {
  const own = ownPostgres();

  it("falls back to the machine's store and keeps limiting, and uses the server again once it is back", async () => {
    const server = own();
    const schema = await freshSchema({ url: server.url });
    const tier = await connectTier(schema);
    const { storage } = await openTestStorage();
    const limit = { ratePerSecond: 5, burst: 1 };
    const limiter = new SharedRateLimiter([new PgRateLimitStore(tier), new SqliteRateLimitStore(storage.sharedConnection())], resolveRateLimits({ test: limit }), systemClock);
    const sqliteRow = (): number | undefined => queryDatabase<number>(storage.databasePath, "SELECT next_due_at FROM rate_limits WHERE provider = 'test'");

    await limiter.acquire('test');
    const before = (await rowOf(schema, 'test'))?.next_due_at;
    expect(before).toBeGreaterThan(0);
    expect(sqliteRow()).toBeUndefined();

    await server.stop('fast');
    const during: Grant[] = [];
    for (let index = 0; index < 4; index++) during.push(await limiter.acquire('test'));
    expect(tier.available).toBe(false);
    expect(sqliteRow()).toBeGreaterThan(0); // the machine's store took over
    for (let index = 1; index < during.length; index++) expect(during[index]!.slotAt - during[index - 1]!.slotAt).toBeCloseTo(spacingMs(limit), 6);

    await server.start();
    const deadline = performance.now() + 30_000;
    while (!tier.available && performance.now() < deadline) await sleep(100);
    expect(tier.available).toBe(true);
    const sqliteBefore = sqliteRow();
    await limiter.acquire('test');
    expect((await rowOf(schema, 'test'))?.next_due_at).toBeGreaterThan(before!);
    expect(sqliteRow()).toBe(sqliteBefore);
    // Grants were counted where they passed (1 + 1 on the server, 4 in the machine's store); the live view adds both.
    await sleep(1100);
    expect((await limiter.recentGrants(60)).test?.reduce((sum, count) => sum + count, 0)).toBe(6);
  }, 120_000);
});
