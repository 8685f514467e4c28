import { afterEach, describe, expect, it } from 'vitest';
import { DataCacheClient, InvalidArgumentError } from '../../src/index.js';
import { startServer, type Route } from '../helpers/http-server.js';
import { openTestStorage } from '../helpers/storage.js';

const clients: DataCacheClient[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

const HOUR = 3_600_000;

/** An origin that answers JSON with an ETag, and 304 to a request that names it. */
const withEtag = (body: string, etag: string): Route => (request, response) => {
  if (request.headers['if-none-match'] === etag) response.writeHead(304, { etag }).end();
  else response.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
};

async function setUp() {
  const server = await startServer({
    '/hot.json': withEtag('{"name":"Daft Punk"}', '"hot-1"'),
    '/cold.json': withEtag('{"name":"Nobody"}', '"cold-1"'),
    '/hot-too.json': withEtag('{"name":"Air"}', '"air-1"'),
  });
  const { storage, clock } = await openTestStorage();
  const client = new DataCacheClient({ storage, userAgent: 'datacache-tests/1.0 ( tests@example.org )', clock, providers: { test: { ratePerSecond: Infinity } } });
  clients.push(client);
  const fetchOnce = (path: string) => client.getOrFetch({ url: server.url(path), identifier: 'x', dataType: 'api', provider: 'test', ttlSeconds: 24 * 3600 });
  return { server, storage, clock, client, fetchOnce };
}

/** Starts a worker whose refresh-ahead rounds the test runs itself (its timer is an hour away). */
function worker(client: DataCacheClient, dailyBudget = 500) {
  const handle = client.startWorker({ refreshAhead: { intervalMs: HOUR, dailyBudget } });
  stops.push(() => handle.stop());
  return handle;
}

describe('refresh-ahead', () => {
  it('refreshes an often-read entry near its expiry with a conditional request (a 304 renews it), and leaves a rarely read one to expire', async () => {
    const { server, storage, clock, client, fetchOnce } = await setUp();
    await fetchOnce('/hot.json');
    await fetchOnce('/cold.json');
    for (let read = 0; read < 5; read++) await fetchOnce('/hot.json'); // hits
    await fetchOnce('/cold.json'); // one hit: rarely read
    clock.advance(20 * HOUR); // both now expire within the default 6 hours
    const handle = worker(client);
    expect(await handle.refreshAhead()).toBe(1);
    await expect.poll(() => server.requests.filter((request) => request.path === '/hot.json').length, { timeout: 20_000 }).toBe(2);
    const refresh = server.requests.filter((request) => request.path === '/hot.json')[1]!;
    expect(refresh.headers['if-none-match']).toBe('"hot-1"');
    // Renewed by the 304: fresh for its TTL again, from now.
    await expect.poll(async () => (await storage.retrieveSummaryByUrl(server.url('/hot.json')))!.expiresAt, { timeout: 20_000 }).toBeGreaterThan(clock.now() + 20 * HOUR);
    expect(server.requests.filter((request) => request.path === '/cold.json')).toHaveLength(1);
    // Nothing is due again right after.
    expect(await handle.refreshAhead()).toBe(0);
  });

  it('keeps within the daily budget per provider, for every worker of the machine together', async () => {
    const { server, clock, client, fetchOnce } = await setUp();
    for (const path of ['/hot.json', '/hot-too.json']) for (let read = 0; read < 4; read++) await fetchOnce(path);
    clock.advance(20 * HOUR);
    const first = worker(client, 1);
    const second = worker(client, 1);
    expect((await first.refreshAhead()) + (await second.refreshAhead())).toBe(1);
    await expect.poll(() => server.requests.length, { timeout: 20_000 }).toBe(3);
    // The next day has a new budget.
    clock.advance(24 * HOUR - 20 * HOUR + 1);
    for (const path of ['/hot.json', '/hot-too.json']) for (let read = 0; read < 4; read++) await fetchOnce(path);
    clock.advance(20 * HOUR);
    expect(await first.refreshAhead()).toBe(1);
  });

  it('does not ask again every round for a refresh that failed, nor for an entry whose whole life is shorter than the window', async () => {
    let gone = false;
    const server = await startServer({
      '/flaky.json': (request, response) => {
        if (gone) response.writeHead(404).end();
        else withEtag('{"name":"Air"}', '"air-1"')(request, response);
      },
      '/short.json': withEtag('{"name":"Moderat"}', '"m-1"'),
    });
    const { storage, clock } = await openTestStorage();
    const client = new DataCacheClient({ storage, userAgent: 'datacache-tests/1.0 ( tests@example.org )', clock, providers: { test: { ratePerSecond: Infinity } } });
    clients.push(client);
    const read = (path: string, ttlSeconds: number) => client.getOrFetch({ url: server.url(path), identifier: 'x', dataType: 'api', provider: 'test', ttlSeconds });
    for (let index = 0; index < 4; index++) await read('/flaky.json', 24 * 3600);
    for (let index = 0; index < 4; index++) await read('/short.json', 3600);
    const handle = worker(client);
    // The one-hour entry is not due at once (it has its whole hour left), only in its last quarter.
    expect(await handle.refreshAhead()).toBe(0);
    clock.advance(20 * HOUR);
    gone = true;
    expect(await handle.refreshAhead()).toBe(1); // the flaky one; the short one expired long ago
    await expect.poll(async () => (await client.queue.get(server.url('/flaky.json')))?.state, { timeout: 20_000 }).toBe('failed');
    expect(await handle.refreshAhead()).toBe(0);
    expect(server.requests.filter((request) => request.path === '/flaky.json')).toHaveLength(2);
  });

  it('is off with refreshAhead: false, and checks its options', async () => {
    const { client, clock, fetchOnce } = await setUp();
    for (let read = 0; read < 4; read++) await fetchOnce('/hot.json');
    clock.advance(20 * HOUR);
    const off = client.startWorker({ refreshAhead: false });
    stops.push(() => off.stop());
    expect(await off.refreshAhead()).toBe(0);
    const noBudget = client.startWorker({ refreshAhead: { dailyBudget: 0 } });
    stops.push(() => noBudget.stop());
    expect(await noBudget.refreshAhead()).toBe(0);
    expect(() => client.startWorker({ refreshAhead: { dailyBudget: -1 } })).toThrow(InvalidArgumentError);
    expect(() => client.startWorker({ refreshAhead: 'yes' as never })).toThrow(InvalidArgumentError);
  });
});
