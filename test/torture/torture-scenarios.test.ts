import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../torture/scenario.js';
import { crashStore } from '../../torture/scenarios/crash-store.js';
import { databaseFaults } from '../../torture/scenarios/database-faults.js';
import { killMaintenance } from '../../torture/scenarios/kill-maintenance.js';
import { killWorkers } from '../../torture/scenarios/kill-workers.js';
import { originFaults } from '../../torture/scenarios/origin-faults.js';
import { soak } from '../../torture/scenarios/soak.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

/** The torture scenarios in their short form: `npm run torture` runs them at full length. */
describe('torture scenarios (short versions)', () => {
  const check = async (scenario: Scenario): Promise<void> => {
    const report = await scenario.run({ quick: true, directory: await temporaryDirectory() });
    expect(report.faultsInjected).toBeGreaterThan(0);
    expect(report.dataChecked).toBeGreaterThan(0);
    expect({ lost: report.lost, corrupt: report.corrupt, callerErrors: report.callerErrors, notes: report.notes.filter((note) => !/^(info|finding): /.test(note)) }).toEqual({ lost: 0, corrupt: 0, callerErrors: 0, notes: [] });
  };

  it('a process storing entries, killed with SIGKILL at random moments, leaves a sound cache with nothing wrong in it', async () => {
    await check(crashStore);
  }, 120_000);

  it('an origin that misbehaves in every listed way gives callers a typed error or a stale copy, and stores nothing wrong', async () => {
    await check(originFaults);
  }, 120_000);

  it('workers killed with SIGKILL mid-job lose no job and leave none claimed', async () => {
    await check(killWorkers);
  }, 120_000);

  it('maintenance killed half-way leaves a sound cache, and the next run finishes the work', async () => {
    await check(killMaintenance);
  }, 120_000);

  it('eight processes with a realistic mix under a small budget see no errors, no wrong data and lose no job', async () => {
    const report = await soak.run({ quick: true, directory: await temporaryDirectory() });
    expect(report.operations).toBeGreaterThan(1000);
    expect({ lost: report.lost, corrupt: report.corrupt, callerErrors: report.callerErrors, notes: report.notes.filter((note) => !/^(info|finding): /.test(note)) }).toEqual({ lost: 0, corrupt: 0, callerErrors: 0, notes: [] });
  }, 120_000);

  it('a write lock held for seconds, a full disk, a read-only directory, the directory deleted while open and a corrupt file leave callers answered and the cache recoverable', async () => {
    await check(databaseFaults);
  }, 120_000);
});
