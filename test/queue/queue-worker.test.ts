import { describe, expect, it } from 'vitest';
import { DatabaseChangeWatcher } from '../../src/backends/sqlite/change-watcher.js';
import { QueueWorker, type JobOutcome, type JobRunner } from '../../src/queue/queue-worker.js';
import { RequestQueue } from '../../src/backends/sqlite/sqlite-queue.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { openTestStorage } from '../helpers/storage.js';
import { systemClock } from '../../src/clock.js';

/** A queue and watcher on a fresh cache, on the real clock (the worker sleeps on real timers). */
async function setUp(queueOptions: ConstructorParameters<typeof RequestQueue>[1] = {}) {
  const { storage, cacheDir } = await openTestStorage();
  const connection = storage.sharedConnection();
  const watcher = new DatabaseChangeWatcher(connection);
  const queue = new RequestQueue(connection, { clock: systemClock, onEnqueued: () => { watcher.notify(); }, ...queueOptions });
  return { queue, watcher, cacheDir };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

async function waitUntil(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting until ${what}`);
}

const job = (url: string) => ({ url, provider: 'cdn', request: { url } });

describe('QueueWorker', () => {
  it('runs up to `concurrency` jobs at once, and one slow job holds up none of the others', async () => {
    const { queue, watcher } = await setUp();
    const slow = deferred();
    let running = 0;
    let mostAtOnce = 0;
    const finished: string[] = [];
    const run: JobRunner = async (claimed) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (claimed.url === 'https://i/slow') await slow.promise;
      else await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      finished.push(claimed.url);
      return { outcome: 'done' };
    };
    await queue.enqueue(job('https://i/slow'));
    for (let index = 0; index < 9; index++) await queue.enqueue(job(`https://i/${index}`));
    const worker = new QueueWorker(queue, watcher, run, { concurrency: 3 });
    worker.start();
    await waitUntil(() => finished.length === 9, 'the nine quick jobs finished');
    expect(finished).not.toContain('https://i/slow');
    slow.resolve();
    await waitUntil(() => finished.length === 10, 'the slow job finished');
    expect(mostAtOnce).toBe(3);
    await worker.stop();
    expect(worker.counts.completed).toBe(10);
    expect((await queue.counts()).every((row) => row.state === 'done')).toBe(true);
  });

  it('starts a job queued in this process while it was idle, and one queued by another process', async () => {
    const { queue, watcher, cacheDir } = await setUp();
    const seen: string[] = [];
    const worker = new QueueWorker(queue, watcher, (claimed) => {
      seen.push(claimed.url);
      return Promise.resolve({ outcome: 'done' } as JobOutcome);
    });
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.enqueue(job('https://i/here'));
    await waitUntil(() => seen.includes('https://i/here'), 'the in-process job ran');
    // Another process queues a job through its own connection; only the change watcher can tell us.
    const child = await runTypeScript('../fixtures/queue-client.ts', [cacheDir, 'enqueue']);
    expect(child.code, child.stderr).toBe(0);
    await waitUntil(() => seen.includes('https://i/from-another-process'), "the other process's job ran");
    await worker.stop();
  });

  it('records retries, final failures and deferrals as the runner reports them', async () => {
    const { queue, watcher } = await setUp({ backoffBaseMs: 60_000 });
    const outcomes: Record<string, JobOutcome> = {
      'https://i/retry': { outcome: 'retry', error: 'HTTP 503' },
      'https://i/fail': { outcome: 'failed', error: 'HTTP 404' },
      'https://i/defer': { outcome: 'defer', until: Date.now() + 120_000 },
      'https://i/throws': { outcome: 'done' },
    };
    const worker = new QueueWorker(queue, watcher, (claimed) =>
      claimed.url === 'https://i/throws' ? Promise.reject(new Error('socket hang up')) : Promise.resolve(outcomes[claimed.url]!),
    );
    for (const url of Object.keys(outcomes)) await queue.enqueue(job(url));
    worker.start();
    await waitUntil(() => worker.counts.retried + worker.counts.failed + worker.counts.deferred === 4, 'all four were recorded');
    await worker.stop();
    expect(await queue.get('https://i/retry')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 503' });
    expect(await queue.get('https://i/fail')).toMatchObject({ state: 'failed', lastError: 'HTTP 404' });
    expect(await queue.get('https://i/defer')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await queue.get('https://i/throws')).toMatchObject({ state: 'pending', lastError: 'socket hang up' });
  });

  it('on stop, lets running jobs finish within the grace period, then aborts and hands back the rest', async () => {
    const { queue, watcher } = await setUp();
    const worker = new QueueWorker(
      queue,
      watcher,
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
    await waitUntil(() => worker.runningJobs === 2, 'both jobs started');
    await worker.stop();
    expect(await queue.get('https://i/quick')).toMatchObject({ state: 'done' });
    expect(await queue.get('https://i/stuck')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
    expect(worker.counts).toMatchObject({ completed: 1, released: 1 });
  });
});

describe('the queue across processes', () => {
  it('four processes claim 5,000 jobs and each job is done exactly once', async () => {
    const { queue, cacheDir } = await setUp();
    for (let index = 0; index < 5000; index++) await queue.enqueue(job(`https://i/${index}`));
    const children = await Promise.all(Array.from({ length: 4 }, () => runTypeScript('../fixtures/queue-client.ts', [cacheDir, 'drain'], { timeoutMs: 60_000 })));
    const completed = children.flatMap((child) => lastJsonLine<number[]>(child));
    expect(completed).toHaveLength(5000);
    expect(new Set(completed).size).toBe(5000);
    expect(children.filter((child) => lastJsonLine<number[]>(child).length > 0).length).toBeGreaterThan(1);
    expect(await queue.counts()).toEqual([{ state: 'done', priority: 2, provider: 'cdn', jobs: 5000 }]);
  });

  it("finishes the job of a worker killed with SIGKILL once that worker's lease runs out", async () => {
    const { queue, watcher, cacheDir } = await setUp();
    await queue.enqueue(job('https://i/orphaned'));
    const victim = startTypeScript('../fixtures/queue-client.ts', [cacheDir, 'claim-and-hang']);
    await victim.printed('claimed');
    victim.kill('SIGKILL');
    await victim.exited;
    expect(await queue.get('https://i/orphaned')).toMatchObject({ state: 'running' });
    const worker = new QueueWorker(queue, watcher, () => Promise.resolve({ outcome: 'done' } as JobOutcome));
    worker.start();
    await waitUntil(async () => (await queue.get('https://i/orphaned'))?.state === 'done', 'the orphaned job was done');
    await worker.stop();
    expect(await queue.get('https://i/orphaned')).toMatchObject({ attempts: 2 });
  });

  it('fails a job that freezes every worker process that claims it, after its claims run out, and the jobs behind it still run', async () => {
    const { queue, cacheDir } = await setUp();
    await queue.enqueue({ ...job('https://i/poison'), priority: 1 });
    for (let index = 0; index < 5; index++) await queue.enqueue(job(`https://i/ordinary-${index}`));
    let frozen = 0;
    let output = '';
    // A supervisor's loop: a worker that froze is killed and a fresh one started, as systemd would.
    for (let started = 0; started < 8; started++) {
      const child = startTypeScript('../fixtures/freezing-worker.ts', [cacheDir]);
      const ending = await Promise.race([child.printed('frozen').then(() => 'frozen' as const), child.printed('drained').then(() => 'drained' as const)]);
      if (ending === 'drained') {
        output += (await child.exited).stdout;
        break;
      }
      frozen++;
      // Its lease (500 ms) runs out while it is frozen; then it is killed.
      await new Promise((resolve) => setTimeout(resolve, 700));
      child.kill('SIGKILL');
      output += (await child.exited).stdout;
    }
    expect(frozen).toBe(3);
    expect(await queue.get('https://i/poison')).toMatchObject({ state: 'failed', attempts: 3, abandoned: 3, lastError: 'its worker stopped 3 times without settling it' });
    for (let index = 0; index < 5; index++) expect(output).toContain(`done https://i/ordinary-${index}`);
    expect((await queue.counts()).filter((row) => row.state === 'done').reduce((sum, row) => sum + row.jobs, 0)).toBe(5);
  }, 180_000);
});
