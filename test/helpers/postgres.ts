/**
 * A private, throwaway PostgreSQL cluster for the tests, on the real server (Debian's
 * `postgresql` package, which `.ci/run` installs when it is missing).
 *
 * - One cluster serves the whole `vitest run`: test/helpers/postgres-global-setup.ts starts it
 *   and hands its address to the test files (`postgresForTests()` here). Tests on it isolate
 *   themselves with `freshSchema()` (or `freshDatabase()`), and must never stop it.
 * - Fault tests (a stopped, restarted or crashed server) start their OWN cluster with
 *   `startPostgres()` (or `ownPostgres()` for a whole file) and destroy it afterwards, so
 *   they do not disturb test files running in parallel on the shared one.
 * - Child processes ("machines") cannot call vitest's `inject`: pass them the URL (and the
 *   schema name) as arguments or environment variables.
 *
 * Authentication: the Unix socket (in the cluster's temp directory) trusts every role, so the
 * helper and tests can act as the superuser `postgres` there; TCP on 127.0.0.1 asks for a
 * password (scram-sha-256) for every role. The role `datacache` (password
 * {@link POSTGRES_PASSWORD}, may create databases, not a superuser) owns the database
 * `datacache`: the `url` every test uses is TCP as that role, so a wrong password really fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { access, appendFile, chmod, chown, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { findFreePort } from './tcp-proxy.js';

/** The role every test connects as over TCP. */
export const POSTGRES_USER = 'datacache';
/** Its password: tests of a wrong password use anything else. Never a real secret. */
export const POSTGRES_PASSWORD = 'datacache-secret-pw';
/** The database the role owns, where schemas per test are made. */
export const POSTGRES_DATABASE = 'datacache';

/** How `pg_ctl stop` ends the server: `fast` aborts sessions cleanly, `immediate` is a crash (recovery on the next start). */
export type PostgresStopMode = 'smart' | 'fast' | 'immediate';

/** A cluster's address: what the global setup hands to test files (plain data, serialisable). */
export interface PostgresAddress {
  /** `postgres://datacache:datacache-secret-pw@127.0.0.1:PORT/datacache`: TCP, password auth. */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The Unix socket's directory: connecting there as `postgres` (no password) is a superuser session. */
  socketDirectory: string;
}

/** A running (or stopped) private cluster. */
export interface PostgresServer extends PostgresAddress {
  /** The temp directory (in /dev/shm when it has room) holding the data directory (`data/`), the socket and `postgres.log`. */
  readonly directory: string;
  /** The server's major version, e.g. 15. */
  readonly version: number;
  /** Milliseconds `startPostgres` took (initdb, start, role and database). */
  readonly startupMs: number;
  /** Whether the server is running, as far as this helper knows. */
  readonly running: boolean;
  /** `pg_ctl stop -m MODE -w`: sessions end, new connections are refused. A no-op when already stopped. */
  stop(mode?: PostgresStopMode): Promise<void>;
  /** `pg_ctl start -w` again: same data directory, same port, same URL. A no-op when running. */
  start(): Promise<void>;
  /** Stops (with `mode`) and starts again. */
  restart(mode?: PostgresStopMode): Promise<void>;
  /** Stops the server (immediately: it is thrown away) and removes its directory. */
  destroy(): Promise<void>;
  /** Creates a database owned by `datacache` and returns its URL (tests that need a whole database). */
  createDatabase(name: string): Promise<string>;
  /** The URL of `database` on this cluster, as `datacache` over TCP. */
  urlFor(database: string): string;
  /** Connection settings for a superuser session over the Unix socket (no password). */
  superuser(database?: string): pg.ClientConfig;
  /** The server log's last lines: for error messages. */
  logTail(lines?: number): Promise<string>;
}

/** No PostgreSQL can be started here: binaries missing, or root without a `postgres` OS user. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/** A PostgreSQL command (initdb, pg_ctl) failed: its output and the server log's tail are in the message. */
export class PostgresCommandError extends Error {
  override readonly name = 'PostgresCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} failed (exit ${exitCode}):\n${output}`);
  }
}

/** Where initdb, pg_ctl and postgres live, and as whom to run them. */
interface Installation {
  binDirectory: string;
  version: number;
  /** The `postgres` OS user when we are root (PostgreSQL refuses to run as root); undefined otherwise. */
  runAs: { uid: number; gid: number } | undefined;
}

/**
 * Finds the PostgreSQL to run: the bin directory in $DATACACHE_TEST_PG_BIN when set (only that
 * one: a path without it shows how the tests behave with no server), else the newest of
 * Debian's /usr/lib/postgresql/N/bin, else initdb on PATH.
 */
