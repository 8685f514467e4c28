import { DataStorage, RequestQueue } from '../../src/index.js';
import { runChild } from '../child.js';
import type { Benchmark, Figure } from '../harness.js';

/**
 * Enqueue throughput, and claim + complete throughput of the shared queue: N jobs drained by 1
 * process, then by 2 and by 4 processes at once (the 1-process figure is the baseline), with every completed id counted
 * so a job done twice would show.
 */
export const queueThroughput: Benchmark = {
  name: 'queue-throughput',
  description: 'enqueue throughput; claim + complete throughput with 1, 2 and 4 processes; duplicate completions counted',
  async run({ quick, scratchDirectory }) {
    const jobs = quick ? 2000 : 20_000;
    const figures: Figure[] = [];
    let baseline = 0;
    for (const processes of [1, 2, 4]) {
      const cacheDir = `${scratchDirectory}/p${processes}`;
      const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
      const queue = new RequestQueue(storage.sharedConnection());
      const enqueueStarted = performance.now();
      for (let index = 0; index < jobs; index++) await queue.enqueue({ url: `https://bench.example/${index}`, provider: 'cdn', request: { index } });
      if (processes === 1) figures.push({ name: `enqueue, one at a time, ${jobs} jobs`, unit: 'ops/s', value: jobs / ((performance.now() - enqueueStarted) / 1000) });
      await storage.close();
      const startAt = Date.now() + 3000; // after every child has started
      const reports = await Promise.all(
        Array.from({ length: processes }, () => runChild(new URL('./queue-drainer.ts', import.meta.url), [cacheDir, String(startAt)])),
      );
      const parsed = reports.map((line) => JSON.parse(line) as { completed: number[]; finishedAt: number });
      const completed = parsed.flatMap((report) => report.completed);
      const seconds = (Math.max(...parsed.map((report) => report.finishedAt)) - startAt) / 1000;
      const perSecond = jobs / seconds;
      if (processes === 1) baseline = perSecond;
      figures.push({
        name: `claim + complete, ${processes} process${processes > 1 ? 'es' : ''}, ${jobs} jobs`,
        unit: 'ops/s',
        value: perSecond,
        target: '≥ 10,000 jobs/s',
        ...(processes > 1 ? { ratio: { to: '1 process', value: perSecond / baseline } } : {}),
      });
      figures.push({ name: `  duplicate completions, ${processes} process${processes > 1 ? 'es' : ''}`, unit: 'count', value: completed.length - new Set(completed).size, target: '0' });
      figures.push({ name: `  jobs completed, ${processes} process${processes > 1 ? 'es' : ''}`, unit: 'count', value: new Set(completed).size });
    }
    return figures;
  },
};
