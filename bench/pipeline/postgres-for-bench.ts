import { inCI, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import type { Figure } from '../harness.js';

/**
 * A private PostgreSQL cluster for a shared-tier benchmark, or, where none can be started, the
 * one figure that says the benchmark was skipped and why. In CI (which installs Debian's
 * postgresql) a server that cannot start is an error, as it is for the tests.
 */
export async function postgresOrSkip(): Promise<{ server: PostgresServer } | { skipped: Figure[] }> {
  try {
    return { server: await startPostgres() };
  } catch (error) {
    if (inCI()) throw error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { skipped: [{ name: `skipped: no PostgreSQL server could be started here (${reason})`, unit: 'count', value: 0, target: "run where Debian's postgresql is installed" }] };
  }
}