function findInstallation(): Installation {
  const candidates: string[] = [];
  const override = process.env.DATACACHE_TEST_PG_BIN;
  if (override !== undefined && override !== '') candidates.push(override);
  else if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  if (override === undefined || override === '') candidates.push(...(process.env.PATH ?? '').split(delimiter).filter((entry) => entry !== ''));
  const binDirectory = candidates.find((directory) => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(directory, name))));
  if (binDirectory === undefined) {
    throw new PostgresUnavailableError(
      override === undefined || override === ''
        ? 'PostgreSQL is not installed (no initdb, pg_ctl and postgres in /usr/lib/postgresql/*/bin or on PATH); install it with `sudo apt-get install postgresql`, or set DATACACHE_TEST_PG_BIN to its bin directory.'
        : `DATACACHE_TEST_PG_BIN=${override} holds no initdb, pg_ctl and postgres.`,
    );
  }
  const versionOutput = spawnSync(join(binDirectory, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout;
  const version = Number.parseInt(/(\d+)(?:\.\d+)?/.exec(versionOutput)?.[1] ?? '0', 10);
  if (process.getuid?.() !== 0) return { binDirectory, version, runAs: undefined };
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new PostgresUnavailableError('the tests run as root and PostgreSQL refuses to run as root, but there is no `postgres` OS user to run it as (Debian\'s postgresql package creates one).');
  }
  return { binDirectory, version, runAs: { uid: Number(uid), gid: Number(gid) } };
}

/** Runs a PostgreSQL program (as `postgres` when we are root), resolving with its output or rejecting with a {@link PostgresCommandError}. */
function run(installation: Installation, program: string, args: string[], cwd: string, timeoutMs: number, acceptExit: number[] = [0]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(installation.binDirectory, program), args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No PG* variables of the developer's shell may point the tools elsewhere.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
      ...(installation.runAs ?? {}),
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== null && acceptExit.includes(code)) resolve({ code, output });
      else reject(new PostgresCommandError(`${program} ${args.join(' ')}`, code, output));
    });
  });
}

/** Servers of this process still running: stopped at exit even when a test forgot to (or crashed). */
const live = new Map<string, { pgCtl: string; dataDirectory: string; runAs: Installation['runAs'] }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [directory, server] of live) {
      spawnSync(server.pgCtl, ['stop', '-D', server.dataDirectory, '-m', 'immediate', '-w', '-t', '30'], { stdio: 'ignore', cwd: directory, ...(server.runAs ?? {}) });
      rmSync(directory, { recursive: true, force: true });
    }
  });
}

/** Settings of the throwaway cluster (postgresql.conf); `settings` of {@link startPostgres} adds or overrides. */
function configuration(port: number, socketDirectory: string, settings: Record<string, string | number>): string {
  const all: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${socketDirectory}'`,
    max_connections: 200,
    // Throwaway data: durability is not wanted, speed is.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    // Bounded WAL (the default lets it grow to 1 GB), as the cluster may live in memory.
    max_wal_size: "'256MB'",
    // The server's messages go to postgres.log in the cluster's directory (pg_ctl -l), quoted in errors.
    log_destination: "'stderr'",
    logging_collector: 'off',
    log_timezone: "'UTC'",
    timezone: "'UTC'",
    ...settings,
  };
  return `\n# datacache test cluster\n${Object.entries(all)
    .map(([key, value]) => `${key} = ${value}`)
    .join('\n')}\n`;
}

/** Local (Unix socket) sessions trusted, TCP sessions need a password: see the module comment. */
const HBA = `# datacache test cluster: trust on the private socket, passwords over TCP.
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
`;

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Where clusters go: /dev/shm (memory) when it has 2 GiB free, which halves initdb here (0.6 s
 * instead of 1.1 s on this disk); else the OS temp folder. The data is thrown away anyway.
 */
async function defaultParent(): Promise<string> {
  try {
    const stats = await statfs('/dev/shm');
    await access('/dev/shm', constants.W_OK);
    if (stats.bavail * stats.bsize >= 2 * 1024 ** 3) return '/dev/shm';
  } catch {
    // No /dev/shm here (not Linux): the temp folder.
  }
  return tmpdir();
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** The folder to make the cluster's temp directory in; by default /dev/shm when it has room, else the OS temp folder (a benchmark may want a disk). */
  parent?: string;
  /** postgresql.conf settings to add or override, e.g. `{ synchronous_commit: 'on' }` for a benchmark that compares it. Strings are written as they are (quote text values). */
  settings?: Record<string, string | number>;
}

