import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WnpImportReport } from '../../src/index.js';
import { writeWnpCache } from '../fixtures/wnp/wnp-cache.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

describe('datacache import-wnp', () => {
  it("finds whats-now-playing's cache at its default place, reports as JSON, and says in words that a second run found it all there", async () => {
    const home = await temporaryDirectory('wnp-home-');
    const wnpDir = join(home, '.cache', 'whatsnowplaying', 'WhatsNowPlaying', 'datacache');
    await mkdir(wnpDir, { recursive: true });
    const { rows } = await writeWnpCache(wnpDir);
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir, { HOME: home, XDG_CACHE_HOME: '' });

    const first = await runInProcess(['import-wnp', '--json'], { environment });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as WnpImportReport;
    expect(report.from).toBe(wnpDir);
    expect(report.entries.imported).toBe(rows.filter((row) => row.datacacheUrl !== undefined).length);

    const second = await runInProcess(['import-wnp', wnpDir], { environment });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`0 imported (none), ${report.entries.imported} already in the cache`);
    expect(second.stdout).toContain("whats-now-playing's directory was not changed");
  });

  it('says where it looked when there is no whats-now-playing cache, and a command pointed at one names the import (exit 4)', async () => {
    const home = await temporaryDirectory('wnp-home-');
    const nothing = await runInProcess(['import-wnp'], { environment: cliEnvironment(await temporaryDirectory(), { HOME: home, XDG_CACHE_HOME: '' }) });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain(join(home, '.cache', 'whatsnowplaying', 'WhatsNowPlaying', 'datacache'));

    const wnpDir = await temporaryDirectory('wnp-cache-');
    await writeWnpCache(wnpDir);
    const stats = await runInProcess(['stats'], { environment: cliEnvironment(wnpDir) });
    expect(stats.code).toBe(4);
    expect(stats.stderr).toContain(`datacache import-wnp "${wnpDir}"`);
  });
});
