import { postgresOrSkip } from './postgres-for-bench.js';
import { summarizeMilliseconds, type Benchmark, type Figure } from '../harness.js';
import { deadMachine, drainWithTwoMachines, enqueueToClaim, freshQueue, insertJobs } from './shared-queue-runs.js';

/** The middle value of a few runs. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The queue figures on a private PostgreSQL cluster of its own: claim + complete by
 * two machines (processes), without and then with 100,000 deferred jobs waiting (the ratio is
 * the point: deferred jobs must not slow claims), enqueue on one machine to a claim on another
 * through LISTEN/NOTIFY, and a killed machine's jobs running elsewhere after their lease.
 * Throughput runs alternate (plain, deferred, plain, …) on fresh schemas; medians reported.
 */
export const sharedQueue: Benchmark = {
  name: 'shared-queue',
  description: 'shared queue on PostgreSQL: claim + complete with 2 processes, the same with 100k deferred jobs, enqueue → claim on another process through LISTEN, a killed worker\'s jobs run elsewhere',
  async run({ quick }) {
    const jobs = quick ? 2000 : 100_000;
    const deferred = quick ? 2000 : 100_000;
    const rounds = quick ? 1 : 3;
    const started = await postgresOrSkip();
    if ('skipped' in started) return started.skipped;
    const { server } = started;
    try {
      const plain: number[] = [];
      const withDeferred: number[] = [];
      let duplicates = 0;
      let lost = 0;
      for (let round = 0; round < rounds; round++) {
        for (const backlog of [0, deferred]) {
          const { shared, tier } = await freshQueue(server, `bench_queue_${round}_${backlog}`);
          try {
            if (backlog > 0) await insertJobs(tier, backlog, 'waiting', 'https://deferred.example/', 1);
            await insertJobs(tier, jobs, 'ready', 'https://bench.example/', 2);
            const drained = await drainWithTwoMachines(shared, jobs);
            (backlog > 0 ? withDeferred : plain).push(drained.perSecond);
            duplicates += drained.duplicates;
            lost += jobs - drained.completed;
          } finally {
            await tier.close();
          }
        }
      }
      const figures: Figure[] = [
        { name: `claim + complete, 2 processes, ${jobs} jobs (median of ${rounds})`, unit: 'ops/s', value: median(plain), target: '≥ 5,000 jobs/s' },
        {
          name: `  the same with ${deferred} deferred jobs waiting`,
          unit: 'ops/s',
          value: median(withDeferred),
          ratio: { to: 'without', value: median(withDeferred) / median(plain) },
          target: '≥ 0.9x without',
        },
        { name: '  duplicate completions, all runs', unit: 'count', value: duplicates, target: '0' },
        { name: '  jobs not completed, all runs', unit: 'count', value: lost, target: '0' },
      ];

      const { shared, tier, queue } = await freshQueue(server, 'bench_queue_latency');
      try {
        const latencies = await enqueueToClaim(shared, queue, quick ? 50 : 300, 20);
        figures.push({ name: 'enqueue on one process → claimed on another (LISTEN/NOTIFY)', unit: 'ms', value: summarizeMilliseconds(latencies).p50, latency: summarizeMilliseconds(latencies), target: 'p50 ≤ 5 ms, p99 ≤ 30 ms' });
        const leaseMs = quick ? 1500 : 10_000;
        const dead = await deadMachine(shared, queue, 20, leaseMs);
        figures.push(
          { name: `killed machine's jobs started elsewhere after the kill, lease ${leaseMs / 1000} s (20 jobs)`, unit: 'ms', value: median(dead.delaysMs), latency: summarizeMilliseconds(dead.delaysMs), target: `≤ lease + 10 s (${leaseMs / 1000 + 10} s)` },
          { name: '  duplicate starts of the killed machine\'s jobs', unit: 'count', value: dead.duplicates, target: '0' },
          { name: '  killed machine\'s jobs not done', unit: 'count', value: dead.notDone, target: '0' },
        );
      } finally {
        await tier.close();
      }
      return figures;
    } finally {
      await server.destroy();
    }
  },
};
