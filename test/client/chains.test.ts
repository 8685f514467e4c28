import { afterEach, describe, expect, it } from 'vitest';
import { DataCacheClient, InvalidArgumentError, type ChainStepContext } from '../../src/index.js';
import { startServer } from '../helpers/http-server.js';
import { openTestStorage } from '../helpers/storage.js';

const clients: DataCacheClient[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function setUp() {
  const server = await startServer({
    '/first.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"next":"/second.json"}'),
    '/second.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}'),
  });
  const { storage, clock } = await openTestStorage();
  const client = new DataCacheClient({ storage, userAgent: 'datacache-tests/1.0 ( tests@example.org )', clock, providers: { test: { ratePerSecond: Infinity } } });
  clients.push(client);
  const seen: ChainStepContext[] = [];
  // A two-step chain: the first answer names the second URL.
  client.registerChainStep('demo', (context) => {
    seen.push(context);
    if (context.state.step !== 'first' || context.entry === null) return Promise.resolve([]);
    const next = (JSON.parse(context.entry.data.toString('utf8')) as { next: string }).next;
    return Promise.resolve([{ url: server.url(next), identifier: 'x', dataType: 'api', provider: 'test', chain: { kind: 'demo', state: { step: 'second' } } }]);
  });
  const first = { url: server.url('/first.json'), identifier: 'x', dataType: 'api', provider: 'test' };
  return { server, client, seen, first };
}

describe('chains of queued fetches', () => {
  it('run step after step in whichever worker settles them, a cached answer included, each next step queued as the one before completes', async () => {
    const { server, client, seen, first } = await setUp();
    await client.getOrFetch(first); // cached before the chain starts: the worker settles it without a request
    await client.queueFetch({ ...first, chain: { kind: 'demo', state: { step: 'first' } } });
    const worker = client.startWorker({ refreshAhead: false });
    stops.push(() => worker.stop());
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(2);
    expect(seen.map((context) => context.state.step)).toEqual(['first', 'second']);
    expect(server.requests.map((request) => request.path)).toEqual(['/first.json', '/second.json']);
  });

  it('go on when a live fetch takes over a queued step (the row keeps its chain, the live fetch settles it)', async () => {
    const { client, seen, first } = await setUp();
    await client.queueFetch({ ...first, chain: { kind: 'demo', state: { step: 'first' } } });
    // The app asks for the same URL now, before any worker ran: it takes the row, fetches, and settles the chain's step.
    expect(await client.getOrFetch(first)).not.toBeNull();
    expect(seen.map((context) => context.state.step)).toEqual(['first']);
    expect((await client.queue.get(first.url))!.state).toBe('done');
    const worker = client.startWorker({ refreshAhead: false });
    stops.push(() => worker.stop());
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(2);
  });

  it('refuses a chain on a request fetched now, and a chain state over 16 KiB', async () => {
    const { client, first } = await setUp();
    await expect(client.getOrFetch({ ...first, chain: { kind: 'demo', state: {} } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(client.queueFetch({ ...first, chain: { kind: 'demo', state: { big: 'x'.repeat(17_000) } } })).rejects.toThrow(/at most 16384/);
  });
});
