import type { TestProject } from 'vitest/node';
import { inCI, startPostgres, type PostgresServer, type ProvidedPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared throwaway PostgreSQL cluster (test/helpers/postgres.ts), or why there is none. */
    postgres: ProvidedPostgres;
  }
}

/**
 * Runs once before the tests: starts one private PostgreSQL cluster for the whole run (about a
 * second) and hands its address to the test files (`postgresForTests()`); stops and removes it
 * after the run. Where none can be started the PostgreSQL tests skip, saying why, except in CI,
 * where the run fails here: there they must run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PostgresServer;
  try {
    server = await startPostgres();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (inCI()) throw new Error(`test setup: CI needs a PostgreSQL server for the shared-tier tests and none could be started (.ci/run installs Debian's postgresql package when it is missing):\n${reason}`);
    project.provide('postgres', { missing: reason });
    return () => Promise.resolve();
  }
  project.provide('postgres', {
    url: server.url,
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    password: server.password,
    socketDirectory: server.socketDirectory,
  });
  process.stderr.write(`test setup: PostgreSQL ${server.version} on ${server.host}:${server.port} (started in ${server.startupMs} ms)\n`);
  return () => server.destroy();
}
