import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSharedOption } from '../../src/backends/postgres/connection-options.js';
import { PostgresTier } from '../../src/backends/postgres/postgres-tier.js';
import { silentLogger } from '../../src/logger.js';
import { busiestWindow } from '../../support/busiest-window.js';
import type { MachineTask, TakeReport } from '../../test/backends/postgres/fixtures/rate-limit-machine.js';
import { withClient, type PostgresServer } from '../../test/helpers/postgres.js';
import { postgresOrSkip } from './postgres-for-bench.js';
import type { Benchmark, Figure } from '../harness.js';
import { withOrigin } from './origin.js';

const MACHINE = fileURLToPath(new URL('../../test/backends/postgres/fixtures/rate-limit-machine.ts', import.meta.url));
const RATE = 1;

/** A machine's process: resolves `ready` once it waits for the go file, `report` when it is done. */
function startMachine(task: MachineTask): { ready: Promise<void>; report: Promise<TakeReport> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MACHINE, JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (output.includes('ready\n')) markReady();
  });
  const report = new Promise<TakeReport>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as TakeReport);
      else reject(new Error(`${MACHINE} exited with code ${code}`));
    });
  });
  // A child that dies before it is ready must not leave the run waiting.
  return { ready: Promise.race([ready, report.then(() => undefined)]), report };
}

/**
 * Four processes on two machines (two cache directories) taking tokens for one provider as
 * fast as the limit allows, for `seconds`, each sending one request to the origin per grant.
 * `shared`: the shared tier's URL, or null for per-process limiters.
 */
async function runGroup(scratchDirectory: string, label: string, shared: string | null, seconds: number): Promise<{ arrivals: number[]; reports: TakeReport[] }> {
  const root = join(scratchDirectory, label);
  const machines = ['a', 'b'];
  await Promise.all(machines.map((machine) => mkdir(join(root, `machine-${machine}`), { recursive: true })));
  return withOrigin(join(root, 'origin'), async (origin) => {
    const goFile = join(root, 'go');
    const children = machines.flatMap((machine) =>
      [1, 2].map((index) =>
        startMachine({
          command: 'take',
          cacheDir: join(root, `machine-${machine}`),
          shared,
          provider: 'musicbrainz',
          ratePerSecond: RATE,
          goFile,
          durationMs: seconds * 1000,
          origin: origin.baseUrl,
          name: `${machine}${index}`,
        }),
      ),
    );
    // The window opens once every process is up, however long the machine takes to start them.
    await Promise.all(children.map((child) => child.ready));
    await writeFile(goFile, String(Date.now() + 500));
    const reports = await Promise.all(children.map((child) => child.report));
    return { arrivals: await origin.arrivals(), reports };
  });
}

/** One-second windows (starting at an arrival) holding more requests than the limit allows. */
function windowsOverLimit(times: number[], limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let over = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1000) end++;
    if (end - start > limit) over++;
  }
  return over;
}

/** A schema of its own on the cluster, migrated before the machines start; returns its `shared` URL. */
async function prepareSchema(server: PostgresServer): Promise<string> {
  await withClient(server.url, (client) => client.query('CREATE SCHEMA bench_shared_rate_limit'));
  const shared = `${server.url}?schema=bench_shared_rate_limit`;
  const tier = await PostgresTier.connect(resolveSharedOption('shared', shared), { logger: silentLogger, cacheDir: 'bench' });
  const fault = tier.fault;
  await tier.close();
  if (fault !== null) throw fault;
  return shared;
}

/**
 * The figure: 4 processes on 2 machines sharing MusicBrainz's 1 request/s through the
 * shared tier, counted where it matters (at the origin, a process of its own) and in the
 * server's clock where the slots are planned; each process's share of the grants; and, in the
 * same run, the same processes with per-process limiters, as a machine without the shared tier
 * (or several behind one NAT) would send.
 */
export const sharedRateLimit: Benchmark = {
  name: 'shared-rate-limit',
  description: '4 processes on 2 machines sharing 1/s through PostgreSQL: windows over the limit at the origin, each process\'s share; per-process limiters as the baseline',
  async run({ quick, scratchDirectory }) {
    const seconds = quick ? 3 : 60;
    // The baseline's busiest second shows within seconds; it need not take a minute.
    const baselineSeconds = quick ? 2 : 10;
    const started = await postgresOrSkip();
    if ('skipped' in started) return started.skipped;
    const { server } = started;
    try {
      const shared = await runGroup(scratchDirectory, 'shared', await prepareSchema(server), seconds);
      const baseline = await runGroup(scratchDirectory, 'per-process', null, baselineSeconds);
      const grants = shared.reports.flatMap((report) => report.grants);
      const sorted = [...shared.arrivals].sort((a, b) => a - b);
      const gaps = sorted.slice(1).map((at, index) => at - sorted[index]!);
      const sharedBusiest = busiestWindow(shared.arrivals, 1000);
      const baselineBusiest = busiestWindow(baseline.arrivals, 1000);
      const figures: Figure[] = [
        { name: `1 s windows over the limit at the origin, shared, ${seconds} s`, unit: 'count', value: windowsOverLimit(shared.arrivals, RATE), target: '0' },
        { name: 'busiest 1 s window at the origin ÷ the limit, shared', unit: 'ratio', value: sharedBusiest / RATE, target: '≤ 1.0' },
        { name: "busiest 1 s window of slots in the server's clock ÷ the limit", unit: 'ratio', value: busiestWindow(grants.map((grant) => grant.slotAt), 1000) / RATE, target: '≤ 1.0' },
        { name: 'closest two requests at the origin, shared', unit: 'ms', value: Math.min(...gaps), target: '≥ 1000' },
        { name: 'smallest process share of the grants', unit: 'ratio', value: Math.min(...shared.reports.map((report) => report.grants.length / grants.length)), target: '≥ 0.15 (fair: 0.25)' },
        { name: 'use of the allowed rate, shared', unit: 'ratio', value: shared.arrivals.length / (RATE * seconds), target: '≈ 0.95 (the spacing guard keeps 95.2 %)' },
        {
          name: `busiest 1 s window at the origin, per-process limiters, ${baselineSeconds} s`,
          unit: 'count',
          value: baselineBusiest,
          ratio: { to: 'shared', value: baselineBusiest / Math.max(1, sharedBusiest) },
          target: 'the issue measured 8',
        },
      ];
      return figures;
    } finally {
      await server.destroy();
    }
  },
};
