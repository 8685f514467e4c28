import { lstat, stat } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { evictToLowWaterMark } from './budget.js';
import type { MaintenanceReport } from './cache-storage.js';
import { listBlobFiles, listTemporaryFiles, type BlobFile } from './content/list.js';
import { resolveBlobPath } from './content/paths.js';
import { removeBlobs } from './content/remove.js';
import { deleteChosenEntries } from './deletion.js';
import { compactEntries } from './compression/compaction.js';
import { HOUSEKEEPING_CHUNK, type StorageInternals } from './storage-internals.js';

/** Meta keys shared by every process of a cache. */
export const MAINTENANCE_STARTED_KEY = 'maintenance.started_at';
export const MAINTENANCE_FINISHED_KEY = 'maintenance.finished_at';

/** Free pages returned to the file system per incremental-vacuum step. */
const VACUUM_PAGES_PER_STEP = 512;
/** Above this size the write-ahead log is truncated, not just checkpointed. */
const LARGE_WAL_BYTES = 64 * 1024 * 1024;

/**
 * Claims the next automatic maintenance run for this process when the last one (by any
 * process) started more than `maintenanceIntervalSeconds` ago. The claim is one write
 * transaction, so of several processes opening the cache at once exactly one runs it.
 */
export async function claimScheduledMaintenance(internals: StorageInternals): Promise<boolean> {
  const { housekeeping, options } = internals;
  const intervalMs = options.maintenanceIntervalSeconds * 1000;
  return internals.connection.write('scheduling maintenance', () => {
    const now = options.clock.now();
    const lastStarted = Number(housekeeping.readMeta.get(MAINTENANCE_STARTED_KEY) ?? Number.NEGATIVE_INFINITY);
    if (now - lastStarted < intervalMs) return false;
    housekeeping.writeMeta.run(MAINTENANCE_STARTED_KEY, String(now));
    return true;
  });
}

/**
 * One maintenance pass. Safe while other processes read and write the cache: every deletion
 * re-checks its condition when it deletes, files are removed only after the rows naming them
 * are gone, and the work is done in short chunks with the event loop given back in between.
 */
export async function runMaintenancePass(internals: StorageInternals): Promise<MaintenanceReport> {
  const started = performance.now();
  const { connection, housekeeping, options } = internals;
  const report = emptyMaintenanceReport();
  await connection.write('recording maintenance', () =>
    housekeeping.writeMeta.run(MAINTENANCE_STARTED_KEY, String(options.clock.now())),
  );

  const steps: (() => Promise<void>)[] = [
    async () => {
      report.expiredRemoved = await removeExpired(internals);
    },
    async () => {
      Object.assign(report, await repairOrphans(internals));
    },
    async () => {
      Object.assign(report, await evictToLowWaterMark(internals));
    },
    async () => {
      if (internals.options.compression) report.compression = await compactEntries(internals, internals.compression);
    },
    async () => {
      report.vacuumedPages = await vacuumFreePages(internals);
    },
    async () => {
      report.walCheckpointed = await checkpointWal(internals);
    },
  ];
  for (const step of steps) {
    if (internals.isClosing()) break;
    await step();
  }
  report.completed = !internals.isClosing();
  if (report.completed) {
    await connection.write('recording maintenance', () =>
      housekeeping.writeMeta.run(MAINTENANCE_FINISHED_KEY, String(options.clock.now())),
    );
  }
  report.durationMs = performance.now() - started;
  options.logger.info('datacache: maintenance finished', { ...report });
  return report;
}

/** The report of a pass that did nothing (yet): also what a pass asked for as the storage closes answers. */
export function emptyMaintenanceReport(): MaintenanceReport {
  return {
    expiredRemoved: 0,
    evictedEntries: 0,
    evictedBytes: 0,
    orphanRowsRemoved: 0,
    orphanFilesRemoved: 0,
    vacuumedPages: 0,
    walCheckpointed: false,
    completed: false,
    durationMs: 0,
  };
}

