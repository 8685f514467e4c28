/** What one torture scenario did and found; the columns of `npm run torture`'s table. */
export interface TortureReport {
  /** Separate situations tried (a kill, a fault case, a generated input). */
  cases: number;
  faultsInjected: number;
  kills: number;
  /** Calls of the public API made by the scenario and its child processes. */
  operations: number;
  /** Errors that reached a caller where the promise is that none would. */
  callerErrors: number;
  /** Values read back and compared byte for byte with what was written. */
  dataChecked: number;
  /** Entries or jobs that should have survived and did not. */
  lost: number;
  /** Wrong or torn data served, failed integrity checks, rows without files or files without rows. */
  corrupt: number;
  /**
   * What went wrong, one line each; lines starting with "info: " only describe the run, and
   * "finding: " marks a weakness measured but not a broken promise (an event-loop stall).
   */
  notes: string[];
}

export interface TortureOptions {
  quick: boolean;
  /** A scratch folder, deleted afterwards. */
  directory: string;
}

export interface Scenario {
  name: string;
  description: string;
  run(options: TortureOptions): Promise<TortureReport>;
}

export function emptyReport(): TortureReport {
  return { cases: 0, faultsInjected: 0, kills: 0, operations: 0, callerErrors: 0, dataChecked: 0, lost: 0, corrupt: 0, notes: [] };
}
