import { stat } from 'node:fs/promises';
import { lowWaterMarkBytes } from './budget.js';
import type { EntryCount, StorageStats } from './cache-storage.js';
import { MAINTENANCE_FINISHED_KEY } from './maintenance.js';
import type { StorageInternals } from './storage-internals.js';

/**
 * Counts entries and bytes, in total and by provider and data type, from totals the database
 * keeps per provider and data type (so it costs the same at a million entries as at ten),
 * plus the expired entries, counted on the expiry index.
 */
export async function collectStats(internals: StorageInternals): Promise<StorageStats> {
  const { connection, statements, housekeeping, options, databasePath } = internals;
  const now = options.clock.now();
  const { totals, groups, expired, lastMaintenance, dictionaries } = await connection.read('collecting statistics', () =>
    connection.database.transaction(() => ({
      totals: statements.totals.get()!,
      groups: housekeeping.groupCounts.all(),
      expired: housekeeping.expiredCount.get(now)!,
      lastMaintenance: housekeeping.readMeta.get(MAINTENANCE_FINISHED_KEY),
      dictionaries: internals.compression.statements.newestDictionaries.all(),
    }))(),
  );
  // Prototype-less records: a provider may legitimately be named "__proto__".
  const byProvider = Object.create(null) as Record<string, EntryCount>;
  const byDataType = Object.create(null) as Record<string, EntryCount>;
  let inlineBytes = 0;
  let negativeEntries = 0;
  let valueBytes = 0;
  for (const group of groups) {
    valueBytes += group.valueBytes;
    add(byProvider, group.provider, group);
    add(byDataType, group.dataType, group);
    inlineBytes += group.inlineBytes;
    negativeEntries += group.negativeEntries;
  }
  const [databaseBytes, walBytes] = await Promise.all([fileSize(databasePath), fileSize(`${databasePath}-wal`)]);
  return {
    entries: totals.entries,
    bytes: totals.bytes,
    valueBytes,
    compression: {
      enabled: options.compression,
      codec: internals.compression.codec.canPack ? 'zstd' : 'deflate',
      ratio: ratio(valueBytes, totals.bytes),
      byProvider: Object.fromEntries(Object.entries(byProvider).map(([provider, count]) => [provider, ratio(count.valueBytes, count.bytes)])),
      dictionaries: dictionaries.length,
    },
    inlineBytes,
    fileBytes: totals.fileBytes,
    expiredEntries: expired.entries,
    expiredBytes: expired.bytes,
    negativeEntries,
    byProvider,
    byDataType,
    budget: {
      maxSizeBytes: options.maxSizeBytes,
      lowWaterMarkBytes: lowWaterMarkBytes(internals),
      usedRatio: totals.bytes / options.maxSizeBytes,
    },
    databaseBytes,
    walBytes,
    lastMaintenanceAt: lastMaintenance === undefined ? null : Number(lastMaintenance),
  };
}

function add(record: Record<string, EntryCount>, key: string, group: EntryCount): void {
  const existing = record[key] ?? (record[key] = { entries: 0, bytes: 0, valueBytes: 0 });
  existing.entries += group.entries;
  existing.bytes += group.bytes;
  existing.valueBytes += group.valueBytes;
}

function ratio(valueBytes: number, bytes: number): number {
  return bytes === 0 ? 1 : Math.round((valueBytes / bytes) * 100) / 100;
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (details) => details.size,
    () => 0,
  );
}
