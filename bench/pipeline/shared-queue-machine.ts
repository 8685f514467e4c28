/**
 * A machine of the shared-queue benchmark: its own process and connections, the same URL.
 * Prints `ready` once connected (and listening, for the workers), then:
 *   shared-queue-machine.ts <sharedUrl> drain <batch>           on a `go` line on stdin, claims `batch` jobs at a time and completes
 *                                                                them in one statement until none is left; prints { completed, finishedAt }
 *   shared-queue-machine.ts <sharedUrl> worker <expected>       a QueueWorker woken through LISTEN; records, per job, when it started
 *                                                                (and, for jobs carrying `sentAt`, how long after it was queued); exits
 *                                                                after `expected` jobs, printing { latenciesMs, startedAt }
 *   shared-queue-machine.ts <sharedUrl> claim-and-hang <n> <lease>  claims n jobs with a `lease` ms lease, prints "claimed", hangs
 */
import { createInterface } from 'node:readline';
import { resolveSharedOption } from '../../src/backends/postgres/connection-options.js';
import { PgChangeFeed } from '../../src/backends/postgres/pg-change-feed.js';
import { PostgresQueue, QUEUE_CHANNEL } from '../../src/backends/postgres/pg-queue.js';
import { PostgresTier } from '../../src/backends/postgres/postgres-tier.js';
import { silentLogger } from '../../src/logger.js';
import { QueueWorker } from '../../src/queue/queue-worker.js';

/** Epoch milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

const [sharedUrl, mode, first, second] = process.argv.slice(2);
const tier = await PostgresTier.connect(resolveSharedOption('shared', sharedUrl), { logger: silentLogger, cacheDir: `bench-machine-${process.pid}` });
if (!tier.available) throw new Error(`the shared tier is not available: ${String(tier.fault)}`);
const owner = `bench-${process.pid}`;

if (mode === 'drain') {
  const queue = new PostgresQueue(tier);
  const batch = Number(first);
  console.log('ready');
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      // Stdin stays open otherwise, and so would this process.
      lines.close();
      process.stdin.destroy();
      resolve();
    });
  });
  const completed: number[] = [];
  for (;;) {
    const jobs = await queue.claim(owner, batch);
    if (jobs.length === 0) break;
    if ((await queue.completeAll(jobs, owner)) === jobs.length) completed.push(...jobs.map((job) => job.id));
  }
  const finishedAt = Date.now();
  await tier.close();
  console.log(JSON.stringify({ completed, finishedAt }));
} else if (mode === 'worker') {
  const expected = Number(first);
  const feed = new PgChangeFeed(tier);
  const queue = new PostgresQueue(tier, { onEnqueued: () => { feed.notify(); } });
  const latenciesMs: number[] = [];
  const startedAt: Record<number, number[]> = {};
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new QueueWorker(queue, feed, (job) => {
    const now = preciseNow();
    const sentAt = job.request.sentAt;
    if (typeof sentAt === 'number') latenciesMs.push(now - sentAt);
    (startedAt[job.id] ??= []).push(Date.now());
    if (Object.values(startedAt).reduce((sum, starts) => sum + starts.length, 0) >= expected) finish();
    return Promise.resolve({ outcome: 'done' });
  }, { concurrency: 4 });
  // Ready once the notification connection listens (the tier calls listeners with '' then).
  await new Promise<void>((resolve) => {
    tier.listen(QUEUE_CHANNEL, (payload) => {
      if (payload === '') resolve();
    });
  });
  worker.start();
  console.log('ready');
  await finished;
  await worker.stop();
  await tier.close();
  console.log(JSON.stringify({ latenciesMs, startedAt }));
} else if (mode === 'claim-and-hang') {
  const queue = new PostgresQueue(tier, { leaseMs: Number(second) });
  console.log('ready');
  const jobs = await queue.claim(owner, Number(first));
  console.log(`claimed ${jobs.length}`);
  setInterval(() => undefined, 1000);
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
