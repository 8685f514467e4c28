import { Command } from 'commander';
import { importWnpCacheInto, type WnpImportProgress, type WnpImportReport } from '../../import/whats-now-playing/import-wnp-cache.js';
import { readLibraryArtists } from '../../precache/library/read-library.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';

const PROGRESS_LINE_INTERVAL_MS = 5000;

/**
 * `datacache import-wnp [DIR]`: copies a whats-now-playing cache (its default place when no DIR
 * is given) into this datacache cache, leaving whats-now-playing's directory untouched.
 */
export function importWnpCommand(context: CliContext): Command {
  return new Command('import-wnp')
    .description("copy a whats-now-playing cache into datacache's own, leaving it untouched (safe while whats-now-playing runs)")
    .argument('[dir]', "whats-now-playing's cache directory (default: where it keeps it on this computer)")
    .option('--names-from <library...>', 'DJ library files whose artist names help match image identifiers')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string | undefined, options: { namesFrom?: string[] }, command: Command) => {
      const artistNames: string[] = [];
      for (const library of options.namesFrom ?? []) {
        for await (const artist of readLibraryArtists(library)) artistNames.push(artist);
      }
      const json = globalOptions(command).json === true;
      let lastLine = Date.now(); // a line every few seconds of a long run, none for a short one
      const onProgress = (progress: WnpImportProgress): void => {
        if (Date.now() - lastLine < PROGRESS_LINE_INTERVAL_MS) return;
        lastLine = Date.now();
        context.writeError(`${progress.phase}: ${progress.done}/${progress.total}\n`);
      };
      const report = await withProviders(command, context, (providers) =>
        importWnpCacheInto(providers, { from: dir, artistNames, onProgress, defaultLocation: { env: context.environment } }),
      );
      if (json) writeJson(context, report);
      else context.write(describeReport(report));
    });
}

/** The report for a person: what came over, what did not and why. */
export function describeReport(report: WnpImportReport): string {
  const { entries, queue, identifiers } = report;
  const counts = (record: Record<string, number | undefined>): string =>
    Object.entries(record)
      .filter(([, count]) => count !== undefined && count > 0)
      .map(([reason, count]) => `${String(count)} ${reason}`)
      .join(', ');
  const lines = [
    `read ${report.from} (${report.readMode === 'snapshot' ? 'a snapshot: whats-now-playing was not running' : 'read-only, while whats-now-playing runs'})`,
    `entries: ${entries.found} found, ${entries.imported} imported (${counts(entries.byDataType) || 'none'}), ${entries.alreadyPresent} already in the cache` +
      `${entries.importedStale > 0 ? `; ${entries.importedStale} of them expired, kept as stale answers` : ''}${entries.importedNegative > 0 ? `; ${entries.importedNegative} remembered "not found"` : ''}`,
  ];
  const skipped = counts(entries.skipped);
  if (skipped !== '') lines.push(`skipped: ${skipped}`);
  if (identifiers.mapped + identifiers.unmapped > 0) {
    lines.push(
      `artist images: ${identifiers.mapped} matched to an artist name, ${identifiers.unmapped} not` +
        (identifiers.unmappedExamples.length > 0 ? ` (kept under whats-now-playing's identifier: ${identifiers.unmappedExamples.slice(0, 5).join(', ')}${identifiers.unmappedExamples.length > 5 ? ' …' : ''}; --names-from LIBRARY helps)` : ''),
    );
  }
  if (report.keysRemoved > 0) lines.push(`keys or passwords taken out of ${report.keysRemoved} URLs`);
  if (report.palettesKept > 0) lines.push(`colour palettes kept: ${report.palettesKept} (in metadata.palette)`);
  const queueSkipped = counts(queue.skipped);
  lines.push(`queue: ${queue.found} found, ${queue.queued} queued, ${queue.alreadyCached} already cached, ${queue.alreadyQueued} already queued${queueSkipped === '' ? '' : `, skipped: ${queueSkipped}`}`);
  for (const example of report.skippedExamples.slice(0, 5)) lines.push(`  skipped ${example.url}: ${example.reason}`);
  lines.push(`done in ${(report.durationMs / 1000).toFixed(1)} s; whats-now-playing's directory was not changed. Run it again any time: what is here already is skipped.`);
  return `${lines.join('\n')}\n`;
}
