import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolveSharedOption } from '../../src/backends/postgres/connection-options.js';
import { PostgresQueue } from '../../src/backends/postgres/pg-queue.js';
import { PostgresTier } from '../../src/backends/postgres/postgres-tier.js';
import { SERVER_NOW_MS } from '../../src/backends/postgres/schema.js';
import { silentLogger } from '../../src/logger.js';
import { withClient, type PostgresServer } from '../../test/helpers/postgres.js';

const MACHINE = fileURLToPath(new URL('./shared-queue-machine.ts', import.meta.url));

/** A machine's process (shared-queue-machine.ts): `ready` once connected, `go()` to start a drain, `result` its last line. */
interface Machine {
  ready: Promise<void>;
  printed(text: string): Promise<void>;
  go(): void;
  kill(): void;
  result: Promise<string>;
}

function startMachine(args: string[]): Machine {
  const child = spawn(process.execPath, ['--import', 'tsx', MACHINE, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const waiter of waiters.filter((candidate) => output.includes(candidate.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const result = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(output.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`${MACHINE} ${args[1] ?? ''} exited with code ${code} (${signal ?? 'no signal'})`));
    });
  });
  // A child that dies early must not leave the run waiting for what it would have printed.
  const printed = (text: string): Promise<void> =>
    Promise.race([new Promise<void>((resolve) => waiters.push({ text, resolve })), result.then(() => { throw new Error(`the machine ended before printing "${text}"`); })]);
  return {
    ready: printed('ready\n'),
    printed,
    go: () => child.stdin.write('go\n'),
    kill: () => child.kill('SIGKILL'),
    result,
  };
}

/** A fresh schema, migrated; returns its `shared` URL and a connected tier on it (the caller closes it). */
export async function freshQueue(server: PostgresServer, name: string): Promise<{ shared: string; tier: PostgresTier; queue: PostgresQueue }> {
  await withClient(server.url, (client) => client.query(`CREATE SCHEMA ${name}`));
  const shared = `${server.url}?schema=${name}`;
  const tier = await PostgresTier.connect(resolveSharedOption('shared', shared), { logger: silentLogger, cacheDir: 'bench' });
  if (tier.fault !== null) throw tier.fault;
  return { shared, tier, queue: new PostgresQueue(tier) };
}

/**
 * Rows as enqueue() makes them, in one statement (100,000 enqueues one at a time would take
 * most of the benchmark): `ready` now, or `waiting` an hour (a provider cooling down).
 */
export async function insertJobs(tier: PostgresTier, count: number, state: 'ready' | 'waiting', prefix: string, priority: number): Promise<void> {
  await tier.query(
    `INSERT INTO queue_jobs (url, provider, priority, request, state, available_at, created_at, updated_at)
     SELECT $1 || n, $2, $3, '{"index":' || n || '}', $4, c.now + $5::bigint, c.now, c.now
     FROM generate_series(1, $6::integer) AS n, (SELECT ${SERVER_NOW_MS} AS now) c`,
    [prefix, state === 'ready' ? 'cdn' : 'musicbrainz', priority, state, state === 'ready' ? 0 : 3_600_000, count],
  );
  await tier.query('ANALYZE queue_jobs');
}

/** Two machines drain the queue, 50 jobs a claim; resolves to jobs/s (from `go` to the last one finishing) and duplicate completions. */
export async function drainWithTwoMachines(shared: string, jobs: number): Promise<{ perSecond: number; duplicates: number; completed: number }> {
  const machines = [startMachine([shared, 'drain', '50']), startMachine([shared, 'drain', '50'])];
  await Promise.all(machines.map((machine) => machine.ready));
  const startAt = Date.now();
  for (const machine of machines) machine.go();
  const reports = (await Promise.all(machines.map((machine) => machine.result))).map((line) => JSON.parse(line) as { completed: number[]; finishedAt: number });
  const completed = reports.flatMap((report) => report.completed);
  const seconds = (Math.max(...reports.map((report) => report.finishedAt)) - startAt) / 1000;
  return { perSecond: jobs / seconds, duplicates: completed.length - new Set(completed).size, completed: new Set(completed).size };
}

/** Epoch milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Jobs queued here one at a time, `gapMs` apart, each timed until a worker in another process starts it (woken by NOTIFY). */
export async function enqueueToClaim(shared: string, queue: PostgresQueue, count: number, gapMs: number): Promise<number[]> {
  const worker = startMachine([shared, 'worker', String(count)]);
  await worker.ready;
  for (let index = 0; index < count; index++) {
    await queue.enqueue({ url: `https://latency.example/${index}`, provider: 'cdn', request: { sentAt: preciseNow() } });
    await sleep(gapMs);
  }
  return (JSON.parse(await worker.result) as { latenciesMs: number[] }).latenciesMs;
}

/**
 * A machine claims `count` jobs with a `leaseMs` lease and is killed (SIGKILL); a worker on
 * another machine, started after the claim, runs them once the lease runs out (plus the
 * policy's backoff for a lost lease, 1-2 s). Resolves to each job's delay from the kill to its
 * start elsewhere, and how many jobs were started more than once.
 */
export async function deadMachine(shared: string, queue: PostgresQueue, count: number, leaseMs: number): Promise<{ delaysMs: number[]; duplicates: number; notDone: number }> {
  for (let index = 0; index < count; index++) await queue.enqueue({ url: `https://orphan.example/${index}`, provider: 'cdn', request: {} });
  const victim = startMachine([shared, 'claim-and-hang', String(count), String(leaseMs)]);
  await victim.printed(`claimed ${count}`);
  const survivor = startMachine([shared, 'worker', String(count)]);
  await survivor.ready;
  victim.kill();
  const killedAt = Date.now();
  await victim.result.catch(() => undefined);
  const { startedAt } = JSON.parse(await survivor.result) as { startedAt: Record<string, number[]> };
  const starts = Object.values(startedAt);
  const notDone = (await queue.list({ limit: 10_000 })).filter((job) => job.url.startsWith('https://orphan.example/') && job.state !== 'done').length;
  return { delaysMs: starts.map((times) => times[0]! - killedAt), duplicates: starts.reduce((sum, times) => sum + times.length - 1, 0), notDone };
}
