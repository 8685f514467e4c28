/**
 * `npm run torture` runs every scenario at full length; `-- --quick` a short version; `-- NAME`
 * only the scenarios whose name contains NAME. Prints a table and writes
 * torture/results/latest.json (a full, unfiltered run) and torture/results/<date>.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Scenario, TortureReport } from './scenario.js';
import { crashStore } from './scenarios/crash-store.js';
import { databaseFaults } from './scenarios/database-faults.js';
import { killMaintenance } from './scenarios/kill-maintenance.js';
import { killWorkers } from './scenarios/kill-workers.js';
import { originFaults } from './scenarios/origin-faults.js';
import { soak } from './scenarios/soak.js';
import { sharedSoak } from './scenarios/shared-soak.js';

const scenarios: Scenario[] = [crashStore, killWorkers, killMaintenance, originFaults, databaseFaults, soak, sharedSoak];

const { values, positionals } = parseArgs({ options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true });
if (values.help) {
  console.log('Usage: npm run torture [-- [--quick] [name-filter]]\n\nScenarios:');
  for (const scenario of scenarios) console.log(`  ${scenario.name.padEnd(20)} ${scenario.description}`);
  process.exit(0);
}
const filter = positionals[0];
const selected = scenarios.filter((scenario) => filter === undefined || scenario.name.includes(filter));
if (selected.length === 0) {
  console.error(`No scenario matches "${filter ?? ''}". Run with --help to list them.`);
  process.exit(2);
}
const scratch = join(import.meta.dirname, '..', '.torture-scratch');
await mkdir(scratch, { recursive: true });
const results: ({ name: string; description: string; seconds: number } & TortureReport)[] = [];
for (const scenario of selected) {
  const directory = await mkdtemp(join(scratch, `${scenario.name}-`));
  process.stdout.write(`running ${scenario.name}${values.quick ? ' (quick)' : ''} … `);
  const started = performance.now();
  try {
    const report = await scenario.run({ quick: values.quick, directory });
    const seconds = (performance.now() - started) / 1000;
    results.push({ name: scenario.name, description: scenario.description, seconds, ...report });
    console.log(`${seconds.toFixed(1)} s`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const columns = ['cases', 'faultsInjected', 'kills', 'operations', 'callerErrors', 'dataChecked', 'lost', 'corrupt'] as const;
const rows = [['scenario', ...columns], ...results.map((result) => [result.name, ...columns.map((column) => String(result[column]))])];
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const [index, row] of rows.entries()) {
  console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}
for (const result of results) for (const note of result.notes) console.log(`${result.name}: ${note}`);
const report = { date: new Date().toISOString(), quick: values.quick, node: process.version, results };
const directory = join(import.meta.dirname, 'results');
await mkdir(directory, { recursive: true });
const text = `${JSON.stringify(report, null, 2)}\n`;
await writeFile(join(directory, `${report.date.replaceAll(':', '-')}.json`), text);
if (!values.quick && filter === undefined) await writeFile(join(directory, 'latest.json'), text);
const failed = results.some((result) => result.lost > 0 || result.corrupt > 0 || result.callerErrors > 0);
process.exitCode = failed ? 1 : 0;
