import { Command } from 'commander';
import type { ProvidersStats } from '../../providers/data-cache-providers.js';
import { DEFAULT_RATE_LIMITS, FALLBACK_RATE_LIMIT } from '../../ratelimit/provider-limits.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { formatBytes, formatRate, formatRatio, formatTime } from '../../format.js';
import { formatTable } from '../output.js';

/** `datacache stats`: what is cached, the queue, rate limits and cool-downs. */
export function statsCommand(context: CliContext): Command {
  return new Command('stats')
    .description('entries and bytes against the budget, by provider and type; the queue; rate limits and cool-downs')
    .option('--json', 'print everything as JSON')
    .action(async (_options: unknown, command: Command) => {
      const stats = await withProviders(command, context, (providers) => providers.stats());
      if (globalOptions(command).json === true) {
        writeJson(context, stats);
        return;
      }
      context.write(renderStats(stats));
    });
}

/** The statistics as plain text: a summary line, then tables by provider and data type. */
export function renderStats(stats: ProvidersStats): string {
  const { storage, queue, cooldowns, analytics } = stats;
  const sections = [
    `cache: ${storage.entries} entries, ${formatBytes(storage.bytes)} of ${formatBytes(storage.budget.maxSizeBytes)} (${formatRatio(storage.budget.usedRatio)}) on disk, ` +
      `${formatBytes(storage.valueBytes)} decoded (compression ${compressionText(storage.compression)}); ` +
      `${storage.expiredEntries} expired, ${storage.negativeEntries} remembered as missing; last maintenance ${formatTime(storage.lastMaintenanceAt)}`,
    ...countTables(storage),
    ...sharedTierLines(storage.shared),
    `queue: ${queue.byState.pending} pending, ${queue.byState.running} running, ${queue.byState.failed} failed, ${queue.byState.done} done`,
  ];
  const queueRows = Object.entries(queue.byProvider).map(([name, states]) => [name, states.pending ?? 0, states.running ?? 0, states.failed ?? 0, states.done ?? 0]);
  if (queueRows.length > 0) sections.push(formatTable(['provider', 'pending', 'running', 'failed', 'done'], queueRows));
  const providers = new Set([...Object.keys(DEFAULT_RATE_LIMITS), ...Object.keys(cooldowns)]);
  sections.push(
    formatTable(
      ['provider', 'default limit', 'cool-down'],
      [...providers].map((name) => {
        const limit = DEFAULT_RATE_LIMITS[name] ?? FALLBACK_RATE_LIMIT;
        const cooldown = cooldowns[name];
        return [name, `${formatRate(limit.ratePerSecond)}, burst ${limit.burst}`, cooldown === undefined ? '-' : `until ${formatTime(cooldown.until)} (${cooldown.reason ?? ''})`];
      }),
    ),
  );
  const { totals, latency } = analytics;
  sections.push(
    `last 24 h: ${totals.hits} hits, ${totals.misses} misses, ${totals.stale} stale (hit rate ${formatRatio(totals.hitRate)}, stale rate ${formatRatio(totals.staleRate)}); ` +
      `${totals.fetches} fetches (${formatBytes(totals.bytesFetched)}), ${totals.errors} errors\n` +
      `latency: hits p50 ${formatMs(latency.hit.p50Ms)}, p99 ${formatMs(latency.hit.p99Ms)}; fetches p50 ${formatMs(latency.fetch.p50Ms)}, p99 ${formatMs(latency.fetch.p99Ms)}`,
  );
  const analyticsRows = Object.entries(analytics.byProvider).map(([name, counts]) => [name, counts.hits, counts.misses, counts.stale, formatRatio(counts.hitRate), counts.fetches, counts.errors]);
  if (analyticsRows.length > 0) sections.push(formatTable(['provider', 'hits', 'misses', 'stale', 'hit rate', 'fetches', 'errors'], analyticsRows));
  return `${sections.join('\n\n')}\n`;
}

function formatMs(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '-';
  return milliseconds < 1 ? `${(milliseconds * 1000).toFixed(0)} µs` : `${milliseconds.toFixed(1)} ms`;
}

function countTables(storage: ProvidersStats['storage']): string[] {
  if (storage.entries === 0) return [];
  return [
    formatTable(['provider', 'entries', 'on disk', 'decoded', 'ratio'], Object.entries(storage.byProvider).map(([name, count]) => [name, count.entries, formatBytes(count.bytes), formatBytes(count.valueBytes), ratioText(count)])),
    formatTable(['data type', 'entries', 'on disk', 'decoded', 'ratio'], Object.entries(storage.byDataType).map(([name, count]) => [name, count.entries, formatBytes(count.bytes), formatBytes(count.valueBytes), ratioText(count)])),
  ];
}

function ratioText(count: { bytes: number; valueBytes: number }): string {
  return count.bytes === 0 ? '-' : `${(count.valueBytes / count.bytes).toFixed(1)}x`;
}

function compressionText(compression: ProvidersStats['storage']['compression']): string {
  if (!compression.enabled) return `off, ${compression.ratio.toFixed(1)}x`;
  return `${compression.codec}, ${compression.ratio.toFixed(1)}x, ${compression.dictionaries} ${compression.dictionaries === 1 ? 'dictionary' : 'dictionaries'}`;
}

/** The shared tier: where it is, whether it answers (and why not), what it holds, and the machines on it. */
function sharedTierLines(shared: ProvidersStats['storage']['shared']): string[] {
  if (shared === undefined) return [];
  const head = `shared tier: ${shared.server} (schema ${shared.schema}), ${shared.available ? 'available' : `NOT available: ${shared.fault ?? 'unknown'}`}`;
  if (shared.entries === undefined) return [head];
  const budget = shared.budget.maxSizeBytes === Infinity ? 'no budget' : `${formatRatio(shared.budget.usedRatio)} of ${formatBytes(shared.budget.maxSizeBytes)}`;
  const lines = [`${head}; ${shared.entries} entries, ${formatBytes(shared.bytes ?? 0)} (${budget}), ${shared.expiredEntries ?? 0} expired`];
  if (shared.machines.length > 0) {
    lines.push(formatTable(['machine', 'cache directory', 'processes', 'last seen'], shared.machines.map((machine) => [machine.hostname, machine.cacheDir, machine.processes, formatTime(machine.lastSeen)])));
  }
  return lines;
}
