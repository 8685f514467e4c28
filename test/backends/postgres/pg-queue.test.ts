import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSharedOption } from '../../../src/backends/postgres/connection-options.js';
import { PROMOTE_BATCH } from '../../../src/backends/postgres/pg-queue-housekeeping.js';
import { PgChangeFeed } from '../../../src/backends/postgres/pg-change-feed.js';
import { PostgresQueue, QUEUE_CHANNEL } from '../../../src/backends/postgres/pg-queue.js';
import { PostgresTier } from '../../../src/backends/postgres/postgres-tier.js';
import { SERVER_NOW_MS } from '../../../src/backends/postgres/schema.js';
import { ManualClock } from '../../../src/clock.js';
import { SharedTierUnavailableError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { PRIORITY } from '../../../src/queue/job-queue.js';
import type { QueueOptions } from '../../../src/queue/queue-policy.js';
import { QueueWorker, type JobOutcome } from '../../../src/queue/queue-worker.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../../helpers/child-process.js';
import { freshSchema, ownPostgres, postgresForTests, type FreshSchema } from '../../helpers/postgres.js';
import { followUpTests, job } from '../../helpers/queue-contract.js';

// The shared queue on a real PostgreSQL server: everything the SQLite queue's tests check (on
// the real clock: the server's clock cannot be moved, so leases and backoffs are short and
// waited for), then fencing, deferred jobs out of the ready index, and machines as processes.

const postgres = postgresForTests();
const CLIENT = '../backends/postgres/fixtures/pg-queue-client.ts';
const tiers: PostgresTier[] = [];

afterEach(async () => {
  await Promise.all(tiers.splice(0).map((tier) => tier.close()));
});

async function connect(schema: FreshSchema): Promise<PostgresTier> {
  const tier = await PostgresTier.connect(resolveSharedOption('shared', schema.sharedUrl), { logger: silentLogger, cacheDir: '/test/machine' });
  tiers.push(tier);
  expect(tier.available, String(tier.fault)).toBe(true);
  return tier;
}

async function openQueue(options: QueueOptions = {}) {
  const schema = await freshSchema();
  const tier = await connect(schema);
  const queue = new PostgresQueue(tier, options);
  /** The row's own state (ready/waiting/…), which the contract shows as pending. */
  const rowState = async (url: string) => (await tier.query<{ state: string }>('SELECT state FROM queue_jobs WHERE url = $1', [url])).rows[0]?.state;
  return { queue, tier, schema, rowState };
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` (generous: a loaded 2-core machine). */
async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await sleep(20);
  }
}


describe.skipIf(postgres === undefined)('PostgresQueue', () => {
  it('keeps one row per URL, raising its priority, and keeps everything the job needs', async () => {
    const { queue } = await openQueue();
    expect((await queue.enqueue(job('https://i/1', PRIORITY.batch))).added).toBe(true);
    const again = await queue.enqueue({ ...job('https://i/1', PRIORITY.live), request: { other: true } });
    expect(again.added).toBe(false);
    expect(again.job).toMatchObject({ priority: PRIORITY.live, state: 'pending', request: { headers: { accept: 'image/*' }, negativeTtlSeconds: 3600 } });
    await queue.enqueue(job('https://i/1', 5)); // less urgent: no change
    expect((await queue.get('https://i/1'))!.priority).toBe(PRIORITY.live);
    expect((await queue.counts()).reduce((sum, row) => sum + row.jobs, 0)).toBe(1);
  });

  followUpTests(openQueue, until);

  it('claims the most urgent first, oldest first within a priority, and only runnable jobs of the asked providers', async () => {
    const { queue } = await openQueue();
    for (const [url, priority, provider] of [['a', 2, 'cdn'], ['b', 1, 'cdn'], ['c', 2, 'cdn'], ['d', 1, 'musicbrainz'], ['e', 3, 'cdn']] as const) {
      await queue.enqueue(job(`https://i/${url}`, priority, provider));
    }
    expect((await queue.claim('w1', 10, ['cdn'])).map((claimed) => claimed.url)).toEqual(['https://i/b', 'https://i/a', 'https://i/c', 'https://i/e']);
    expect(await queue.claim('w2', 10, ['cdn'])).toEqual([]);
    expect(await queue.hasRunnableWork(['cdn'])).toBe(false);
    expect(await queue.hasRunnableWork(['musicbrainz'])).toBe(true);
    expect((await queue.claim('w2', 10)).map((claimed) => claimed.url)).toEqual(['https://i/d']);
  });

  it('lets another worker take a job whose lease ran out (after a backoff), and refuses the old owner', async () => {
    const { queue } = await openQueue({ leaseMs: 1000, backoffBaseMs: 1500 });
    await queue.enqueue(job('https://i/1'));
    const [first] = await queue.claim('dead worker');
    expect(await queue.claim('other')).toEqual([]);
    await sleep(1100);
    // The lease ran out: the job waits a backoff, as after a failure, so other jobs go first.
    expect(await queue.claim('other')).toEqual([]);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'pending', abandoned: 1, leaseOwner: null });
    let second: Awaited<ReturnType<PostgresQueue['claim']>>[number] | undefined;
    await until(async () => (second = (await queue.claim('other'))[0]) !== undefined, 'the job was claimed again');
    expect(second).toMatchObject({ url: 'https://i/1', attempts: 2, abandoned: 1, leaseOwner: 'other' });
    expect(await queue.complete(first!, 'dead worker')).toBe(false);
    expect(await queue.complete(second!, 'other')).toBe(true);
    expect((await queue.get('https://i/1'))!.state).toBe('done');
  });

  it('fails a job whose workers all stopped without settling it once its claims run out, and runs the jobs behind it meanwhile', async () => {
    const { queue } = await openQueue({ leaseMs: 500, maxAttempts: 3, backoffBaseMs: 100 });
    await queue.enqueue({ ...job('https://i/poison'), priority: 1 });
    await queue.enqueue({ ...job('https://i/ordinary'), priority: 2 });
    const ordinaryDone: string[] = [];
    for (let worker = 1; worker <= 3; worker++) {
      // Each worker claims the most urgent job, the poisoned one, and never comes back (frozen, killed).
      let claimed: string[] = [];
      await until(async () => (claimed = (await queue.claim(`frozen worker ${worker}`)).map((one) => one.url)).length > 0, `frozen worker ${worker} claimed`);
      expect(claimed).toEqual(['https://i/poison']);
      await sleep(600);
      // Its lease ran out: the poisoned job waits its backoff, and the job behind it runs.
      for (const other of await queue.claim(`healthy ${worker}`)) {
        if (await queue.complete(other, `healthy ${worker}`)) ordinaryDone.push(other.url);
      }
    }
    expect(ordinaryDone).toEqual(['https://i/ordinary']);
    // Three claims, none settled: failed for good with why, not handed to a fourth worker.
    expect(await queue.claim('fourth')).toEqual([]);
    expect(await queue.get('https://i/poison')).toMatchObject({ state: 'failed', attempts: 3, abandoned: 3, lastError: 'its worker stopped 3 times without settling it' });
    // Queued again later, it starts afresh.
    await queue.enqueue(job('https://i/poison'));
    expect(await queue.get('https://i/poison')).toMatchObject({ state: 'pending', attempts: 0, abandoned: 0 });
  });

  it('says what went wrong before, when a job that had failed normally is then abandoned by its last worker', async () => {
    const { queue } = await openQueue({ leaseMs: 500, maxAttempts: 2, backoffBaseMs: 0 });
    await queue.enqueue(job('https://i/1'));
    const [first] = await queue.claim('w1');
    expect(await queue.fail(first!, 'w1', 'https://i/1 answered HTTP 500')).toBe('retrying');
    expect(await queue.claim('w2')).toHaveLength(1);
    await sleep(600);
    expect(await queue.claim('w3')).toEqual([]);
    expect((await queue.get('https://i/1'))!.lastError).toBe('its worker stopped 1 time without settling it (the last error before: https://i/1 answered HTTP 500)');
  });

  it('retries with growing backoff, then fails with the last error; failed and finished URLs can be queued again', async () => {
    const { queue, rowState } = await openQueue({ maxAttempts: 3, backoffBaseMs: 1000 });
    await queue.enqueue(job('https://i/1'));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      let claimed: Awaited<ReturnType<PostgresQueue['claim']>>[number] | undefined;
      await until(async () => (claimed = (await queue.claim('w'))[0]) !== undefined, `attempt ${attempt} was claimed`);
      expect(claimed!.attempts).toBe(attempt);
      const result = await queue.fail(claimed!, 'w', `HTTP 500 on attempt ${attempt}`);
      expect(result).toBe(attempt < 3 ? 'retrying' : 'failed');
      const after = (await queue.get('https://i/1'))!;
      if (after.state === 'pending') {
        delays.push(after.availableAt - Date.now());
        expect(await rowState('https://i/1')).toBe('waiting');
        expect(await queue.claim('w')).toEqual([]); // not yet due
      }
    }
    // Backoffs of 500-1000 ms, then 1000-2000 ms (less the time since the failure was recorded).
    expect(delays[0]).toBeGreaterThanOrEqual(300);
    expect(delays[0]).toBeLessThanOrEqual(1050);
    expect(delays[1]).toBeGreaterThanOrEqual(800);
    expect(delays[1]).toBeLessThanOrEqual(2050);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'failed', lastError: 'HTTP 500 on attempt 3' });
    expect((await queue.enqueue(job('https://i/1'))).added).toBe(true);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
    expect(await rowState('https://i/1')).toBe('ready');
  });

  it('releases and defers without counting an attempt, to waiting (not ready) until due, and honours a retry time the provider gave', async () => {
    const { queue, rowState } = await openQueue();
    await queue.enqueue(job('https://i/1'));
    const [claimed] = await queue.claim('w');
    const releasedAt = Date.now();
    expect(await queue.release(claimed!, 'w', releasedAt + 1500)).toBe(true);
    const released = (await queue.get('https://i/1'))!;
    expect(released).toMatchObject({ state: 'pending', attempts: 0 });
    expect(Math.abs(released.availableAt - (releasedAt + 1500))).toBeLessThan(250);
    expect(await rowState('https://i/1')).toBe('waiting');
    expect(await queue.claim('w')).toEqual([]);
    expect(await queue.hasRunnableWork()).toBe(false);
    let again: Awaited<ReturnType<PostgresQueue['claim']>>[number] | undefined;
    await until(async () => (again = (await queue.claim('w'))[0]) !== undefined, 'the deferred job fell due');
    expect(Date.now()).toBeGreaterThanOrEqual(releasedAt + 1400);
    const failedAt = Date.now();
    await queue.fail(again!, 'w', 'HTTP 429', { retryAt: failedAt + 7000 });
    expect(Math.abs((await queue.get('https://i/1'))!.availableAt - (failedAt + 7000))).toBeLessThan(250);
    expect(await rowState('https://i/1')).toBe('waiting');
    // Released with no time (or one already past), a job is ready at once.
    await queue.enqueue(job('https://i/2'));
    const [two] = await queue.claim('w');
    expect(await queue.release(two!, 'w')).toBe(true);
    expect(await rowState('https://i/2')).toBe('ready');
  });

  it('removes done jobs after their own retention period, failed ones after theirs, in many small statements', async () => {
    const { queue } = await openQueue({ doneRetentionMs: 1500, retentionMs: 4000 });
    for (let index = 0; index < 1200; index++) await queue.enqueue(job(`https://i/done/${String(index)}`));
    expect(await queue.completeAll(await queue.claim('w', 1200), 'w')).toBe(1200);
    await queue.enqueue(job('https://i/failed'));
    const [failing] = await queue.claim('w');
    await queue.fail(failing!, 'w', 'gone', { final: true });
    await queue.enqueue(job('https://i/pending'));
    expect(await queue.removeFinished()).toBe(0);
    await sleep(1600);
    expect(await queue.removeFinished()).toBe(1200); // three statements of at most 500
    expect((await queue.get('https://i/failed'))?.state).toBe('failed');
    await until(async () => (await queue.removeFinished()) === 1, 'the failed job was removed');
    expect((await queue.get('https://i/failed'))).toBeNull();
    expect((await queue.get('https://i/pending'))?.state).toBe('pending');
  });

  it('removes finished jobs after the retention period, retries failed ones on request, and clears', async () => {
    const { queue } = await openQueue({ retentionMs: 1000, doneRetentionMs: 1000 });
    for (const url of ['https://i/1', 'https://i/2', 'https://i/3']) await queue.enqueue(job(url));
    const [one, two] = await queue.claim('w', 2);
    await queue.complete(one!, 'w');
    await queue.fail(two!, 'w', 'gone', { final: true });
    expect(await queue.removeFinished()).toBe(0);
    expect(await queue.retryFailed()).toBe(1);
    expect(await queue.get('https://i/2')).toMatchObject({ state: 'pending', attempts: 0, abandoned: 0 });
    await sleep(1100);
    expect(await queue.removeFinished()).toBe(1);
    expect(await queue.clear()).toBe(2);
  });

  it('completes a claimed batch in one go, skipping jobs whose lease another worker took over', async () => {
    const { queue } = await openQueue({ leaseMs: 500, backoffBaseMs: 0 });
    for (const url of ['https://i/1', 'https://i/2', 'https://i/3']) await queue.enqueue(job(url));
    expect(await queue.completeAll(await queue.claim('w1', 2), 'w1')).toBe(2);
    const late = await queue.claim('w1', 1);
    await sleep(600);
    expect(await queue.claim('w2', 1)).toHaveLength(1); // the lease ran out: w2 runs it now
    expect(await queue.completeAll(late, 'w1')).toBe(0);
    expect((await queue.get('https://i/3'))!.leaseOwner).toBe('w2');
  });

  it('rejects bad arguments with typed errors', async () => {
    const { queue } = await openQueue();
    await expect(queue.enqueue({ url: '', provider: 'cdn', request: {} })).rejects.toThrow(/url must not be empty/);
    await expect(queue.enqueue({ url: 'x', provider: 'cdn', request: [] as never })).rejects.toThrow(/request must be a JSON object/);
    await expect(queue.enqueue({ url: 'x', provider: 'cdn', request: {}, priority: 1.5 })).rejects.toThrow(/priority must be a whole number/);
    await expect(queue.list({ state: 'ready' as never })).rejects.toThrow(/state must be pending, running, done or failed/);
  });

  it('fences every claim with a new token: a worker whose lease ran out cannot complete, fail, release or extend, even after claiming the job again', async () => {
    const { queue } = await openQueue({ leaseMs: 500, backoffBaseMs: 0 });
    await queue.enqueue(job('https://i/1'));
    const [stale] = await queue.claim('w');
    expect(stale!.leaseToken).toEqual(expect.any(Number));
    await sleep(600);
    // The same owner claims it again: only the token tells the two claims apart.
    const [fresh] = await queue.claim('w');
    expect(fresh).toMatchObject({ id: stale!.id, attempts: 2, abandoned: 1 });
    expect(fresh!.leaseToken).toBeGreaterThan(stale!.leaseToken!);
    expect(await queue.complete(stale!, 'w')).toBe(false);
    expect(await queue.completeAll([stale!], 'w')).toBe(0);
    expect(await queue.fail(stale!, 'w', 'late')).toBe('lost');
    expect(await queue.fail(stale!, 'w', 'late', { final: true })).toBe('lost');
    expect(await queue.release(stale!, 'w')).toBe(false);
    expect(await queue.extendLease(stale!, 'w')).toBe(false);
    expect(await queue.complete(fresh!, 'someone else')).toBe(false);
    expect(await queue.extendLease(fresh!, 'w')).toBe(true);
    expect(await queue.complete(fresh!, 'w')).toBe(true);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'done', lastError: null, leaseOwner: null });
  });

  it('keeps a lease that was extended in time, and lets it run out when it was not', async () => {
    const { queue } = await openQueue({ leaseMs: 2000, backoffBaseMs: 0 });
    await queue.enqueue(job('https://i/1'));
    const [claimed] = await queue.claim('w');
    for (let beat = 0; beat < 4; beat++) {
      await sleep(600);
      expect(await queue.extendLease(claimed!, 'w')).toBe(true);
      expect(await queue.claim('other')).toEqual([]);
    }
    await until(async () => (await queue.claim('other')).length === 1, 'the unextended lease ran out');
    expect(await queue.complete(claimed!, 'w')).toBe(false);
  });

  it('claimUrl takes the URL for a live fetch, or says until when (in the caller\'s clock) another owner holds it', async () => {
    // This machine's clock is years off the server's: every time it sees is in its own clock.
    const clock = new ManualClock(Date.UTC(2031, 0, 1));
    const { queue } = await openQueue({ clock, leaseMs: 20_000 });
    const first = await queue.claimUrl('https://i/live', 'cdn', 'a', { url: 'https://i/live' });
    expect('claimed' in first && first.claimed).toMatchObject({ state: 'running', attempts: 1, priority: 0, leaseOwner: 'a' });
    const claimed = 'claimed' in first ? first.claimed : undefined;
    expect(Math.abs(claimed!.leaseUntil! - (clock.now() + 20_000))).toBeLessThan(100);
    expect(Math.abs(claimed!.createdAt - clock.now())).toBeLessThan(100);
    const busy = await queue.claimUrl('https://i/live', 'cdn', 'b', { url: 'https://i/live' });
    expect('busyUntil' in busy).toBe(true);
    const busyUntil = 'busyUntil' in busy ? busy.busyUntil : 0;
    expect(busyUntil).toBeGreaterThan(clock.now() + 19_000);
    expect(busyUntil).toBeLessThanOrEqual(clock.now() + 20_000);
    // The same owner may take it again (a new claim, a new token); once done, anyone may.
    const again = await queue.claimUrl('https://i/live', 'cdn', 'a', { url: 'https://i/live' });
    expect('claimed' in again && again.claimed.leaseToken! > claimed!.leaseToken!).toBe(true);
    expect(await queue.complete(claimed!, 'a')).toBe(false);
    expect(await queue.complete('claimed' in again ? again.claimed : claimed!, 'a')).toBe(true);
    const later = await queue.claimUrl('https://i/live', 'cdn', 'b', { url: 'https://i/live', again: true });
    expect('claimed' in later && later.claimed).toMatchObject({ leaseOwner: 'b', attempts: 1, request: { again: true } });
    // A queued batch job is taken over by a live claim, at the live priority.
    await queue.enqueue(job('https://i/queued', PRIORITY.batch));
    const queued = await queue.claimUrl('https://i/queued', 'cdn', 'c', {});
    expect('claimed' in queued && queued.claimed).toMatchObject({ priority: 0, attempts: 1, request: { identifier: 'air' } });
    // nextDueAt is in this machine's clock too: the first lease to run out.
    const nextDue = (await queue.nextDueAt())!;
    expect(nextDue).toBeGreaterThan(clock.now() + 15_000);
    expect(nextDue).toBeLessThanOrEqual(clock.now() + 20_000);
  });

  it('says `added` once when many connections queue the same URL at once, and gives a URL to one live claim at a time', async () => {
    const { queue } = await openQueue();
    const enqueued = await Promise.all(Array.from({ length: 20 }, () => queue.enqueue(job('https://i/same'))));
    expect(enqueued.filter((result) => result.added)).toHaveLength(1);
    expect(new Set(enqueued.map((result) => result.job.id)).size).toBe(1);
    const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => queue.claimUrl('https://i/live', 'cdn', `owner ${index}`, {})));
    expect(claims.filter((claim) => 'claimed' in claim)).toHaveLength(1);
    expect(claims.filter((claim) => 'busyUntil' in claim)).toHaveLength(19);
  });

  it('shows ready and waiting jobs as pending in counts, lists and errors, latest error first', async () => {
    const { queue, rowState } = await openQueue({ backoffBaseMs: 60_000 });
    for (const url of ['https://i/1', 'https://i/2', 'https://i/3', 'https://i/4']) await queue.enqueue(job(url));
    const [one, two, three] = await queue.claim('w', 3);
    await queue.fail(one!, 'w', 'HTTP 503'); // waiting
    await queue.fail(two!, 'w', 'HTTP 404', { final: true });
    expect(await rowState('https://i/1')).toBe('waiting');
    expect(await rowState('https://i/4')).toBe('ready');
    expect(await queue.counts()).toEqual([
      { state: 'failed', priority: 2, provider: 'cdn', jobs: 1 },
      { state: 'pending', priority: 2, provider: 'cdn', jobs: 2 },
      { state: 'running', priority: 2, provider: 'cdn', jobs: 1 },
    ]);
    expect((await queue.list()).map((listed) => [listed.url, listed.state])).toEqual([
      [three!.url, 'running'],
      ['https://i/1', 'pending'],
      ['https://i/4', 'pending'],
      ['https://i/2', 'failed'],
    ]);
    expect((await queue.list({ state: 'pending', limit: 1 })).map((listed) => listed.url)).toEqual(['https://i/1']);
    expect((await queue.recentErrors()).map((listed) => [listed.url, listed.lastError])).toEqual([
      ['https://i/2', 'HTTP 404'],
      ['https://i/1', 'HTTP 503'],
    ]);
    const next = (await queue.nextDueAt())!;
    expect(next).toBeLessThanOrEqual(Date.now() + 50); // a ready job is there now
  });

  it('claims only ready jobs with 20,000 deferred jobs waiting, then the deferred ones once due, promoted in bounded batches', async () => {
    const { queue, tier } = await openQueue();
    const dueInMs = 3000;
    const insertStarted = Date.now();
    await tier.query(
      `INSERT INTO queue_jobs (url, provider, priority, request, state, available_at, created_at, updated_at)
       SELECT 'https://deferred/' || n, 'musicbrainz', 1, '{}', 'waiting', ${SERVER_NOW_MS} + $1::bigint, ${SERVER_NOW_MS}, ${SERVER_NOW_MS} FROM generate_series(1, 20000) AS n`,
      [dueInMs],
    );
    const insertEnded = Date.now();
    for (let index = 0; index < 20; index++) await queue.enqueue(job(`https://ready/${index}`, PRIORITY.batch));
    // The deferred jobs are more urgent, but not due: only the ready ones come.
    const claimed = await queue.claim('w', 100);
    expect(claimed.map((one) => one.url).sort()).toEqual(Array.from({ length: 20 }, (_, index) => `https://ready/${index}`).sort());
    expect(await queue.claim('w', 100)).toEqual([]);
    expect(await queue.hasRunnableWork()).toBe(false);
    const next = (await queue.nextDueAt())!;
    expect(next).toBeGreaterThanOrEqual(insertStarted + dueInMs - 50);
    expect(next).toBeLessThanOrEqual(insertEnded + dueInMs + 50);
    await until(() => Date.now() >= next, 'the deferred jobs fell due');
    expect(await queue.hasRunnableWork()).toBe(true);
    const firstBatch = await queue.claim('w', 10);
    expect(firstBatch).toHaveLength(10);
    // One claim promotes one bounded batch, not the whole backlog in one statement.
    const { rows } = await tier.query<{ moved: number }>("SELECT count(*) AS moved FROM queue_jobs WHERE url LIKE 'https://deferred/%' AND state IN ('ready', 'running')");
    expect(rows[0]!.moved).toBeLessThanOrEqual(PROMOTE_BATCH);
    const seen = new Set(firstBatch.map((one) => one.id));
    for (;;) {
      const batch = await queue.claim('w', 1000);
      if (batch.length === 0) break;
      for (const one of batch) seen.add(one.id);
    }
    expect(seen.size).toBe(20_000);
    expect(await queue.counts()).toEqual([
      { state: 'running', priority: 1, provider: 'musicbrainz', jobs: 20_000 },
      { state: 'running', priority: 2, provider: 'cdn', jobs: 20 },
    ]);
  }, 120_000);

  it('announces a queued job to listeners on another machine through NOTIFY, in the same transaction', async () => {
    const { queue, schema } = await openQueue();
    const elsewhere = await connect(schema);
    const heard: string[] = [];
    elsewhere.listen(QUEUE_CHANNEL, (payload) => heard.push(payload));
    await until(() => heard.includes(''), 'the listening connection was made');
    const child = await runTypeScript(CLIENT, [schema.sharedUrl, 'enqueue', 'https://i/from-another-machine']);
    expect(lastJsonLine<{ added: boolean }>(child)).toEqual({ added: true });
    await until(() => heard.includes('cdn'), 'the other machine heard of the job');
    expect(await new PostgresQueue(elsewhere).hasRunnableWork()).toBe(true);
    expect((await queue.claim('here')).map((claimed) => claimed.url)).toEqual(['https://i/from-another-machine']);
    // Merging into a job already queued runs nothing new: no announcement (only the next job's, after it).
    heard.length = 0;
    await queue.enqueue(job('https://i/from-another-machine', PRIORITY.live));
    await queue.enqueue(job('https://i/another', PRIORITY.batch, 'lastfm'));
    await until(() => heard.length > 0, 'the second job was announced');
    expect(heard).toEqual(['lastfm']);
  });

  it('two machines claim 5,000 jobs and each job is done exactly once', async () => {
    const { queue, tier, schema } = await openQueue();
    await tier.query(
      `INSERT INTO queue_jobs (url, provider, priority, request, state, available_at, created_at, updated_at)
       SELECT 'https://i/' || n, 'cdn', 2, '{}', 'ready', ${SERVER_NOW_MS}, ${SERVER_NOW_MS}, ${SERVER_NOW_MS} FROM generate_series(1, 5000) AS n`,
    );
    const startAt = String(Date.now() + 3000);
    const children = await Promise.all([0, 1].map(() => runTypeScript(CLIENT, [schema.sharedUrl, 'drain', '25', startAt], { timeoutMs: 120_000 })));
    const completed = children.flatMap((child) => lastJsonLine<number[]>(child));
    expect(completed).toHaveLength(5000);
    expect(new Set(completed).size).toBe(5000);
    expect(children.every((child) => lastJsonLine<number[]>(child).length > 0)).toBe(true);
    expect(await queue.counts()).toEqual([{ state: 'done', priority: 2, provider: 'cdn', jobs: 5000 }]);
  }, 180_000);

  it("runs a SIGKILLed machine's jobs on another machine once their lease runs out, each completed once", async () => {
    const { queue, schema } = await openQueue();
    for (let index = 0; index < 100; index++) await queue.enqueue(job(`https://i/${index}`));
    const leaseMs = 1500;
    const victim = startTypeScript(CLIENT, [schema.sharedUrl, 'claim-and-hang', '20', String(leaseMs)]);
    await victim.printed('claimed ');
    const orphaned = /claimed ([\d,]+)/.exec(victim.stdout())![1]!.split(',').map(Number);
    expect(orphaned).toHaveLength(20);
    victim.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    const survivor = await runTypeScript(CLIENT, [schema.sharedUrl, 'drain-all', '100'], { timeoutMs: 120_000 });
    const completed = lastJsonLine<number[]>(survivor);
    expect(completed).toHaveLength(100);
    expect(new Set(completed).size).toBe(100);
    const jobs = await queue.list({ limit: 1000 });
    expect(jobs.every((one) => one.state === 'done')).toBe(true);
    const lastOrphanDone = Math.max(...jobs.filter((one) => orphaned.includes(one.id)).map((one) => one.updatedAt));
    expect(lastOrphanDone - killedAt).toBeLessThanOrEqual(leaseMs + 10_000);
    for (const one of jobs) expect(one).toMatchObject(orphaned.includes(one.id) ? { attempts: 2, abandoned: 1 } : { attempts: 1, abandoned: 0 });
  }, 180_000);
});

