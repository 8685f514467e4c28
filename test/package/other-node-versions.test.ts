import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { command, CONSUMER_APP_OUTPUT, npm, packIntoNewProject, rebuildFor } from './consumer-app.js';

// CI runs this (CI=true, as .ci/run sets it), or anyone with DATACACHE_TEST_NODE_VERSIONS=1:
// each Node compiles better-sqlite3 once (about 80 s), too slow for every local `npm test`.
const wanted = process.env.CI === 'true' || process.env.DATACACHE_TEST_NODE_VERSIONS === '1';
// The registry ships official Node builds as npm packages (bin/node and include/node inside),
// so no download from nodejs.org is needed.
const platformPackage = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64') ? `node-linux-${process.arch}` : undefined;

describe.skipIf(!wanted || platformPackage === undefined)('the packed package on Node 22 and 24 (from the npm registry)', () => {
  it('installs, runs, is required and runs its CLI on each', async () => {
    const scratch = await temporaryDirectory('datacache-node-versions-');
    const packed = await packIntoNewProject(scratch);
    // The app compiled once, by this Node's TypeScript; each Node then runs the same output.
    const compiled = await command(process.execPath, [join(packed.app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', packed.app], packed.app);
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
    for (const major of [22, 24]) {
      const downloads = join(scratch, `node-${major}`);
      await mkdir(downloads);
      const fetched = await command(npm, ['pack', `${platformPackage!}@${major}`, '--silent'], downloads);
      expect(fetched.code, fetched.stderr).toBe(0);
      const unpacked = await command('tar', ['xzf', fetched.stdout.trim()], downloads);
      expect(unpacked.code, unpacked.stderr).toBe(0);
      const nodeDirectory = join(downloads, 'package');
      const node = join(nodeDirectory, 'bin', 'node');
      expect((await command(node, ['--version'], downloads)).stdout).toMatch(new RegExp(`^v${major}\\.`));

      const app = join(scratch, `app-${major}`);
      await cp(packed.app, app, { recursive: true });
      await rebuildFor(app, nodeDirectory);
      const ran = await command(node, [join(app, 'out', 'app.js'), join(scratch, `cache-${major}`)], app);
      expect(ran.code, `Node ${major}: ${ran.stderr}`).toBe(0);
      expect(JSON.parse(ran.stdout.trim())).toEqual(CONSUMER_APP_OUTPUT);
      const required = await command(node, ['-e', "const { DataStorage } = require('datacache'); console.log(typeof DataStorage.open)"], app);
      expect(required.stdout.trim(), `Node ${major}: ${required.stderr}`).toBe('function');
      const stats = await command(node, [join(app, 'node_modules', 'datacache', 'dist', 'cli', 'main.js'), '--cache-dir', join(scratch, `cache-${major}`), 'stats', '--json'], app);
      expect(stats.code, `Node ${major}: ${stats.stderr}`).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({ storage: { entries: 1 } });
    }
  }, 900_000);
});