/**
 * Starts a private throwaway cluster: `initdb` into a fresh temp directory (as the `postgres` OS
 * user when we are root), a free port on 127.0.0.1 below the ephemeral range (so a restart finds
 * it free again), the socket in the temp directory, fsync/full_page_writes/synchronous_commit
 * off; then the role `datacache` with its password and its database. Takes 0.7 s here in
 * /dev/shm, 1.1 s on disk (initdb is most of it).
 * Used by the global setup (one cluster for the run) and by fault tests (their own cluster,
 * which they may stop and restart freely). The caller must `destroy()` it.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const began = performance.now();
  const installation = findInstallation();
  const directory = await mkdtemp(join(options.parent ?? (await defaultParent()), 'datacache-pg-'));
  // Readable by everyone (the socket lives here); the data directory inside is initdb's, 0700.
  await chmod(directory, 0o755);
  if (installation.runAs !== undefined) await chown(directory, installation.runAs.uid, installation.runAs.gid);
  const dataDirectory = join(directory, 'data');
  const logFile = join(directory, 'postgres.log');
  const pgCtl = join(installation.binDirectory, 'pg_ctl');
  // An object, not a `let`: closures change it, and the compiler's narrowing cannot see that.
  const state = { running: false };

  const logTail = async (lines = 30): Promise<string> => {
    try {
      return (await readFile(logFile, 'utf8')).split('\n').slice(-lines - 1).join('\n');
    } catch {
      return '(no server log)';
    }
  };
  const pgCtlRun = async (args: string[], acceptExit?: number[]): Promise<{ code: number; output: string }> => {
    try {
      return await run(installation, 'pg_ctl', [...args, '-D', dataDirectory], directory, 150_000, acceptExit);
    } catch (error) {
      if (error instanceof PostgresCommandError) throw new PostgresCommandError(error.command, error.exitCode, `${error.output}\nserver log (${logFile}):\n${await logTail()}`);
      throw error;
    }
  };
  const startServer = async (): Promise<void> => {
    await pgCtlRun(['start', '-w', '-t', '120', '-l', logFile]);
    state.running = true;
  };

  try {
    await run(installation, 'initdb', ['-D', dataDirectory, '--no-sync', '--no-instructions', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256'], directory, 150_000);
    await writeFile(join(dataDirectory, 'pg_hba.conf'), HBA);
    // A port checked free may be taken before the server binds it (another worker's cluster):
    // then the start fails with "could not bind", and another port is tried.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await findFreePort();
      await appendFile(join(dataDirectory, 'postgresql.conf'), configuration(port, directory, options.settings ?? {}));
      try {
        await startServer();
        break;
      } catch (error) {
        const taken = error instanceof PostgresCommandError && /could not (bind|create listen socket)|already in use/i.test(error.output);
        if (!taken || attempt >= 5) throw error;
      }
    }
    live.set(directory, { pgCtl, dataDirectory, runAs: installation.runAs });
    installExitHook();

    const host = '127.0.0.1';
    const superuser = (database = POSTGRES_DATABASE): pg.ClientConfig => ({ host: directory, port, user: 'postgres', database, connectionTimeoutMillis: 30_000 });
    // initdb's database `postgres` becomes `datacache`, the role's: renaming is instant, where
    // CREATE DATABASE takes about 0.3 s (and every fault-test file starts a cluster).
    await withClient(superuser('template1'), async (admin) => {
      await admin.query(`CREATE ROLE ${POSTGRES_USER} LOGIN CREATEDB PASSWORD '${POSTGRES_PASSWORD}'`);
      await admin.query(`ALTER DATABASE postgres RENAME TO ${POSTGRES_DATABASE}`);
      await admin.query(`ALTER DATABASE ${POSTGRES_DATABASE} OWNER TO ${POSTGRES_USER}`);
    });

    const urlFor = (database: string): string => `postgres://${POSTGRES_USER}:${encodeURIComponent(POSTGRES_PASSWORD)}@${host}:${port}/${encodeURIComponent(database)}`;
    const startupMs = Math.round(performance.now() - began);
    const server: PostgresServer = {
      url: urlFor(POSTGRES_DATABASE),
      host,
      port,
      database: POSTGRES_DATABASE,
      user: POSTGRES_USER,
      password: POSTGRES_PASSWORD,
      socketDirectory: directory,
      directory,
      version: installation.version,
      startupMs,
      get running() {
        return state.running;
      },
      async stop(mode = 'fast') {
        // `status` exits 3 when no server runs (stopped here, or by a crash the test caused).
        const status = await pgCtlRun(['status'], [0, 3, 4]);
        if (status.code === 0) await pgCtlRun(['stop', '-m', mode, '-w', '-t', '120']);
        state.running = false;
      },
      async start() {
        const status = await pgCtlRun(['status'], [0, 3, 4]);
        if (status.code === 0) {
          state.running = true;
          return;
        }
        await startServer();
      },
      async restart(mode = 'fast') {
        await server.stop(mode);
        await server.start();
      },
      async destroy() {
        try {
          await server.stop('immediate');
        } finally {
          live.delete(directory);
          await rm(directory, { recursive: true, force: true });
        }
      },
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`database name "${name}" must be a lower-case SQL identifier`);
        await withClient(server.url, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)} OWNER ${POSTGRES_USER}`));
        return urlFor(name);
      },
      urlFor,
      superuser,
      logTail,
    };
    return server;
  } catch (error) {
    if (state.running) await run(installation, 'pg_ctl', ['stop', '-D', dataDirectory, '-m', 'immediate', '-w'], directory, 60_000).catch(() => undefined);
    live.delete(directory);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs `use` with one connected `pg` client and closes it after: for test set-up and checks
 * made straight in SQL (the library's own connections are the thing under test).
 */
