import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { command, CONSUMER_APP_OUTPUT, npm, packIntoNewProject, projectRoot, useProjectBinary, versionOf } from './consumer-app.js';

describe('the packed package in a new project', () => {
  it('installs, typechecks under strict settings without skipLibCheck, imports, requires, and runs its CLI through npx', async () => {
    const scratch = await temporaryDirectory('datacache-consumer-');
    const packed = await packIntoNewProject(scratch);
    expect(packed.shipped).toContain('LICENSE');
    expect(packed.shipped).toContain('dist/index.d.ts');
    // Maps would point at src/, which is not shipped.
    expect(packed.shipped.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(packed.shipped.filter((path) => path.startsWith('src/'))).toEqual([]);
    await useProjectBinary(packed);
    const { app } = packed;
    // The app has no type packages for datacache's dependencies, so none may be needed.
    expect(await versionOf(app, '@types/better-sqlite3').catch(() => 'not installed')).toBe('not installed');
    expect(await versionOf(app, '@types/pg').catch(() => 'not installed')).toBe('not installed');

    const typechecked = await command(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    expect(typechecked.stdout + typechecked.stderr).toBe('');
    expect(typechecked.code).toBe(0);

    const cacheDir = join(scratch, 'cache');
    const ran = await command(process.execPath, [join(app, 'out', 'app.js'), cacheDir], app);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout.trim())).toEqual(CONSUMER_APP_OUTPUT);

    // require() of the ES module: Node 20.19+ loads it (this project's graph has no top-level await).
    const required = await command(process.execPath, ['-e', "const { DataStorage } = require('datacache'); console.log(typeof DataStorage.open)"], app);
    expect(required.code, required.stderr).toBe(0);
    expect(required.stdout.trim()).toBe('function');

    const version = await command(npm, ['exec', '--offline', '--', 'datacache', '--version'], app);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const stats = await command(npm, ['exec', '--offline', '--', 'datacache', '--cache-dir', cacheDir, 'stats', '--json'], app);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ storage: { entries: 1 } });
  }, 600_000);
});
