import { Command } from 'commander';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { formatBytes } from '../../format.js';

/** `datacache maintain`: expiry, orphans, budget, vacuum and checkpoint now. */
export function maintainCommand(context: CliContext): Command {
  return new Command('maintain')
    .description('run maintenance now: remove long-expired entries and orphans, enforce the budget, vacuum, checkpoint')
    .option('--json', 'print the report as JSON')
    .action(async (_options: unknown, command: Command) => {
      const report = await withProviders(command, context, (providers) => providers.storage.runMaintenance());
      if (globalOptions(command).json === true) {
        writeJson(context, report);
        return;
      }
      context.write(
        [
          `expired entries removed: ${report.expiredRemoved}`,
          `evicted for the budget:  ${report.evictedEntries} (${formatBytes(report.evictedBytes)})`,
          `orphan rows / files:     ${report.orphanRowsRemoved} / ${report.orphanFilesRemoved}`,
          `pages vacuumed:          ${report.vacuumedPages}`,
          `WAL checkpointed:        ${report.walCheckpointed ? 'yes' : 'no'}`,
          `took:                    ${report.durationMs.toFixed(0)} ms${report.completed ? '' : ' (stopped early)'}`,
        ].join('\n') + '\n',
      );
    });
}
