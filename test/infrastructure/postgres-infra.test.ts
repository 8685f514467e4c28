import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, freshSchema, ownPostgres, POSTGRES_PASSWORD, postgresForTests, withClient } from '../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// The test infrastructure itself, on the real server: the shared cluster, schemas per test, a
// cluster of a file's own that a test may stop and start, and the proxy that breaks the network.

const postgres = postgresForTests();

/** A connected client whose connection errors are recorded instead of thrown at the process. */
async function connected(config: pg.ClientConfig): Promise<{ client: pg.Client; errors: Error[] }> {
  const client = new pg.Client({ connectionTimeoutMillis: 30_000, ...config });
  const errors: Error[] = [];
  client.on('error', (error) => errors.push(error));
  await client.connect();
  return { client, errors };
}

/** Waits (polling, up to 30 s) until `condition` holds: for events that arrive a moment after an action. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the error `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but it resolved');
}

describe.skipIf(postgres === undefined)('the shared PostgreSQL cluster', () => {
  const server = postgres!;

  it('answers SELECT 1 at the provided URL, as the datacache role, with the throwaway settings', async () => {
    await withClient(server.url, async (client) => {
      const { rows } = await client.query<{ one: number; user: string; database: string }>('SELECT 1 AS one, current_user AS user, current_database() AS database');
      expect(rows).toEqual([{ one: 1, user: 'datacache', database: 'datacache' }]);
      const settings = await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'listen_addresses') ORDER BY name",
      );
      expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({
        fsync: 'off',
        full_page_writes: 'off',
        listen_addresses: '127.0.0.1',
        max_connections: '200',
        synchronous_commit: 'off',
      });
    });
    expect(server.url).toBe(`postgres://datacache:${POSTGRES_PASSWORD}@127.0.0.1:${server.port}/datacache`);
  });

  it('refuses a wrong password over TCP with an authentication error (28P01)', async () => {
    const wrong = new URL(server.url);
    wrong.password = 'not-the-password';
    const client = new pg.Client({ connectionString: wrong.toString(), connectionTimeoutMillis: 30_000 });
    const error = await rejection(client.connect());
    expect(error.code).toBe('28P01');
    expect(error.message).toMatch(/password authentication failed for user "datacache"/);
  });

  it('lets the superuser in over the Unix socket without a password', async () => {
    await withClient({ host: server.socketDirectory, port: server.port, user: 'postgres', database: 'datacache' }, async (client) => {
      const { rows } = await client.query<{ superuser: boolean }>('SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');
      expect(rows).toEqual([{ superuser: true }]);
    });
  });

  it('gives each test a fresh schema: same table names, rows invisible to the other', async () => {
    const [first, second] = await Promise.all([freshSchema(), freshSchema()]);
    expect(first.name).toMatch(/^t_[0-9a-f]{12}$/);
    expect(first.name).not.toBe(second.name);
    expect(new URL(first.sharedUrl).searchParams.get('schema')).toBe(first.name);
    await withClient(server.url, async (client) => {
      for (const schema of [first, second]) await client.query(`CREATE TABLE ${schema.name}.entries (key text PRIMARY KEY)`);
      await client.query(`INSERT INTO ${first.name}.entries VALUES ('only-in-first')`);
      await client.query(`SET search_path TO ${second.name}`);
      const { rows } = await client.query('SELECT key FROM entries');
      expect(rows).toEqual([]);
      await client.query(`SET search_path TO ${first.name}`);
      expect((await client.query('SELECT key FROM entries')).rows).toEqual([{ key: 'only-in-first' }]);
    });
    await first.drop();
    await withClient(server.url, async (client) => {
      const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname = $2 ORDER BY nspname', [first.name, second.name]);
      expect(rows).toEqual([{ nspname: second.name }]);
    });
  });

  it('names a schema without creating it, for tests of the library creating its own', async () => {
    const schema = await freshSchema({ create: false });
    await withClient(server.url, async (client) => {
      expect((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema.name])).rows).toEqual([]);
    });
  });

  it('makes a fresh database when a test needs a whole one', async () => {
    const url = await freshDatabase();
    expect(new URL(url).pathname).toMatch(/^\/d_[0-9a-f]{12}$/);
    await withClient(url, async (client) => {
      const { rows } = await client.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()');
      expect(rows).toEqual([{ owner: 'datacache' }]);
    });
  });
});

describe.skipIf(postgres === undefined)("a fault test's own cluster", () => {
  const own = ownPostgres();

  it('starts in seconds, stops (sessions end, connections refused) and starts again on the same port and URL', async () => {
    const server = own();
    expect(server.startupMs).toBeLessThan(60_000);
    expect(server.port).not.toBe(postgres!.port);
    await withClient(server.url, (client) => client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)'));

    const { client: session, errors } = await connected({ connectionString: server.url });
    const url = server.url;
    await server.stop();
    expect(server.running).toBe(false);
    // The idle session was told (57P01 admin_shutdown), then its connection ended.
    await until(() => errors.length > 0);
    expect((errors[0] as Error & { code?: string }).code).toBe('57P01');
    await rejection(session.query('SELECT 1'));
    await session.end().catch(() => undefined);

    const refused = await rejection(withClient(url, (client) => client.query('SELECT 1')));
    expect(refused.code).toBe('ECONNREFUSED');

    await server.start();
    expect(server.url).toBe(url);
    await withClient(url, async (client) => {
      expect((await client.query('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
    });
  });

  it('restarts, and comes back after an immediate (crash-like) stop', async () => {
    const server = own();
    await server.restart();
    await withClient(server.url, (client) => client.query('SELECT 1'));
    await server.stop('immediate');
    await server.stop(); // already stopped: a no-op
    await server.start();
    await server.start(); // already running: a no-op
    await withClient(server.url, async (client) => {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });

  it('makes databases on its own cluster', async () => {
    const url = await own().createDatabase('faults');
    await withClient(url, async (client) => {
      expect((await client.query('SELECT current_database() AS name')).rows).toEqual([{ name: 'faults' }]);
    });
  });
});

describe.skipIf(postgres === undefined)('the TCP proxy between a machine and the server', () => {
  const server = postgres!;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('rewrites a URL to go through it, keeping user, password, database and parameters', async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const through = new URL(proxy.urlThrough(`${server.url}?application_name=machine-a`));
    expect(through.protocol).toBe('postgres:');
    expect([through.hostname, through.port]).toEqual(['127.0.0.1', String(proxy.port)]);
    expect([through.username, through.password, through.pathname, through.search]).toEqual(['datacache', POSTGRES_PASSWORD, '/datacache', '?application_name=machine-a']);
  });

  it('cutAll breaks a live connection (the client sees an error) and new connections work again', async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const { client, errors } = await connected({ connectionString: proxy.urlThrough(server.url) });
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(proxy.liveConnections).toBe(1);

    const running = rejection(client.query('SELECT pg_sleep(20)'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cutAt = performance.now();
    proxy.cutAll();
    const error = await running;
    expect(performance.now() - cutAt).toBeLessThan(10_000);
    expect(error.code).toBe('ECONNRESET');
    expect(errors.map((seen) => (seen as Error & { code?: string }).code)).toEqual(['ECONNRESET']);
    await client.end().catch(() => undefined);

    await withClient(proxy.urlThrough(server.url), async (again) => {
      expect((await again.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    });
    expect(proxy.acceptedConnections).toBe(2);
  });

  it("cutAll('close') ends idle connections with a FIN: the client hears its connection ended", async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const { client, errors } = await connected({ connectionString: proxy.urlThrough(server.url) });
    proxy.cutAll('close');
    await until(() => errors.length > 0);
    expect(errors[0]?.message).toMatch(/Connection terminated unexpectedly/);
    expect(proxy.liveConnections).toBe(0);
    await client.end().catch(() => undefined);
  });

  it("pause('refuse') refuses new connections until resume(), on the same port", async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const url = proxy.urlThrough(server.url);
    await proxy.pause('refuse');
    const refused = await rejection(withClient(url, (client) => client.query('SELECT 1')));
    expect(refused.code).toBe('ECONNREFUSED');
    await proxy.resume();
    await withClient(url, (client) => client.query('SELECT 1'));
  });

  it("pause('hang') holds new connections (a connect times out) and resume() lets held ones through", async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const url = proxy.urlThrough(server.url);
    await proxy.pause('hang');
    const timedOut = await rejection(withClient({ connectionString: url, connectionTimeoutMillis: 300 }, (client) => client.query('SELECT 1')));
    expect(timedOut.message).toMatch(/timeout/i);

    const held = withClient({ connectionString: url, connectionTimeoutMillis: 60_000 }, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await proxy.resume();
    expect(await held).toEqual([{ one: 1 }]);
  });

  it("pause('blackhole') freezes a live connection without closing it; resume() lets it finish", async () => {
    proxy = await startTcpProxy({ host: server.host, port: server.port });
    const { client, errors } = await connected({ connectionString: proxy.urlThrough(server.url) });
    try {
      await proxy.pause('blackhole');
      let answered = false;
      const query = client.query<{ one: number }>('SELECT 1 AS one').then((result) => {
        answered = true;
        return result.rows;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answered).toBe(false);
      await proxy.resume();
      expect(await query).toEqual([{ one: 1 }]);
      expect(errors).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