/** Deletes entries expired for longer than the stale-retention period, with their files. */
async function removeExpired(internals: StorageInternals): Promise<number> {
  const { housekeeping, options } = internals;
  let removed = 0;
  while (!internals.isClosing()) {
    const rows = await deleteChosenEntries(internals, 'removing expired entries', () =>
      housekeeping.expiredCandidates.all(options.clock.now() - options.staleRetentionSeconds * 1000, HOUSEKEEPING_CHUNK),
    );
    if (rows.length === 0) break;
    removed += rows.length;
    await yieldToEventLoop();
  }
  return removed;
}

/**
 * Rows whose file is gone are deleted; files that no row names, older than the grace period,
 * are deleted (a younger one may belong to a store that has not committed its row yet).
 */
async function repairOrphans(internals: StorageInternals): Promise<{ orphanRowsRemoved: number; orphanFilesRemoved: number }> {
  const { connection, housekeeping, options } = internals;
  const oldEnough = options.clock.now() - options.orphanGraceSeconds * 1000;
  const unreferencedCandidates: BlobFile[] = [];
  const referenced = new Set<string>();

  // Rows first: which files do they name, and which of those are missing?
  let orphanRowsRemoved = 0;
  let last = { filePath: '', id: 0 };
  while (!internals.isClosing()) {
    const after = last;
    const rows = await connection.read('checking blob files', () => housekeeping.fileRowsAfter.all(after.filePath, after.id, 1000));
    if (rows.length === 0) break;
    last = rows[rows.length - 1]!;
    for (const row of rows) {
      referenced.add(row.filePath);
      const absolutePath = resolveBlobPath(options.cacheDir, row.filePath);
      if (absolutePath !== undefined && (await fileExists(absolutePath))) continue;
      const deleted = await connection.write('removing rows whose file is missing', () =>
        internals.statements.deleteIfFileUnchanged.get(row.id, row.filePath),
      );
      if (deleted) orphanRowsRemoved++;
    }
    await yieldToEventLoop();
  }

  for await (const file of listBlobFiles(options.cacheDir)) {
    if (internals.isClosing()) break;
    if (!referenced.has(file.relativePath) && file.modifiedAt < oldEnough) unreferencedCandidates.push(file);
  }
  const orphanFiles: string[] = [];
  for (const file of unreferencedCandidates) {
    // Checked again now: a row may have been committed since the walk over rows.
    const stillUnreferenced = (await connection.read('checking blob files', () =>
      housekeeping.isFileReferenced.get(file.relativePath),
    )) === undefined;
    if (stillUnreferenced) orphanFiles.push(file.relativePath);
  }
  for await (const file of listTemporaryFiles(options.cacheDir)) {
    if (file.modifiedAt < oldEnough) orphanFiles.push(file.relativePath);
  }
  const orphanFilesRemoved = await removeBlobs(options.cacheDir, orphanFiles, options.logger, internals.blobFolders);
  return { orphanRowsRemoved, orphanFilesRemoved };
}

async function fileExists(absolutePath: string): Promise<boolean> {
  try {
    // lstat: whatever is at the path (a link, a FIFO) is the read's to judge, not followed here.
    await lstat(absolutePath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only a definite "not there" counts as missing; EACCES or EIO must not delete rows.
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** Hands free pages back to the file system (auto_vacuum=INCREMENTAL), a few hundred at a time. */
async function vacuumFreePages(internals: StorageInternals): Promise<number> {
  const { connection, housekeeping } = internals;
  let vacuumed = 0;
  while (!internals.isClosing()) {
    const before = housekeeping.freePages.get()!;
    if (before === 0) break;
    const after = await connection.write('vacuuming', () => {
      // pragma() steps the statement to the end; a single step frees only one page.
      connection.database.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_STEP})`);
      return housekeeping.freePages.get()!;
    });
    if (after >= before) break;
    vacuumed += before - after;
    await yieldToEventLoop();
  }
  return vacuumed;
}

/**
 * Copies the write-ahead log into the database. PASSIVE never waits for readers; when the log
 * has grown large (readers in other processes can starve checkpoints), TRUNCATE resets it.
 */
async function checkpointWal(internals: StorageInternals): Promise<boolean> {
  const walBytes = await stat(`${internals.databasePath}-wal`).then(
    (details) => details.size,
    () => 0,
  );
  const result = await internals.checkpoint(walBytes > LARGE_WAL_BYTES ? 'TRUNCATE' : 'RESTART');
  return result.complete;
}