export async function withClient<T>(connection: string | pg.ClientConfig, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(typeof connection === 'string' ? { connectionString: connection, connectionTimeoutMillis: 30_000 } : connection);
  // A server stopped under a test ends the session with an 'error' event: reported by query(), not thrown at the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the global setup provides: the shared cluster's address, or why there is none. */
export type ProvidedPostgres = PostgresAddress | { missing: string };

/** Whether we run in CI, where PostgreSQL tests must fail, not skip, without a server. */
export function inCI(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** The reason last warned about, so each test file says it once. */
let warnedAbout: string | undefined;

/**
 * The run's shared cluster, from the global setup (vitest `inject`). Outside CI, where no server
 * could be started, returns undefined and says why once, so the file's PostgreSQL tests skip
 * (`describe.skipIf(postgres === undefined)`); in CI it throws instead (the global setup has
 * already failed the run there). Tests must not stop this server: see {@link startPostgres}.
 */
export function postgresForTests(): PostgresAddress | undefined {
  const provided = inject('postgres');
  if (!('missing' in provided)) return provided;
  if (inCI()) throw new PostgresUnavailableError(`PostgreSQL tests cannot run in CI without a server: ${provided.missing}`);
  if (warnedAbout !== provided.missing) console.warn(`PostgreSQL tests skipped: ${provided.missing}`);
  warnedAbout = provided.missing;
  return undefined;
}

/** A schema made for one test, so its rows are invisible to every other test on the shared cluster. */
export interface FreshSchema {
  /** `t_` and 12 random hex digits: a valid unquoted identifier, to pass as the library's schema name. */
  name: string;
  /** The cluster URL it lives in, unchanged. */
  url: string;
  /** The URL with `?schema=<name>`: the one string to give the library's `shared` option (and child processes). */
  sharedUrl: string;
  /** Drops it with everything in it (optional: the cluster is thrown away at the end of the run). */
  drop(): Promise<void>;
}

/**
 * A fresh schema `t_<random>` for one test on `url` (by default the run's shared cluster),
 * created empty unless `create: false` (for tests of the library creating it on first use).
 * Isolation by schema rather than database: creating one takes a few milliseconds (a database,
 * about 0.3 s), and the library takes its schema name as an option (`?schema=` on its URL).
 */
export async function freshSchema(options: { url?: string; create?: boolean } = {}): Promise<FreshSchema> {
  const target = options.url ?? postgresForTests()?.url;
  if (target === undefined) throw new PostgresUnavailableError('no PostgreSQL server for this test (see the warning above); guard the test with describe.skipIf(postgresForTests() === undefined)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  if (options.create ?? true) await withClient(target, (client) => client.query(`CREATE SCHEMA ${name}`));
  const sharedUrl = new URL(target);
  sharedUrl.searchParams.set('schema', name);
  return {
    name,
    url: target,
    sharedUrl: sharedUrl.toString(),
    drop: () => withClient(target, (client) => client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).then(() => undefined),
  };
}

/**
 * Creates a fresh database `d_<random>` (owned by `datacache`) on the run's shared cluster and
 * returns its URL: for tests that need a whole database (e.g. the library's default schema).
 */
export async function freshDatabase(): Promise<string> {
  const postgres = postgresForTests();
  if (postgres === undefined) throw new PostgresUnavailableError('no PostgreSQL server for this test (see the warning above)');
  const name = `d_${randomBytes(6).toString('hex')}`;
  await withClient(postgres.url, (client) => client.query(`CREATE DATABASE ${name} OWNER ${POSTGRES_USER}`));
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A cluster of the calling test file's own, for fault tests that stop, restart or crash the
 * server: started before the file's tests (beforeAll) and destroyed after them (afterAll), so
 * the shared cluster other files use in parallel is never touched. Call it at the top of the
 * file or of a `describe`; the returned function gives the server inside tests. Only call it
 * where {@link postgresForTests} returned a server (the binaries are known to work then).
 */
export function ownPostgres(options: StartPostgresOptions = {}): () => PostgresServer {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres(options);
  }, 180_000);
  afterAll(async () => {
    await server?.destroy();
  }, 180_000);
  return () => {
    if (server === undefined) throw new Error('ownPostgres(): the server is only there inside tests (after beforeAll)');
    return server;
  };
}
