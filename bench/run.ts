/**
 * `npm run bench` runs every benchmark; `npm run bench -- --quick` a short version that only
 * checks each one runs; `npm run bench -- hit` only those whose name contains "hit".
 * Writes bench/results/<date>.json and bench/results/latest.json and prints a table.
 */
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Benchmark, Figure } from './harness.js';
import { peerBenchmarks } from './peers/index.js';
import { pipelineBenchmarks } from './pipeline/index.js';
import { storageBenchmarks } from './storage/index.js';

const benchmarks: Benchmark[] = [...storageBenchmarks, ...pipelineBenchmarks, ...peerBenchmarks];

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  allowPositionals: true,
});
if (values.help) {
  console.log('Usage: npm run bench [-- [--quick] [name-filter]]\n\nBenchmarks:');
  for (const benchmark of benchmarks) console.log(`  ${benchmark.name.padEnd(28)} ${benchmark.description}`);
  process.exit(0);
}
const filter = positionals[0];
const selected = benchmarks.filter((benchmark) => filter === undefined || benchmark.name.includes(filter));
if (selected.length === 0) {
  console.error(`No benchmark matches "${filter ?? ''}". Run with --help to list them.`);
  process.exit(2);
}

const scratchRoot = join(import.meta.dirname, '..', '.bench-scratch');
await mkdir(scratchRoot, { recursive: true });
const results: { name: string; description: string; figures: Figure[] }[] = [];
for (const benchmark of selected) {
  const scratchDirectory = await mkdtemp(join(scratchRoot, `${benchmark.name}-`));
  process.stdout.write(`running ${benchmark.name}${values.quick ? ' (quick)' : ''} … `);
  const started = performance.now();
  try {
    const figures = await benchmark.run({ quick: values.quick, scratchDirectory });
    results.push({ name: benchmark.name, description: benchmark.description, figures });
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(scratchDirectory, { recursive: true, force: true });
  }
}

printTable(results);
const packageJson = JSON.parse(await readFile(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
const memory = new Database(':memory:');
const report = {
  date: new Date().toISOString(),
  quick: values.quick,
  machine: { platform: platform(), release: release(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
  versions: {
    node: process.version,
    sqlite: (memory.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version,
    datacache: packageJson.version,
  },
  results,
};
memory.close();
const resultsDirectory = join(import.meta.dirname, 'results');
await mkdir(resultsDirectory, { recursive: true });
const text = `${JSON.stringify(report, null, 2)}\n`;
await writeFile(join(resultsDirectory, `${report.date.replaceAll(':', '-')}.json`), text);
if (!values.quick && filter === undefined) await writeFile(join(resultsDirectory, 'latest.json'), text);

function printTable(rows: typeof results): void {
  const lines: string[][] = [['benchmark', 'figure', 'p50', 'p90', 'p99', 'max', 'ops/s', 'ratio', 'target']];
  const format = (value: number | undefined): string =>
    value === undefined ? '' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  for (const row of rows) {
    for (const figure of row.figures) {
      const latency = figure.latency;
      lines.push([
        row.name,
        `${figure.name} (${figure.unit})`,
        format(latency?.p50 ?? figure.value),
        format(latency?.p90),
        format(latency?.p99),
        format(latency?.max),
        latency ? Math.round(latency.opsPerSecond).toLocaleString('en-US') : '',
        figure.ratio ? `${figure.ratio.value.toFixed(2)}x ${figure.ratio.to}` : '',
        figure.target ?? '',
      ]);
    }
  }
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  for (const [index, line] of lines.entries()) {
    console.log(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}
