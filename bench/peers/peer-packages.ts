import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the peers benchmark uses of keyv, @keyv/sqlite and cacache: only what it calls. */
export interface PeerPackages {
  Keyv: new (options: { store: unknown }) => { set(key: string, value: unknown, ttl: number): Promise<unknown>; get(key: string): Promise<unknown>; disconnect(): Promise<void> };
  KeyvSqlite: new (uri: string) => unknown;
  cacache: {
    put(cache: string, key: string, data: Buffer | string): Promise<unknown>;
    get(cache: string, key: string): Promise<{ data: Buffer }>;
  };
}

const folder = fileURLToPath(new URL('.', import.meta.url));

/** Whether the peers' packages are installed in bench/peers/node_modules. */
export function peerPackagesInstalled(): boolean {
  return ['keyv', '@keyv/sqlite', 'cacache'].every((name) => existsSync(`${folder}node_modules/${name}/package.json`));
}

/**
 * The peers' packages, installed into bench/peers/node_modules on first use (`npm ci` there
 * with its own lock file): they are not the project's dependencies, so a newcomer's `npm ci`
 * does not compile sqlite3 for a benchmark they may never run.
 */
export async function loadPeerPackages(): Promise<PeerPackages> {
  if (!peerPackagesInstalled()) {
    console.error('peers: installing keyv, @keyv/sqlite and cacache into bench/peers/node_modules (once; sqlite3 compiles, about 2 minutes) …');
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: folder, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm ci in ${folder} failed (exit ${String(result.status)})`);
  }
  // A specifier in a variable: TypeScript does not look for these packages, which the project does not
  // install; Node resolves them from this folder, so from bench/peers/node_modules.
  const load = (name: string): Promise<{ default: unknown }> => import(name) as Promise<{ default: unknown }>;
  const [keyv, keyvSqlite, cacache] = await Promise.all([load('keyv'), load('@keyv/sqlite'), load('cacache')]);
  return { Keyv: keyv.default as PeerPackages['Keyv'], KeyvSqlite: keyvSqlite.default as PeerPackages['KeyvSqlite'], cacache: cacache.default as PeerPackages['cacache'] };
}
