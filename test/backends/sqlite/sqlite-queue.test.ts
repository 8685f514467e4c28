import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../../src/backends/sqlite/sqlite-queue.js';
import { PRIORITY } from '../../../src/queue/job-queue.js';
import { openTestStorage } from '../../helpers/storage.js';
import { followUpTests, job } from '../../helpers/queue-contract.js';

async function openQueue(options: ConstructorParameters<typeof RequestQueue>[1] = {}) {
  const { storage, clock, cacheDir } = await openTestStorage();
  return { queue: new RequestQueue(storage.sharedConnection(), { clock, ...options }), clock, cacheDir };
}

/** Polls until `condition` holds (the SQLite queue's clock is manual here: it holds at once or never). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) if (await condition()) return;
  throw new Error(`gave up waiting until ${what}`);
}


describe('RequestQueue', () => {
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
    expect((await queue.claim('w2', 10)).map((claimed) => claimed.url)).toEqual(['https://i/d']);
  });

  it('lets another worker take a job whose lease ran out (after a backoff), and refuses the old owner', async () => {
    const { queue, clock } = await openQueue({ leaseMs: 1000, backoffBaseMs: 500 });
    await queue.enqueue(job('https://i/1'));
    const [first] = await queue.claim('dead worker');
    expect(await queue.claim('other')).toEqual([]);
    clock.advance(1001);
    // The lease ran out: the job waits a backoff, as after a failure, so other jobs go first.
    expect(await queue.claim('other')).toEqual([]);
    clock.advance(500);
    const [second] = await queue.claim('other');
    expect(second).toMatchObject({ url: 'https://i/1', attempts: 2, abandoned: 1, leaseOwner: 'other' });
    expect(await queue.complete(first!, 'dead worker')).toBe(false);
    expect(await queue.complete(second!, 'other')).toBe(true);
    expect((await queue.get('https://i/1'))!.state).toBe('done');
  });

  it('fails a job whose workers all stopped without settling it once its claims run out, and runs the jobs behind it meanwhile', async () => {
    const { queue, clock } = await openQueue({ leaseMs: 1000, maxAttempts: 3, backoffBaseMs: 100 });
    await queue.enqueue({ ...job('https://i/poison'), priority: 1 });
    await queue.enqueue({ ...job('https://i/ordinary'), priority: 2 });
    const ordinaryDone: string[] = [];
    for (let worker = 1; worker <= 3; worker++) {
      // Each worker claims the most urgent job, the poisoned one, and never comes back (frozen, killed).
      const claimed = await queue.claim(`frozen worker ${worker}`);
      expect(claimed.map((one) => one.url)).toEqual(['https://i/poison']);
      clock.advance(1001);
      // Its lease ran out: the poisoned job waits its backoff, and the job behind it runs.
      for (const other of await queue.claim(`healthy ${worker}`)) {
        if (await queue.complete(other, `healthy ${worker}`)) ordinaryDone.push(other.url);
      }
      clock.advance(100 * 2 ** (worker - 1));
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
    const { queue, clock } = await openQueue({ leaseMs: 1000, maxAttempts: 2, backoffBaseMs: 0 });
    await queue.enqueue(job('https://i/1'));
    const [first] = await queue.claim('w1');
    expect(await queue.fail(first!, 'w1', 'https://i/1 answered HTTP 500')).toBe('retrying');
    await queue.claim('w2');
    clock.advance(1001);
    expect(await queue.claim('w3')).toEqual([]);
    expect((await queue.get('https://i/1'))!.lastError).toBe('its worker stopped 1 time without settling it (the last error before: https://i/1 answered HTTP 500)');
  });

  it('retries with growing backoff, then fails with the last error; failed and finished URLs can be queued again', async () => {
    const { queue, clock } = await openQueue({ maxAttempts: 3, backoffBaseMs: 1000 });
    await queue.enqueue(job('https://i/1'));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [claimed] = await queue.claim('w');
      expect(claimed!.attempts).toBe(attempt);
      const result = await queue.fail(claimed!, 'w', `HTTP 500 on attempt ${attempt}`);
      expect(result).toBe(attempt < 3 ? 'retrying' : 'failed');
      const after = (await queue.get('https://i/1'))!;
      if (after.state === 'pending') {
        delays.push(after.availableAt - clock.now());
        expect(await queue.claim('w')).toEqual([]); // not yet due
        clock.set(after.availableAt);
      }
    }
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1000);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(delays[1]).toBeLessThanOrEqual(2000);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'failed', lastError: 'HTTP 500 on attempt 3' });
    expect((await queue.enqueue(job('https://i/1'))).added).toBe(true);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
  });

  it('releases and defers without counting an attempt, and honours a retry time the provider gave', async () => {
    const { queue, clock } = await openQueue();
    await queue.enqueue(job('https://i/1'));
    const [claimed] = await queue.claim('w');
    expect(await queue.release(claimed!, 'w', clock.now() + 60_000)).toBe(true);
    expect(await queue.get('https://i/1')).toMatchObject({ state: 'pending', attempts: 0, availableAt: clock.now() + 60_000 });
    clock.advance(60_000);
    const [again] = await queue.claim('w');
    await queue.fail(again!, 'w', 'HTTP 429', { retryAt: clock.now() + 7000 });
    expect((await queue.get('https://i/1'))!.availableAt).toBe(clock.now() + 7000);
  });

  it('removes done jobs after their own retention period, failed ones after theirs, in many small transactions', async () => {
    const { queue, clock } = await openQueue({ doneRetentionMs: 1000, retentionMs: 5000 });
    for (let index = 0; index < 1200; index++) await queue.enqueue(job(`https://i/done/${String(index)}`));
    await queue.completeAll(await queue.claim('w', 1200), 'w');
    await queue.enqueue(job('https://i/failed'));
    const [failing] = await queue.claim('w');
    await queue.fail(failing!, 'w', 'gone', { final: true });
    await queue.enqueue(job('https://i/pending'));
    expect(await queue.removeFinished()).toBe(0);
    clock.advance(1001);
    expect(await queue.removeFinished()).toBe(1200); // three transactions of at most 500
    expect((await queue.get('https://i/failed'))?.state).toBe('failed');
    clock.advance(4000);
    expect(await queue.removeFinished()).toBe(1);
    expect((await queue.get('https://i/pending'))?.state).toBe('pending');
  });

  it('removes finished jobs after the retention period, retries failed ones on request, and clears', async () => {
    const { queue, clock } = await openQueue({ retentionMs: 1000, doneRetentionMs: 1000 });
    for (const url of ['https://i/1', 'https://i/2', 'https://i/3']) await queue.enqueue(job(url));
    const [one, two] = await queue.claim('w', 2);
    await queue.complete(one!, 'w');
    await queue.fail(two!, 'w', 'gone', { final: true });
    expect(await queue.removeFinished()).toBe(0);
    expect(await queue.retryFailed()).toBe(1);
    clock.advance(1001);
    expect(await queue.removeFinished()).toBe(1);
    expect(await queue.clear()).toBe(2);
  });

  it('completes a claimed batch in one go, skipping jobs whose lease another worker took over', async () => {
    const { queue, clock } = await openQueue({ leaseMs: 1000, backoffBaseMs: 0 });
    for (const url of ['https://i/1', 'https://i/2', 'https://i/3']) await queue.enqueue(job(url));
    expect(await queue.completeAll(await queue.claim('w1', 2), 'w1')).toBe(2);
    const late = await queue.claim('w1', 1);
    clock.advance(1001);
    await queue.claim('w2', 1); // the lease ran out: w2 runs it now
    expect(await queue.completeAll(late, 'w1')).toBe(0);
    expect((await queue.get('https://i/3'))!.leaseOwner).toBe('w2');
  });

  it('answers counts from totals its triggers keep, which match a count of the rows after every kind of change', async () => {
    const { queue, clock, cacheDir } = await openQueue({ maxAttempts: 2 });
    const counted = (): unknown[] => {
      const database = new Database(join(cacheDir, 'datacache.sqlite'), { readonly: true });
      try {
        return database.prepare('SELECT state, priority, provider, count(*) AS jobs FROM queue_jobs GROUP BY state, priority, provider ORDER BY state, priority, provider').all();
      } finally {
        database.close();
      }
    };
    const check = async (): Promise<void> => {
      expect(await queue.counts()).toEqual(counted());
    };
    for (let index = 0; index < 12; index++) await queue.enqueue(job(`https://i/${index}`, index % 3, index % 2 === 0 ? 'cdn' : 'musicbrainz'));
    await check();
    await queue.enqueue(job('https://i/1', PRIORITY.live, 'musicbrainz')); // a more urgent priority moves the job
    await check();
    const claimed = await queue.claim('w1', 6);
    await check();
    await queue.complete(claimed[0]!, 'w1');
    await queue.fail(claimed[1]!, 'w1', 'boom', { final: true });
    await queue.fail(claimed[2]!, 'w1', 'again later');
    await queue.release(claimed[3]!, 'w1');
    await queue.completeAll(claimed.slice(4), 'w1');
    await check();
    await queue.retryFailed();
    await check();
    clock.advance(30 * 86_400_000);
    await queue.removeFinished();
    await check();
    await queue.clear();
    await check();
    expect((await queue.counts()).every((row) => row.jobs > 0)).toBe(true);
  });

  it('rejects bad arguments with typed errors', async () => {
    const { queue } = await openQueue();
    await expect(queue.enqueue({ url: '', provider: 'cdn', request: {} })).rejects.toThrow(/url must not be empty/);
    await expect(queue.enqueue({ url: 'x', provider: 'cdn', request: [] as never })).rejects.toThrow(/request must be a JSON object/);
    await expect(queue.enqueue({ url: 'x', provider: 'cdn', request: {}, priority: 1.5 })).rejects.toThrow(/priority must be a whole number/);
  });
});