describe.skipIf(postgres === undefined)('QueueWorker on the shared queue', () => {
  async function setUp(options: QueueOptions = {}) {
    const opened = await openQueue(options);
    const feed = new PgChangeFeed(opened.tier);
    const queue = new PostgresQueue(opened.tier, { onEnqueued: () => { feed.notify(); }, ...options });
    return { ...opened, queue, feed };
  }

  it('runs up to `concurrency` jobs at once, and one slow job holds up none of the others', async () => {
    const { queue, feed } = await setUp();
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    let running = 0;
    let mostAtOnce = 0;
    const finished: string[] = [];
    await queue.enqueue(job('https://i/slow'));
    for (let index = 0; index < 9; index++) await queue.enqueue(job(`https://i/${index}`));
    const worker = new QueueWorker(queue, feed, async (claimed) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (claimed.url === 'https://i/slow') await slow;
      else await sleep(5);
      running--;
      finished.push(claimed.url);
      return { outcome: 'done' };
    }, { concurrency: 3 });
    worker.start();
    await until(() => finished.length === 9, 'the nine quick jobs finished');
    expect(finished).not.toContain('https://i/slow');
    releaseSlow();
    await until(() => finished.length === 10, 'the slow job finished');
    expect(mostAtOnce).toBe(3);
    await worker.stop();
    expect(worker.counts.completed).toBe(10);
    expect((await queue.counts()).every((row) => row.state === 'done')).toBe(true);
  });

  it('starts a job queued on this machine while it was idle, and one queued by another machine', async () => {
    const { queue, feed, schema } = await setUp();
    const seen: string[] = [];
    const worker = new QueueWorker(queue, feed, (claimed) => {
      seen.push(claimed.url);
      return Promise.resolve({ outcome: 'done' } as JobOutcome);
    });
    worker.start();
    await sleep(50);
    await queue.enqueue(job('https://i/here'));
    await until(() => seen.includes('https://i/here'), 'the job queued here ran');
    const child = await runTypeScript(CLIENT, [schema.sharedUrl, 'enqueue', 'https://i/from-another-machine']);
    expect(child.code, child.stderr).toBe(0);
    await until(() => seen.includes('https://i/from-another-machine'), "the other machine's job ran");
    await worker.stop();
  });

  it('records retries, final failures and deferrals as the runner reports them', async () => {
    const { queue, feed, rowState } = await setUp({ backoffBaseMs: 60_000 });
    const outcomes: Record<string, JobOutcome> = {
      'https://i/retry': { outcome: 'retry', error: 'HTTP 503' },
      'https://i/fail': { outcome: 'failed', error: 'HTTP 404' },
      'https://i/defer': { outcome: 'defer', until: Date.now() + 120_000 },
      'https://i/throws': { outcome: 'done' },
    };
    const worker = new QueueWorker(queue, feed, (claimed) =>
      claimed.url === 'https://i/throws' ? Promise.reject(new Error('socket hang up')) : Promise.resolve(outcomes[claimed.url]!),
    );
    for (const url of Object.keys(outcomes)) await queue.enqueue(job(url));
    worker.start();
    await until(() => worker.counts.retried + worker.counts.failed + worker.counts.deferred === 4, 'all four were recorded');
    await worker.stop();
    expect(await queue.get('https://i/retry')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 503' });
    expect(await queue.get('https://i/fail')).toMatchObject({ state: 'failed', lastError: 'HTTP 404' });
    expect(await queue.get('https://i/defer')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await queue.get('https://i/throws')).toMatchObject({ state: 'pending', lastError: 'socket hang up' });
    for (const url of ['https://i/retry', 'https://i/defer', 'https://i/throws']) expect(await rowState(url)).toBe('waiting');
  });

  it('on stop, lets running jobs finish within the grace period, then aborts and hands back the rest', async () => {
    const { queue, feed } = await setUp();
    const worker = new QueueWorker(
      queue,
      feed,
      (claimed, signal) =>
        new Promise((resolve, reject) => {
          if (claimed.url === 'https://i/quick') setTimeout(() => { resolve({ outcome: 'done' }); }, 30);
          signal.addEventListener('abort', () => { reject(signal.reason as Error); });
        }),
      { stopGraceMs: 200 },
    );
    await queue.enqueue(job('https://i/quick'));
    await queue.enqueue(job('https://i/stuck'));
    worker.start();
    await until(() => worker.runningJobs === 2, 'both jobs started');
    await worker.stop();
    expect(await queue.get('https://i/quick')).toMatchObject({ state: 'done' });
    expect(await queue.get('https://i/stuck')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
    expect(worker.counts).toMatchObject({ completed: 1, released: 1 });
  });
});

describe.skipIf(postgres === undefined)('PostgresQueue when the server goes away', () => {
  const server = ownPostgres();

  it('fails claims with SharedTierUnavailableError, answers "nothing runnable" to a woken worker, and works again once the server is back', async () => {
    const schema = await freshSchema({ url: server().url });
    const tier = await connect(schema);
    const queue = new PostgresQueue(tier);
    await queue.enqueue(job('https://i/1'));
    await server().stop('fast');
    await expect(queue.claim('w')).rejects.toBeInstanceOf(SharedTierUnavailableError);
    expect(await queue.hasRunnableWork()).toBe(false);
    await expect(queue.enqueue(job('https://i/2'))).rejects.toBeInstanceOf(SharedTierUnavailableError);
    await server().start();
    await until(() => tier.available, 'the tier was back', 60_000);
    expect(await queue.hasRunnableWork()).toBe(true);
    expect((await queue.claim('w')).map((claimed) => claimed.url)).toEqual(['https://i/1']);
  }, 120_000);
});
