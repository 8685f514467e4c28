import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a failure is an outcome to assert on, not an exception. */
async function command(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

async function versionOf(directory: string, name: string): Promise<string> {
  return (JSON.parse(await readFile(join(directory, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

// A new app's TypeScript settings at their strictest, and no skipLibCheck: every shipped .d.ts
// is checked, so a public type that names a package the app does not have fails here.
const CONSUMER_TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, types: ['node'], outDir: 'out' },
  include: ['app.ts'],
};

const CONSUMER_APP = `import { DataCacheProviders, DataStorage, DataCacheClient, startDashboard, readLibraryArtists, type CachedEntry } from 'datacache';

const cacheDir = process.argv[2]!;
const storage = await DataStorage.open({ cacheDir });
const stored: CachedEntry = await storage.store({ url: 'https://example.org/hello.json', identifier: 'hello', dataType: 'api', provider: 'example', value: { hello: 'world' }, ttlSeconds: 60 });
const client = new DataCacheClient({ storage });
const read = await client.getOrFetch({ url: 'https://example.org/hello.json', identifier: 'hello', dataType: 'api', provider: 'example' });
console.log(JSON.stringify({ stored: stored.size, read: read?.json<{ hello: string }>().hello }));
await client.close();
await storage.close();
// Named only so that their declarations are checked too.
void [DataCacheProviders, startDashboard, readLibraryArtists];
`;

describe('the packed package in a new project', () => {
  it('installs, typechecks under strict settings without skipLibCheck, imports, requires, and runs its CLI through npx', async () => {
    const scratch = await temporaryDirectory('datacache-consumer-');
    // npm pack runs the build first (prepare), so this is what would be published now.
    const packed = await command(npm, ['pack', '--pack-destination', scratch, '--json'], projectRoot);
    expect(packed.code, packed.stderr).toBe(0);
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const shipped = manifest!.files.map((file) => file.path);
    expect(shipped).toContain('LICENSE');
    expect(shipped).toContain('dist/index.d.ts');
    // Maps would point at src/, which is not shipped.
    expect(shipped.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(shipped.filter((path) => path.startsWith('src/'))).toEqual([]);

    const app = join(scratch, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
    await writeFile(join(app, 'app.ts'), CONSUMER_APP);
    // The app's own TypeScript and Node types, as a new project would add them; nothing else.
    const typescript = await versionOf(projectRoot, 'typescript');
    const nodeTypes = await versionOf(projectRoot, '@types/node');
    // Scripts off: better-sqlite3 would compile for minutes where no prebuilt binary can be
    // downloaded; the same version's binary, built by this project's install, is copied in.
    const installed = await command(npm, ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, manifest!.filename), `typescript@${typescript}`, `@types/node@${nodeTypes}`], app);
    expect(installed.code, installed.stderr).toBe(0);
    const binary = join('build', 'Release', 'better_sqlite3.node');
    if ((await versionOf(app, 'better-sqlite3')) === (await versionOf(projectRoot, 'better-sqlite3'))) {
      await mkdir(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
      await copyFile(join(projectRoot, 'node_modules', 'better-sqlite3', binary), join(app, 'node_modules', 'better-sqlite3', binary));
    } else {
      const rebuilt = await command(npm, ['rebuild', 'better-sqlite3'], app);
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
    }
    expect(await versionOf(app, '@types/better-sqlite3').catch(() => 'not installed')).toBe('not installed');
    expect(await versionOf(app, '@types/pg').catch(() => 'not installed')).toBe('not installed');

    const typechecked = await command(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    expect(typechecked.stdout + typechecked.stderr).toBe('');
    expect(typechecked.code).toBe(0);

    const cacheDir = join(scratch, 'cache');
    const ran = await command(process.execPath, [join(app, 'out', 'app.js'), cacheDir], app);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout.trim())).toEqual({ stored: 17, read: 'world' });

    // require() of the ES module: Node 20.19+ loads it (this project's graph has no top-level await).
    const required = await command(process.execPath, ['-e', "const { DataStorage } = require('datacache'); console.log(typeof DataStorage.open)"], app);
    expect(required.code, required.stderr).toBe(0);
    expect(required.stdout.trim()).toBe('function');

    const version = await command(npm, ['exec', '--offline', '--', 'datacache', '--version'], app);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')).version);
    const stats = await command(npm, ['exec', '--offline', '--', 'datacache', '--cache-dir', cacheDir, 'stats', '--json'], app);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ storage: { entries: 1 } });
  }, 600_000);
});
