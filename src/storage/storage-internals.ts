import type { AccessRecorder } from './access-recorder.js';
import type { VerifiedFolders } from './content/folders.js';
import type { BlobMemoryCache } from './content/memory-cache.js';
import type { EntryCompression } from './compression/compaction.js';
import type { ResolvedStorageOptions } from './options.js';
import type { SqliteConnection } from '../backends/sqlite/connection.js';
import type { EntryStatements } from '../backends/sqlite/entry-statements.js';
import type { HousekeepingStatements } from '../backends/sqlite/housekeeping-statements.js';
import type { CheckpointMode, CheckpointResult } from '../backends/sqlite/wal-checkpointer.js';

/**
 * The parts of an open DataStorage that its housekeeping jobs (budget, maintenance, purge,
 * statistics) work with. Passed explicitly so each job lives in its own small file.
 */
export interface StorageInternals {
  readonly options: ResolvedStorageOptions;
  readonly databasePath: string;
  readonly connection: SqliteConnection;
  readonly statements: EntryStatements;
  readonly housekeeping: HousekeepingStatements;
  readonly accessRecorder: AccessRecorder;
  readonly blobMemory: BlobMemoryCache;
  /** Blob folders seen to be real directories, not links (see `ensureBlobFolder`). */
  readonly blobFolders: VerifiedFolders;
  /** What stores and maintenance compress with (maintenance packs only with the `compression` option on). */
  readonly compression: EntryCompression;
  /** Copies the write-ahead log into the database, off the main thread when possible. */
  checkpoint(mode: CheckpointMode): Promise<CheckpointResult>;
  /** True once close() has begun: long jobs stop between chunks. */
  isClosing(): boolean;
}

/** Rows deleted per write transaction by housekeeping: small enough to hold the lock for about a millisecond. */
export const HOUSEKEEPING_CHUNK = 200;
